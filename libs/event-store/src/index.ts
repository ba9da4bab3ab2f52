export * from './event-store.port';
export * from './postgres/postgres-event-store';
export * from './eventstoredb/eventstoredb-event-store';
export * from './ledger/event-id-ledger';
export * from './postgres/migrations/1764000000000-event-store';
export * from './postgres/migrations/1764000000700-event-id-owners';
export * from './postgres/migrations/1764000000710-event-writers';
