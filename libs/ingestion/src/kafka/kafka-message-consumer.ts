import { Logger } from '@nestjs/common';
import { settlesWithin } from '@tessera/platform';
import { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { BatchHandler, ConsumerStatus, InboundMessage, MessageConsumer } from './message-consumer';

/** Pauses after a failed batch: `initialMs`, doubling per failure in a row, at most `maxMs`. */
export type RetryPolicy = { initialMs: number; maxMs: number };

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 500, maxMs: 30_000 };

/** How long an idle fetch waits for messages (kafkajs' default, 5 s, would slow every stop down as much). */
const FETCH_MAX_WAIT_MS = 1_000;

/** How often a pausing batch heartbeats, so the group does not evict this member. */
const HEARTBEAT_SLICE_MS = 500;

/**
 * How long stop() waits for a start in flight (connecting with the client's retries, or joining
 * behind a rebalance can take a minute) before it returns; the start's consumer is disconnected
 * when that start ends, so nothing of it stays, and a shutdown is not held past its own deadline.
 */
const STOP_WAITS_FOR_START_MS = 5_000;

export function retryDelayMs(failuresInARow: number, policy: RetryPolicy): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, failuresInARow - 1));
}

/**
 * kafkajs behind MessageConsumer: `eachBatch` with auto-commit and auto-resolve off. After the
 * handler resolved, the batch's last offset is resolved and committed; when it throws, nothing
 * is resolved, the batch pauses (heartbeating) and returns, and kafkajs fetches the same
 * messages again from the last resolved offset.
 *
 * A crashed consumer is replaced here, after a pause, by a fresh kafkajs consumer (a fresh
 * cluster and group membership); kafkajs' own restart is off. Its restart re-joins the group in
 * the background, and a `disconnect()` landing while it joins returns before the join has
 * finished: the join then goes on over sockets the finished disconnect no longer knows, and the
 * restarted consumer keeps fetching for ever. Here every start is a promise `stop()` waits for:
 * a start that sees `stop()` began returns after its current step, and only then is its
 * consumer disconnected, with nothing of it left running.
 */
