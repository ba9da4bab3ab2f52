// Test helpers of @tessera/catalog, for specs and test/ only (excluded from the build).
export * from './catalog-samples';
