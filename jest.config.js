// Unit specs (*.spec.ts) are pure and need no services; integration specs (*.int-spec.ts) talk to
// real PostgreSQL, Kafka and EventStoreDB; e2e specs (test/e2e/*.e2e-spec.ts) drive the started
// app over HTTP. test/support/global-setup.ts provisions the services once per run. It is set per
// project, not at the root: jest runs a project's globalSetup only when a test of that project
// runs, and runs one module once however many projects name it. So `npm run test:unit` starts
// nothing, and `npm test` starts the services once for integration and e2e together.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
  rootDir: __dirname,
};

const withServices = {
  ...shared,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // a generous per-test deadline (test/support/slow-tests.ts) instead of jest's 5 s
  setupFilesAfterEnv: ['<rootDir>/test/support/slow-tests.ts', '<rootDir>/test/support/socket-origins.ts'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test,bench}/**/*.spec.ts'] },
    { ...withServices, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'], slowTestThreshold: 30 },
    { ...withServices, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], slowTestThreshold: 60 },
  ],
};
