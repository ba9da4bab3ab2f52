// ESLint flat config (ESM file in a CommonJS package: eslint 10 loads .mjs natively).
// It holds the shape STYLE.md asks for:
//   1. every lib is used from outside only through its index.ts (`@tessera/<lib>`); tests may also
//      use `@tessera/<lib>/testing` (libs/<lib>/src/testing/index.ts);
//   2. inside a lib, imports are relative — never its own barrel (a CommonJS cycle);
//   3. pure domain files (PURE below) import nothing from Nest, TypeORM, pg, kafkajs or
//      EventStoreDB;
//   4. typescript-eslint's recommended rules, `no-explicit-any` as an error.
// Note: `no-restricted-imports` options do not merge between config objects — the last object
// matching a file wins — so each object below carries the full list for its files.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readdirSync } from 'node:fs';

const LIBS = readdirSync(new URL('./libs', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// Pure domain files: rules, folds, derivations, the segment rule language, masking, demo-data
// generation. Time and lookups are passed in. Specs under a pure glob are pure too; specs of
// adapters (e.g. EventStoreDB error mapping driven by the client's own error classes) are not.
// New pure files: add them here, or name them by suffix (*.evolve.ts, *.decide.ts, *.rules.ts).
const PURE = [
  'libs/**/*.evolve.ts',
  'libs/**/*.decide.ts',
  'libs/**/*.rules.ts',
  // catalog: event types, envelope, field rules, personal-data masking (class-validator only)
  'libs/catalog/src/**/*.ts',
  // customers: the customer-360 derivations and their fold
  'libs/customers/src/customer-360/birthday.ts',
  'libs/customers/src/customer-360/customer-profile.ts',
  'libs/customers/src/customer-360/customer-state.ts',
  'libs/customers/src/customer-360/interests.ts',
  'libs/customers/src/customer-360/lifecycle.ts',
  'libs/customers/src/customer-360/mask-profile.ts',
  'libs/customers/src/customer-360/orders.ts',
  'libs/customers/src/customer-360/read-model-rows.ts',
  'libs/customers/src/customer-360/satisfaction.ts',
  'libs/customers/src/customer-360/time.ts',
  'libs/customers/src/customer-360/value-tier.ts',
  // demo-data: the deterministic history generator (seed.ts posts over node:http, no framework)
  'libs/demo-data/src/**/*.ts',
  // event-store: the port and pure helpers (adapters live in postgres/ and eventstoredb/)
  'libs/event-store/src/event-store.port.ts',
  'libs/event-store/src/flatten-appends.ts',
  'libs/event-store/src/postgres/postgres-positions.ts',
  'libs/event-store/src/eventstoredb/eventstoredb-write.ts',
  // ingestion: validation, content hashing, append preparation, message decoding
  'libs/ingestion/src/record-events/compile-validator.ts',
  'libs/ingestion/src/record-events/content-hash.ts',
  'libs/ingestion/src/record-events/prepare-appends.ts',
  'libs/ingestion/src/record-events/validate-event.ts',
  'libs/ingestion/src/record-events/event-writer.ts',
  'libs/ingestion/src/kafka/ingest-messages.ts',
  'libs/ingestion/src/kafka/message-consumer.ts',
  // platform: errors, configuration values and rules, dates, durations, problem details, names
  'libs/platform/src/errors.ts',
  'libs/platform/src/day-of.ts',
  'libs/platform/src/pause.ts',
  'libs/platform/src/config/derivation-rules.ts',
  'libs/platform/src/config/duration.ts',
  'libs/platform/src/config/tessera-config.ts',
  'libs/platform/src/auth/scopes.ts',
  'libs/platform/src/auth/new-api-key.ts',
  'libs/platform/src/calendar.ts',
  'libs/platform/src/validation/storable-json.ts',
  'libs/platform/src/http/problem-details.ts',
  'libs/platform/src/kafka/topics.ts',
  'libs/platform/src/database/pg-errors.ts',
  'libs/platform/src/health/health-checks.ts',
  // projections: the poison-event error, bookkeeping names, lag arithmetic
  'libs/projections/src/poison-event-error.ts',
  'libs/projections/src/projection-bookkeeping.ts',
  'libs/projections/src/projection-lag.ts',
  // segments: the rule language — parse/validate, evaluate in memory, compile to SQL text
  'libs/segments/src/rules/*.ts',
  'libs/segments/src/segment-definition.ts',
];

const TESTS = [
  '**/*.spec.ts',
  '**/*.int-spec.ts',
  '**/*.e2e-spec.ts',
  'test/**/*.ts',
  'libs/*/src/**/testing/**/*.ts',
];

const DEEP_IMPORT = {
  regex: '^@tessera/[^/]+/.+',
  message: 'Import a lib through its index.ts: `@tessera/<lib>`.',
};
const DEEP_IMPORT_IN_TESTS = {
  regex: '^@tessera/[^/]+/(?!testing$).+',
  message: 'Import a lib through its index.ts: `@tessera/<lib>` (tests may also use `@tessera/<lib>/testing`).',
};
const RELATIVE_INTO_LIB = {
  // ../../libs/x/src/… from apps/test/bench/scripts, or ../../../x/src/… from another lib
  regex: '^\\.\\.?/(?:.*/)?(?:libs/[^/]+|\\.\\./[^./][^/]*)/src(?:/|$)',
  message: 'Do not reach into a lib with a relative path; import `@tessera/<lib>`.',
};
const INFRA = [
  { regex: '^@nestjs/', message: 'Pure domain file: no Nest here; keep it in an adapter.' },
  { regex: '^(typeorm|pg|kafkajs|@eventstore/db-client)(/|$)', message: 'Pure domain file: no TypeORM, pg, kafkajs or EventStoreDB here; keep I/O in an adapter.' },
];
const ownBarrel = (lib) => ({
  regex: `^@tessera/${lib}$`,
  message: `Inside ${lib}, import relatively; its own barrel would make a CommonJS cycle.`,
});
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      'infra/kafka/.work/**',
      '.tessera/**',
      '.bench/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'commonjs',
      globals: {
        require: 'readonly', module: 'writable', exports: 'writable', process: 'readonly',
        console: 'readonly', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly',
      },
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `_name` marks a deliberately unused binding; `{ dropped, ...rest }` omits a field
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  // plain CommonJS JavaScript (jest.config.js, examples/): require() is how it imports
  { files: ['**/*.js', '**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  // 1. outside a lib: barrels only
  { files: ['**/*.ts'], rules: restrict([DEEP_IMPORT, RELATIVE_INTO_LIB]) },
  { files: TESTS, rules: restrict([DEEP_IMPORT_IN_TESTS, RELATIVE_INTO_LIB]) },
  // 2. inside a lib: not its own barrel; 3. pure files: no infrastructure
  ...LIBS.flatMap((lib) => {
    const own = (glob) => glob.replace(/^libs\/\*\*\//, `libs/${lib}/**/`);
    const pure = PURE.filter((glob) => glob.startsWith(`libs/${lib}/`) || glob.startsWith('libs/**/')).map(own);
    const tests = [`libs/${lib}/**/*.spec.ts`, `libs/${lib}/**/*.int-spec.ts`, `libs/${lib}/src/**/testing/**/*.ts`];
    return [
      { files: [`libs/${lib}/**/*.ts`], rules: restrict([DEEP_IMPORT, RELATIVE_INTO_LIB, ownBarrel(lib)]) },
      { files: tests, rules: restrict([DEEP_IMPORT_IN_TESTS, RELATIVE_INTO_LIB, ownBarrel(lib)]) },
      { files: pure, rules: restrict([DEEP_IMPORT, RELATIVE_INTO_LIB, ownBarrel(lib), ...INFRA]) },
      {
        // pure and a test (specs, catalog/testing): both sets
        files: pure.flatMap((p) => tests.map((t) => [p, t])),
        rules: restrict([DEEP_IMPORT_IN_TESTS, RELATIVE_INTO_LIB, ownBarrel(lib), ...INFRA]),
      },
    ];
  }),
);
