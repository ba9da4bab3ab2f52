// The public API of @tessera/platform. Other libs, apps, tests, bench and scripts import from here
// only; files inside platform import each other relatively (importing this file from inside would
// make a CommonJS cycle).
export * from './errors';
export * from './day-of';
export * from './pause';
export * from './config/derivation-rules';
export * from './config/duration';
export * from './config/tessera-config';
export * from './auth/scopes';
export * from './auth/api-keys.service';
export * from './auth/api-keys.controller';
export * from './auth/migrations/1764000000100-api-keys';
export * from './database/checkout';
export * from './database/data-source';
export * from './database/database.tokens';
export * from './database/embedded-postgres';
export * from './database/pg-errors';
export * from './health/health-checks';
export * from './health/health.controller';
export * from './health/metrics';
export * from './http/problem-details';
export * from './http/problem-details.filter';
export * from './kafka/kafka-client';
export * from './kafka/message-producer';
export * from './kafka/topics';
export * from './auth/authenticate-on-request';
export * from './auth/route-access';
export * from './calendar';
export * from './health/http-metrics';
export * from './http/harden-fastify';
export * from './http/security-headers';
export * from './validation/storable-json';
