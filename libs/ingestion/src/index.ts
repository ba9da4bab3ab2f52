export * from './ingestion.module';
export * from './record-events/prepare-appends';
export * from './record-events/validate-event';
export * from './record-events/content-hash';
export * from './kafka/kafka-ingest.consumer';
export * from './kafka/ingest-messages';
export * from './kafka/dead-letter';
export * from './record-events/migrations/1764000000610-event-writers';
