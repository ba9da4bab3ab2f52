import { registry } from '@tessera/platform';
import { Counter } from 'prom-client';

export type IngestResult = 'appended' | 'duplicate' | 'dlq';

export const kafkaIngestMessages = new Counter({
  name: 'tessera_kafka_ingest_messages_total',
  help: 'Messages consumed from the ingest topic, by result (appended, duplicate, dlq)',
  labelNames: ['result'] as const,
  registers: [registry],
});

// Every result is exported from the start, at 0, so rates work before the first message.
for (const result of ['appended', 'duplicate', 'dlq'] satisfies IngestResult[]) kafkaIngestMessages.inc({ result }, 0);
