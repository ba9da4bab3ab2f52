import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { PostgresEventStore } from '@tessera/event-store';
import { prepareAppends } from '@tessera/ingestion';
import {
  closeDatabase,
  openDatabase,
  poolOf,
  freePort,
  ensureTopics,
  kafkaClient,
  KafkaMessageProducer,
  OutboundMessage,
  HEADER,
  topicsFor,
} from '@tessera/platform';
import { DEFAULT_RELAY_OPTIONS, SCHEMA_VERSION } from '@tessera/outbox';
import { logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { MIGRATIONS } from '../apps/tessera/src/migrations';
import { provisionKafka } from '../scripts/support/kafka-broker';
import { freshDatabase } from './support/fresh-database';
import { httpClient } from './support/http-client';
import { startTessera, TesseraProcess } from './support/tessera-process';

/**
 * npm run bench:fanout — segment fan-out end to end (issue 4), against a real broker (KAFKA_BROKERS,
 * else the one infra/kafka runs) and its own PostgreSQL:
 *  1. latency: 1,000 events/s over HTTP, each moving a customer into segments; time from `202` to
 *     the first segment message it caused being read by a Kafka consumer;
 *  2. backfill: a new segment over BENCH_CUSTOMERS (1M) customers seeded through the bulk path and
 *     projected; time from POST to the backfill done (evaluation, memberships, history, outbox);
 *  3. relay: the relay drains that backlog (one outbox row per member) into Kafka, next to a
 *     baseline of kafkajs producing the same messages from memory with the same producer settings.
 * Last line: one JSON object.
 */
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const RATE = 1_000;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
const WARMUP_SECONDS = 5;
const LATENCY_CAP_MS = 10_000;
const SEED_BATCH = 5_000;
const PARTITIONS = 12;
const ADMIN_KEY = `bench-admin-${randomUUID()}`;
const MAIN = resolve(__dirname, '../apps/tessera/src/main.js');
const client = httpClient(ADMIN_KEY, 64);

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const kafka = await provisionKafka(log);
  if (!kafka.brokers) throw new Error(`no Kafka broker: ${kafka.reason}`);
  const brokers = kafka.brokers;
  const database = await freshDatabase('fanout', log);
  const dataSource = await openDatabase(database.url, MIGRATIONS, 6);
  const pool = poolOf(dataSource);
  const prefix = `bench-${Date.now().toString(36)}.`;
  const topics = topicsFor(prefix);
  const admin = kafkaClient(brokers, 'tessera-bench', logLevel.ERROR);
  await ensureTopics(admin, [topics.segmentMembership, topics.lifecycleStage, `${prefix}baseline`], PARTITIONS);
  const env = { ...process.env, DATABASE_URL: database.url, TESSERA_ADMIN_KEY: ADMIN_KEY, TESSERA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
  try {
    const latency = await measureLatency(env, brokers, topics.segmentMembership);
    await seed(new PostgresEventStore(pool));
    const backfill = await measureBackfill(env, pool);
    const depth = await outboxDepth(pool);
    const baseline = await produceBaseline(pool, brokers, `${prefix}baseline`);
    const relay = await measureRelay(env, brokers, pool, depth);
    const result = {
      eventToKafkaP50Ms: latency.p50,
      eventToKafkaP99Ms: latency.p99,
      relayMessagesPerSec: Math.round(relay.messages / relay.seconds),
      baselineMessagesPerSec: Math.round(baseline.messages / baseline.seconds),
      relayRatio: Number((relay.messages / relay.seconds / (baseline.messages / baseline.seconds)).toFixed(2)),
      backfillSeconds: Number(backfill.seconds.toFixed(1)),
    };
    log(`latency: ${latency.measured} events at ${RATE}/s, ${latency.refused} refused, ${latency.missing} without a message within ${LATENCY_CAP_MS / 1000} s; p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms`);
    log(`backfill: ${backfill.processed} customers, ${backfill.entered} entered, in ${backfill.seconds.toFixed(1)} s`);
    log(`relay: ${relay.messages} messages in ${relay.seconds.toFixed(1)} s; baseline (kafkajs from memory, same settings): ${baseline.messages} in ${baseline.seconds.toFixed(1)} s`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    client.destroy();
    await closeDatabase(dataSource);
    await database.stop();
    if (kafka.brokers) await kafka.stop();
  }
}

type Env = NodeJS.ProcessEnv;

async function startApp(env: Env, roles: string, extra: Env = {}): Promise<{ app: TesseraProcess; base: string }> {
  const port = await freePort();
  const app = await startTessera(MAIN, { ...env, PORT: String(port), TESSERA_ROLES: roles, ...extra });
  return { app, base: `http://127.0.0.1:${port}` };
}

/**
 * One new customer per event: its first order moves it into stage, value and interest segments,
 * so every event causes messages. A consumer reads the topic; an event's latency is from its 202
 * to the first message whose cause is that event.
 */
async function measureLatency(env: Env, brokers: string[], topic: string) {
  const { app, base } = await startApp(env, 'ingest,query,projector,relay', { KAFKA_BROKERS: brokers.join(',') });
  const consumer = kafkaClient(brokers, 'tessera-bench-reader', logLevel.ERROR).consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 20 });
  const accepted = new Map<string, number>();
  const arrived = new Map<string, number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((done) => consumer.on(consumer.events.GROUP_JOIN, () => done()));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const message of batch.messages) {
          const eventId = (JSON.parse(String(message.value)) as { cause: { eventId?: string } }).cause.eventId;
          if (eventId && !arrived.has(eventId)) arrived.set(eventId, at);
        }
      },
    });
    await joined;
    let refused = 0;
    const drive = async (seconds: number, measure: boolean) => {
      const inFlight = new Set<Promise<void>>();
      const started = performance.now();
      let next = 0;
      let reported = performance.now();
      while (performance.now() - started < seconds * 1000) {
        const due = Math.floor(((performance.now() - started) / 1000) * RATE);
        for (; next < due; next += 1) {
          const eventId = randomUUID();
          const customerId = `lat-${measure ? 'm' : 'w'}-${next}`;
          const body = JSON.stringify({
            eventId,
            type: 'OrderPlaced',
            customerId,
            occurredAt: new Date().toISOString(),
            channel: 'app',
            data: { orderId: `o-${next}`, items: [{ sku: `sku-${next % 50}`, category: `cat-${next % 7}`, quantity: 1, unitPrice: 9_900 }], total: 9_900, currency: 'CNY' },
          });
          const work = (async () => {
            const answer = await client.call('POST', base, '/v1/events', body);
            const at = performance.now();
            if (answer.status !== 202) {
              if (measure) refused += 1;
              return;
            }
            if (measure) accepted.set(eventId, at);
          })().finally(() => inFlight.delete(work));
          inFlight.add(work);
        }
        await new Promise((done) => setTimeout(done, 5));
        if (measure && performance.now() - reported > 5_000) {
          reported = performance.now();
          log(`latency: ${accepted.size} accepted, ${[...accepted.keys()].filter((id) => arrived.has(id)).length} seen on Kafka`);
        }
      }
      await Promise.all(inFlight);
    };
    log(`latency: ${RATE} events/s, ${WARMUP_SECONDS} s warm-up then ${LATENCY_SECONDS} s measured (app in a separate process, all roles)`);
    await drive(WARMUP_SECONDS, false);
    await drive(LATENCY_SECONDS, true);
    const deadline = performance.now() + LATENCY_CAP_MS;
    while (performance.now() < deadline && [...accepted.keys()].some((id) => !arrived.has(id))) await new Promise((done) => setTimeout(done, 100));
    const latencies: number[] = [];
    let missing = 0;
    for (const [eventId, at] of accepted) {
      const seen = arrived.get(eventId);
      if (seen === undefined) missing += 1;
      // Never seen within the cap: counted at the cap, so the percentiles cannot hide it.
      latencies.push(seen === undefined ? LATENCY_CAP_MS : Math.max(0, seen - at));
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN);
    return { measured: latencies.length, refused, missing, p50: q(0.5), p99: q(0.99), max: Math.round(latencies.at(-1) ?? NaN) };
  } finally {
    await consumer.disconnect();
    await app.stop();
  }
}

