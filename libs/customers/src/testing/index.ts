// Test helpers of @tessera/customers, for specs and test/ only (excluded from the build).
export * from '../customer-360/testing/scenario';
export * from '../customer-360/testing/read-model-snapshot';
