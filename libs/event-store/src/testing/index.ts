// Test helpers of @tessera/event-store, for specs and test/ only (excluded from the build).
export * from './event-store-contract';