export class KafkaMessageConsumer implements MessageConsumer {
  private readonly logger: Logger;
  private consumer: Consumer | undefined;
  private current: ConsumerStatus = { state: 'stopped' };
  /** Failed batches in a row: the pause before reading a batch again. */
  private failuresInARow = 0;
  /** Crashes and failed starts in a row, reset when a consumer joins: the pause before a fresh one. */
  private crashesInARow = 0;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** The start in flight (the first, or a restart after a crash); settles, never rejects. */
  private starting: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.logger = new Logger(`kafka-consumer:${groupId}`);
  }

  status(): ConsumerStatus {
    return this.current;
  }

  start(topic: string, handler: BatchHandler): Promise<void> {
    const started = this.startOnce(topic, handler);
    this.starting = started.catch(() => undefined);
    return started;
  }

  /** Waits for a start in flight (a while), then disconnects its consumer: idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      clearTimeout(this.restartTimer);
      if (!(await settlesWithin(this.starting, STOP_WAITS_FOR_START_MS))) {
        const late = this.consumer;
        this.consumer = undefined;
        this.logger.warn({ msg: 'stopping while a start is still connecting or joining; its consumer is disconnected when that start ends', waitedMs: STOP_WAITS_FOR_START_MS });
        void this.starting.then(() => late?.disconnect()).catch(() => undefined);
        this.current = { state: 'stopped' };
        return;
      }
      const consumer = this.consumer;
      this.consumer = undefined;
      try {
        await consumer?.disconnect();
      } catch (error) {
        // kept for a second stop() to try again
        this.consumer = consumer;
        this.stopped = undefined;
        throw error;
      }
      this.current = { state: 'stopped' };
    })();
    return this.stopped;
  }

  private async startOnce(topic: string, handler: BatchHandler): Promise<void> {
    if (this.stopping) return;
    this.current = { state: 'starting', detail: `joining group ${this.groupId}` };
    // A fetch waits at most FETCH_MAX_WAIT_MS for data, and stop() waits for the fetch in flight.
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      retry: { retries: 5, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.crashesInARow = 0;
      if (this.stopping) return; // a late join, disconnected when its start ends
      const partitions = payload.memberAssignment[topic] ?? [];
      this.current = { state: 'running', detail: `group ${this.groupId}, ${partitions.length} partition(s) of ${topic}` };
    });
    consumer.on(consumer.events.REBALANCING, () => {
      if (!this.stopping) this.current = { state: 'rebalancing', detail: `group ${this.groupId} is rebalancing` };
    });
    // kafkajs has disconnected a crashed consumer before this event
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(consumer, payload.error, topic, handler));
    try {
      await consumer.connect();
      if (this.stopping) return;
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      if (this.stopping) return;
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.eachBatch(payload, handler) });
    } catch (error) {
      if (!this.stopping) this.current = { state: 'crashed', detail: describe(error) };
      if (this.consumer === consumer) this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private async eachBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { topic, partition } = payload.batch;
    const messages = payload.batch.messages.map((m) => inbound(topic, partition, m));
    if (messages.length === 0) return;
    try {
      await handler(messages);
    } catch (error) {
      this.failuresInARow += 1;
      const delayMs = retryDelayMs(this.failuresInARow, this.retry);
      this.current = { state: 'retrying', detail: `offsets not committed, retrying in ${delayMs} ms: ${describe(error)}` };
      this.logger.warn({
        msg: 'batch not handled; offsets not committed, reading it again after a pause',
        topic,
        partition,
        firstOffset: messages[0].offset,
        lastOffset: messages[messages.length - 1].offset,
        failuresInARow: this.failuresInARow,
        retryInMs: delayMs,
        error: describe(error),
      });
      await this.pause(delayMs, payload);
      return;
    }
    const last = messages[messages.length - 1].offset;
    payload.resolveOffset(last);
    await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }] });
    if (this.failuresInARow > 0 || this.current.state !== 'running') {
      this.logger.log({ msg: 'handling batches again', topic, partition, afterFailures: this.failuresInARow });
      this.failuresInARow = 0;
      this.current = { state: 'running', detail: `group ${this.groupId}` };
    }
  }

  /** Waits, heartbeating; ends early when the consumer stops or the partition is revoked. */
  private async pause(ms: number, payload: EachBatchPayload): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && payload.isRunning() && !payload.isStale()) {
      const left = until - Date.now();
      if (left <= 0) return;
      await new Promise((done) => setTimeout(done, Math.min(left, HEARTBEAT_SLICE_MS)));
      // stop() may have disconnected the consumer meanwhile: a heartbeat now would open a new
      // connection that nothing closes
      if (this.stopping || !payload.isRunning()) return;
      await payload.heartbeat();
    }
  }

  private onCrash(consumer: Consumer, error: Error, topic: string, handler: BatchHandler): void {
    if (this.stopping || this.consumer !== consumer) return;
    this.current = { state: 'crashed', detail: describe(error) };
    this.restartAfterPause('consumer crashed; starting a fresh one after a pause', error, topic, handler);
  }

  private restartAfterPause(msg: string, error: unknown, topic: string, handler: BatchHandler): void {
    const retryInMs = retryDelayMs(++this.crashesInARow, this.retry);
    this.logger.error({ msg, retryInMs, error: describe(error) });
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.start(topic, handler).catch((failure: unknown) => {
        if (!this.stopping) this.restartAfterPause('consumer did not start; trying again after a pause', failure, topic, handler);
      });
    }, retryInMs);
  }
}

function inbound(topic: string, partition: number, message: KafkaMessage): InboundMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value === null ? null : message.value.toString('utf8'),
    headers: decodeHeaders(message.headers),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) decoded[name] = last.toString();
  }
  return decoded;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
