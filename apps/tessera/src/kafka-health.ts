import { Kafka, logLevel } from 'kafkajs';
import { HealthCheck } from '@tessera/platform';

/**
 * Kafka is optional until KAFKA_BROKERS is set (messages wait in the outbox); when it is set and
 * down, the report is `degraded`, not `down` (DESIGN §11).
 *
 * One probe at a time: concurrent `/health` calls share the probe under way, and each probe uses
 * its own admin client that it always disconnects, even when the report stopped waiting for it
 * (its 2 s timeout) — a shared client connected by one probe while another disconnected it left a
 * socket open after shutdown.
 */
export function kafkaHealthCheck(brokers: string[]): HealthCheck {
  if (brokers.length === 0) {
    return { name: 'kafka', critical: false, check: async () => ({ status: 'disabled', detail: 'KAFKA_BROKERS is not set; messages wait in the outbox' }) };
  }
  const kafka = new Kafka({ clientId: 'tessera-health', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1_500, retry: { retries: 0 } });
  let running: Promise<{ status: 'up'; detail: string }> | undefined;
  const probe = async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return { status: 'up' as const, detail: `${cluster.brokers.length} broker(s)` };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  return {
    name: 'kafka',
    critical: false,
    check: () => (running ??= probe().finally(() => (running = undefined))),
  };
}
