// The public API of @tessera/outbox (import it from outside; inside outbox, import relatively).
export * from './outbox.module';
export * from './outbox-messages';
export * from './outbox-relay';
export * from './migrations/1764000000500-outbox';
