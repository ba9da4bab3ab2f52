import { Kafka, logLevel } from 'kafkajs';
import { HealthCheck } from '@tessera/platform';

/**
 * Kafka is optional until KAFKA_BROKERS is set (messages wait in the outbox); when it is set and
 * down, the report is `degraded`, not `down` (DESIGN §11).
 */
export function kafkaHealthCheck(brokers: string[]): HealthCheck {
  if (brokers.length === 0) {
    return { name: 'kafka', critical: false, check: async () => ({ status: 'disabled', detail: 'KAFKA_BROKERS is not set; messages wait in the outbox' }) };
  }
  const admin = new Kafka({ clientId: 'tessera-health', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1_500, retry: { retries: 0 } }).admin();
  return {
    name: 'kafka',
    critical: false,
    check: async () => {
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return { status: 'up', detail: `${cluster.brokers.length} broker(s)` };
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
