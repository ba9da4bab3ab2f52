import { Logger } from '@nestjs/common';
import { Kafka, logLevel, LogEntry } from 'kafkajs';

const LEVELS: Record<number, 'error' | 'warn' | 'log' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'log',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warns at every producer's creation when an idempotent producer's retries are bounded,
 * since giving up on a batch can break its exactly-once sequencing. Ours are bounded on purpose
 * (8 attempts, from the client's `retry`) and that is safe here: Tessera promises at-least-once
 * delivery with stable messageIds (DESIGN §7), the relay re-sends a whole failed batch from the
 * outbox before anything after it, and one request in flight (maxInFlightRequests 1) keeps each
 * key's first deliveries in order. Unbounded retries would instead hang a send while the broker
 * is down, so the relay could neither report Kafka as down nor stop on shutdown. The warning is
 * therefore dropped; every other kafkajs line is logged.
 */
export const BOUNDED_RETRIES_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/**
 * A kafkajs client whose log lines go through Nest's structured logger. Only kafka-*.ts files
 * talk to kafkajs; the rest of Tessera sees our producer and consumer interfaces.
 */
export function kafkaClient(brokers: string[], clientId: string, level: logLevel = logLevel.WARN): Kafka {
  const logger = new Logger(`kafka:${clientId}`);
  return new Kafka({
    clientId,
    brokers,
    logLevel: level,
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    logCreator:
      () =>
      ({ namespace, level: entryLevel, log }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
        if (namespace === 'Producer' && message === BOUNDED_RETRIES_WARNING) return;
        logger[LEVELS[entryLevel] ?? 'log']({ msg: message, namespace, ...fields });
      },
  });
}

/** Creates the topics that are missing (DESIGN §11: at start, partitions configurable). */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
