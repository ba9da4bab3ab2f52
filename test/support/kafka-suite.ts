import { randomUUID } from 'node:crypto';
import { createHook } from 'node:async_hooks';
import { Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { CORRECTNESS_DEADLINE_MS } from './eventually';

/**
 * Kafka suites run against the broker the global setup provisioned (TESSERA_TEST_KAFKA_*). Without
 * one they are skipped with a loud line, except under CI=true, where a missing broker fails.
 */
export const kafkaBrokers: string[] = process.env.TESSERA_TEST_KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean) ?? [];
/** `infra` when the broker is ours to stop and start (infra/kafka/kafka.sh). */
export const kafkaSource = process.env.TESSERA_TEST_KAFKA_SOURCE ?? 'unknown';

export function describeWithKafka(name: string, suite: () => void): void {
  if (kafkaBrokers.length > 0) return describe(name, suite);
  const reason = process.env.TESSERA_TEST_KAFKA_SKIP_REASON ?? 'TESSERA_TEST_KAFKA_BROKERS is not set';
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs a Kafka broker in CI', () => {
        throw new Error(`Kafka is required in CI but no broker was provisioned: ${reason}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED: ${name} — ${reason}`);
  describe.skip(name, suite);
}

/** A topic prefix of its own, so suites never read each other's messages. */
export const uniquePrefix = (label: string): string => `t-${label}-${randomUUID().slice(0, 8)}.`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded JSON of any topic; specs assert its shape with expect()
export type ReadMessage = { topic: string; partition: number; offset: string; key: string; value: any; headers: Record<string, string> };

/**
 * Reads `topics` from the beginning with a fresh consumer group until `done(messages)` holds or
 * the deadline passes (then it throws with what it saw). Messages arrive per partition in order;
 * `done` is asked once per fetched batch.
 */
export async function readTopics(topics: string[], done: (messages: ReadMessage[]) => boolean, timeoutMs = CORRECTNESS_DEADLINE_MS): Promise<ReadMessage[]> {
  const kafka = new Kafka({ clientId: 'tessera-test-reader', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      // One check per fetched batch: `done` may look at every message so far.
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          messages.push({ topic: batch.topic, partition: batch.partition, offset: message.offset, key: String(message.key), value: JSON.parse(String(message.value)), headers });
        }
        if (done(messages)) finish();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out reading ${topics.join(', ')}; saw ${messages.length}: ${JSON.stringify(messages.map((m) => m.value)).slice(0, 2000)}`)), timeoutMs);
    });
    await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

/** Sum of the end offsets of a topic's partitions: how many messages it ever received. */
export async function topicSize(topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'tessera-test-admin', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * This process's open sockets to the brokers, counting ones still connecting (their remote port
 * is not known yet): after a client's stop, anything here is a leak that would keep jest alive.
 */
export function brokerSockets(): number {
  const ports = new Set(kafkaBrokers.map((b) => Number(b.split(':').pop())));
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h) => h instanceof Socket && !h.destroyed && (h.connecting || ports.has(h.remotePort ?? -1))).length;
}

/**
 * Watches the timers Kafka clients create from now on — kafkajs' own (retries, restarts, fetch
 * waits) and those of our consumer — and `pending()` answers the creation stacks of those still
 * pending, which would keep jest alive after a client's stop. Other timers of the process (a
 * previous file's pool going idle) are not counted.
 */
export function watchTimers(): { pending(): Promise<string[]>; close(): void } {
  const live = new Map<number, string>();
  const hook = createHook({
    init: (id, type) => {
      if (type !== 'Timeout') return;
      const stack = (new Error().stack ?? '').split('\n').slice(2, 12).join('\n');
      if (/kafkajs|kafka-message-consumer/.test(stack)) live.set(id, stack);
    },
    destroy: (id) => void live.delete(id),
  }).enable();
  return {
    pending: async () => {
      // destroy hooks are emitted after the loop turn that cleared or fired the timer
      for (let turn = 0; turn < 3; turn += 1) await new Promise((done) => setImmediate(done));
      return [...live.values()];
    },
    close: () => void hook.disable(),
  };
}