/** BENCH_CUSTOMERS registrations through the event store's bulk path, several appends in flight. */
async function seed(store: PostgresEventStore): Promise<void> {
  const started = performance.now();
  const now = new Date();
  const registeredAt = new Date(now.getTime() - 200 * 86_400_000).toISOString();
  let stored = 0;
  const progress = setInterval(() => log(`seeding: ${stored}/${CUSTOMERS} customers, ${Math.round(stored / ((performance.now() - started) / 1000))} events/s`), 5_000);
  try {
    const inFlight = new Set<Promise<void>>();
    for (let from = 0; from < CUSTOMERS; from += SEED_BATCH) {
      const bodies = [];
      for (let i = from; i < Math.min(CUSTOMERS, from + SEED_BATCH); i += 1) {
        bodies.push({ eventId: randomUUID(), type: 'CustomerRegistered', customerId: `b-${String(i).padStart(7, '0')}`, occurredAt: registeredAt, channel: i % 2 ? 'app' : 'web', data: { name: `顾客${i}` } });
      }
      const prepared = prepareAppends(bodies, { now, currency: 'CNY' }, true);
      if (!prepared.ok) throw new Error(`seed events failed validation: ${JSON.stringify(prepared.errors.slice(0, 3))}`);
      const work = store.append(prepared.appends).then((results) => {
        const fresh = results.filter((r) => !r.duplicate).length;
        stored += fresh;
      });
      const tracked = work.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= 3) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(progress);
  }
  log(`seeded ${stored} customers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Projects the seeded customers (relay off: the outbox only fills), then times a new segment's backfill. */
async function measureBackfill(env: Env, pool: Pool) {
  const { app, base } = await startApp(env, 'query,projector', { KAFKA_BROKERS: '' });
  try {
    const started = performance.now();
    for (;;) {
      const { body } = await client.call('GET', base, '/v1/projections/customer-360');
      const status = JSON.parse(body) as { eventsApplied: number; lag: { events: number | null } };
      const { rows } = await pool.query<{ n: string }>(`select count(*) as n from customer_360.customers where customer_id like 'b-%'`);
      if (Number(rows[0].n) >= CUSTOMERS) break;
      log(`projecting: ${rows[0].n}/${CUSTOMERS} customers, ${status.eventsApplied} events applied, ${Math.round((performance.now() - started) / 1000)} s`);
      await new Promise((done) => setTimeout(done, 5_000));
    }
    log(`projected ${CUSTOMERS} customers in ${((performance.now() - started) / 1000).toFixed(1)} s; vacuum analyze`);
    await pool.query('vacuum analyze customer_360.customers');
    await pool.query('checkpoint');

    const posted = performance.now();
    const created = await client.call('POST', base, '/v1/segments', JSON.stringify({ id: 'bench-registered-app', name: 'Registered in the app', rule: { field: 'registrationChannel', op: 'in', value: ['app', 'web'] } }));
    if (created.status !== 201) throw new Error(`POST /v1/segments answered ${created.status}: ${created.body}`);
    let reported = posted;
    for (;;) {
      const { body } = await client.call('GET', base, '/v1/segments/bench-registered-app');
      const segment = JSON.parse(body) as { backfill: { status: string; processed: number; total: number; entered: number; error: string | null } };
      if (segment.backfill.status === 'done') return { seconds: (performance.now() - posted) / 1000, processed: segment.backfill.processed, entered: segment.backfill.entered };
      if (segment.backfill.status !== 'running') throw new Error(`backfill ${segment.backfill.status}: ${segment.backfill.error}`);
      if (performance.now() - reported > 5_000) {
        reported = performance.now();
        log(`backfill: ${segment.backfill.processed}/${segment.backfill.total} customers, ${segment.backfill.entered} entered`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  } finally {
    await app.stop();
  }
}

async function outboxDepth(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`select count(*) as n from outbox.messages`);
  return Number(rows[0].n);
}

/** The same messages, read into memory first, produced with the relay's producer settings and batch size. */
async function produceBaseline(pool: Pool, brokers: string[], topic: string): Promise<{ messages: number; seconds: number }> {
  log('baseline: reading the outbox into memory');
  const { rows } = await pool.query<{ message_id: string; key: string; type: string; payload: string }>(`select message_id, key, type, payload from outbox.messages order by seq`);
  const messages: OutboundMessage[] = rows.map((r) => ({ topic, key: r.key, value: r.payload, headers: { [HEADER.messageId]: r.message_id, [HEADER.messageType]: r.type, [HEADER.schemaVersion]: SCHEMA_VERSION } }));
  const producer = new KafkaMessageProducer(kafkaClient(brokers, 'tessera-bench-baseline', logLevel.ERROR));
  await producer.connect();
  const batch = DEFAULT_RELAY_OPTIONS.batchSize;
  const started = performance.now();
  let sent = 0;
  let reported = started;
  try {
    for (let i = 0; i < messages.length; i += batch) {
      const chunk = messages.slice(i, i + batch);
      await producer.send(chunk);
      sent += chunk.length;
      if (performance.now() - reported > 5_000) {
        reported = performance.now();
        log(`baseline: ${sent}/${messages.length} messages`);
      }
    }
  } finally {
    await producer.disconnect();
  }
  return { messages: sent, seconds: (performance.now() - started) / 1000 };
}

/** A relay-only process drains the outbox; timed from its start to an empty outbox. */
async function measureRelay(env: Env, brokers: string[], pool: Pool, depth: number): Promise<{ messages: number; seconds: number }> {
  log(`relay: draining ${depth} outbox messages`);
  const started = performance.now();
  const { app } = await startApp(env, 'relay', { KAFKA_BROKERS: brokers.join(',') });
  try {
    let reported = performance.now();
    for (;;) {
      const left = await outboxDepth(pool);
      if (left === 0) return { messages: depth, seconds: (performance.now() - started) / 1000 };
      if (performance.now() - reported > 5_000) {
        reported = performance.now();
        log(`relay: ${depth - left}/${depth} published`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  } finally {
    await app.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
