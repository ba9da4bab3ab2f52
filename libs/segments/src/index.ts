// The public API of @tessera/segments (import it from outside; inside segments, import relatively).
export * from './segments.module';
export * from './segments-api.module';
export * from './segments.service';
export * from './membership/memberships';
export * from './evaluation/evaluate-segment-chunk';
export * from './migrations/1764000000300-segment-functions';
export * from './migrations/1764000000400-segments';
