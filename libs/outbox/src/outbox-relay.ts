import {
  Pause,
  TESSERA_CONFIG,
  TesseraConfig,
  checkout,
  PG_POOL,
  HEALTH_CHECKS,
  HealthCheck,
  registry,
  ensureTopics,
  kafkaClient,
  KafkaMessageProducer,
  MessageProducer,
  OutboundMessage,
  HEADER,
  topicsFor,
} from '@tessera/platform';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { Counter, Gauge, Histogram } from 'prom-client';
import { SCHEMA_VERSION } from './outbox-messages';
import { outboxStats } from './outbox-stats';

const published = new Counter({ name: 'tessera_outbox_published_total', help: 'Outbox messages acknowledged by Kafka, by topic', labelNames: ['topic'] as const, registers: [registry] });
const sendFailures = new Counter({ name: 'tessera_outbox_send_failures_total', help: 'Relay batches Kafka did not acknowledge (they are re-sent)', registers: [registry] });
const batchSeconds = new Histogram({
  name: 'tessera_outbox_relay_batch_seconds',
  help: 'Time from sending one relay batch to its deletion from the outbox',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});
const leaseHeld = new Gauge({ name: 'tessera_outbox_relay_lease', help: '1 while this process holds the relay lease', registers: [registry] });

export type RelayOptions = { batchSize: number; idleMs: number; leaseRetryMs: number; maxBackoffMs: number };
export const DEFAULT_RELAY_OPTIONS: RelayOptions = { batchSize: 5_000, idleMs: 50, leaseRetryMs: 2_000, maxBackoffMs: 5_000 };

const LEASE_SQL = `hashtext('tessera.outbox-relay')`;

type Row = { seq: string; message_id: string; topic: string; key: string; type: string; payload: string };

/**
 * Publishes the outbox to Kafka (role `relay`, DESIGN §1, §7): in `seq` order, a batch at a time,
 * and deletes a batch only after Kafka acknowledged all of it (acks=all). A crash between the two
 * re-sends the batch with the same message ids (at-least-once). One instance publishes: the
 * others wait for the advisory-lock lease.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly waits = new Pause();
  state: 'starting' | 'waiting for lease' | 'publishing' | 'failing' | 'stopped' = 'starting';
  lastError: string | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly producer: MessageProducer,
    private readonly options: RelayOptions = DEFAULT_RELAY_OPTIONS,
    private readonly prepare: () => Promise<void> = async () => undefined,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waits.wake();
    await this.loop;
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const lease = await checkout(this.pool).catch((error: unknown) => this.failed(error).then(() => undefined));
      if (!lease) continue;
      let unlocked = true;
      try {
        const { rows } = await lease.client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${LEASE_SQL}) as ok`);
        if (!rows[0].ok) {
          this.state = 'waiting for lease';
          await this.sleep(this.options.leaseRetryMs);
          continue;
        }
        leaseHeld.set(1);
        try {
          await this.publishUnderLease(lease.client);
        } finally {
          leaseHeld.set(0);
          unlocked = await lease.client.query(`select pg_advisory_unlock(${LEASE_SQL})`).then(() => true, () => false);
        }
      } catch (error) {
        await this.failed(error);
      } finally {
        await lease.release(!unlocked);
      }
    }
  }

  /** Publishes while the lease session answers; a lost session ends it (another may lead now). */
  private async publishUnderLease(session: PoolClient): Promise<void> {
    let prepared = false;
    let backoff = 200;
    try {
      while (!this.stopped) {
        const alive = await session.query('select 1').then(() => true, () => false);
        if (!alive) throw new Error('the relay lease session was lost; publishing stops until the lease is taken again');
        try {
          if (!prepared) {
            await this.prepare();
            await this.producer.connect();
            prepared = true;
          }
          this.state = 'publishing';
          await this.pump();
          this.lastError = null;
          backoff = 200;
          await this.sleep(this.options.idleMs);
        } catch (error) {
          await this.failed(error, backoff);
          backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
        }
      }
    } finally {
      // Also when the lease session is lost (as when the pool closes at shutdown): a producer left
      // connected would keep its broker socket, and the process, alive.
      await this.producer.disconnect().catch(() => undefined);
    }
  }

  /**
   * Publishes until the outbox is empty, pipelined: while Kafka acknowledges one batch, the next
   * is read and the previous one deleted. A batch is deleted only after its acknowledgement. The
   * next read starts after the last seq read; a short read ends the pump, and every pump starts
   * again from the lowest waiting seq, so a row that committed late below the cursor waits at most
   * one pump.
   */
  private async pump(): Promise<void> {
    let next: Promise<Row[]> | null = quiet(this.read(null));
    let deleting: Promise<unknown> = Promise.resolve();
    try {
      while (!this.stopped && next) {
        const rows: Row[] = await next;
        if (rows.length === 0) return;
        next = rows.length === this.options.batchSize ? quiet(this.read(rows[rows.length - 1].seq)) : null;
        const timer = batchSeconds.startTimer();
        try {
          await this.producer.send(rows.map(toMessage));
        } catch (error) {
          sendFailures.inc();
          throw error;
        }
        await deleting;
        deleting = quiet(
          this.pool.query(`delete from outbox.messages where seq = any($1::bigint[])`, [rows.map((r) => r.seq)]).then(() => {
            timer();
            const perTopic = new Map<string, number>();
            for (const r of rows) perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
            for (const [topic, n] of perTopic) published.inc({ topic }, n);
          }),
        );
      }
    } finally {
      // Settle both before the caller retries or stops: nothing runs on behind its back.
      await Promise.allSettled([next, deleting]);
      await deleting;
    }
  }

  private async read(after: string | null): Promise<Row[]> {
    const columns = 'seq, message_id, topic, key, type, payload';
    const { rows } =
      after === null
        ? await this.pool.query<Row>(`select ${columns} from outbox.messages order by seq limit $1`, [this.options.batchSize])
        : await this.pool.query<Row>(`select ${columns} from outbox.messages where seq > $1 order by seq limit $2`, [after, this.options.batchSize]);
    return rows;
  }

  private async failed(error: unknown, backoffMs = this.options.leaseRetryMs): Promise<void> {
    this.state = 'failing';
    this.lastError = error instanceof Error ? error.message : String(error);
    this.logger.warn({ msg: 'relay could not publish; the outbox keeps the messages', error: this.lastError, retryInMs: backoffMs });
    await this.sleep(backoffMs);
  }

  private sleep(ms: number): Promise<void> {
    return this.stopped ? Promise.resolve() : this.waits.pause(ms);
  }
}

/**
 * Marks a promise that is awaited later as handled now: a database error while Kafka acknowledges
 * must surface at that await, not as an unhandled rejection that ends the process.
 */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function toMessage(r: Row): OutboundMessage {
  return { topic: r.topic, key: r.key, value: r.payload, headers: { [HEADER.messageId]: r.message_id, [HEADER.messageType]: r.type, [HEADER.schemaVersion]: SCHEMA_VERSION } };
}

/** Wires the relay into the app: started with role `relay` when KAFKA_BROKERS is set. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  relay: OutboxRelay | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    @Inject(HEALTH_CHECKS) private readonly healthChecks: HealthCheck[],
  ) {}

  onApplicationBootstrap(): void {
    const { kafkaBrokers, roles, topicPrefix, topicPartitions, outboxWarnDepth } = this.config;
    const relaying = roles.has('relay') && kafkaBrokers.length > 0;
    if (relaying) {
      const kafka = kafkaClient(kafkaBrokers, 'tessera-relay');
      const topics = topicsFor(topicPrefix);
      this.relay = new OutboxRelay(this.pool, new KafkaMessageProducer(kafka), DEFAULT_RELAY_OPTIONS, async () => {
        await ensureTopics(kafka, [topics.segmentMembership, topics.lifecycleStage], topicPartitions);
      });
      this.relay.start();
    }
    this.healthChecks.push({
      name: 'outbox',
      critical: false,
      check: async () => {
        const stats = await outboxStats(this.pool);
        const relay = this.relay ? `relay ${this.relay.state}${this.relay.lastError ? `: ${this.relay.lastError}` : ''}` : kafkaBrokers.length === 0 ? 'KAFKA_BROKERS is not set: messages wait' : 'no relay role in this process';
        const detail = `${stats.depth} waiting, oldest ${stats.oldest ? `${stats.oldest.ageSeconds}s` : '-'} old; ${relay}`;
        return { status: stats.depth > outboxWarnDepth ? 'down' : 'up', detail: stats.depth > outboxWarnDepth ? `above ${outboxWarnDepth}: ${detail}` : detail };
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}

/** Outbox depth and relay lag, read from the table when /metrics is scraped. */
export function registerOutboxGauges(pool: Pool): void {
  if (registry.getSingleMetric('tessera_outbox_depth')) return;
  let pending: Promise<Awaited<ReturnType<typeof outboxStats>> | null> | undefined;
  const read = () => (pending ??= outboxStats(pool).catch(() => null).finally(() => setTimeout(() => (pending = undefined), 0)));
  new Gauge({
    name: 'tessera_outbox_depth',
    help: 'Messages waiting in the outbox',
    registers: [registry],
    async collect() {
      const stats = await read();
      if (stats) this.set(stats.depth);
    },
  });
  new Gauge({
    name: 'tessera_outbox_relay_lag_seconds',
    help: 'Age of the oldest message waiting in the outbox (0 when empty)',
    registers: [registry],
    async collect() {
      const stats = await read();
      if (stats) this.set(stats.oldest?.ageSeconds ?? 0);
    },
  });
}
