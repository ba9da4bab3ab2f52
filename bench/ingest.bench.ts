import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { freePort, startEmbeddedPostgres } from '../libs/platform/src/database/embedded-postgres';
import { startTessera } from './support/tessera-process';

/**
 * npm run bench:ingest — batch ingest over HTTP vs a raw multi-row INSERT baseline into the same
 * table, then single events at a fixed 500 req/s. Starts its own app and (unless DATABASE_URL is
 * set) its own embedded PostgreSQL. Last line: one JSON object. BENCH_APP_NODE_ARGS passes node
 * flags to the app process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
 */
const CUSTOMERS = 100_000;
const BATCH = 500;
const CLIENTS = 4;
const BATCH_EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const SINGLE_RATE = 500;
const SINGLE_SECONDS = Number(process.env.BENCH_SINGLE_SECONDS ?? 20);
const ADMIN_KEY = `bench-admin-${randomUUID()}`;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

type Envelope = { eventId: string; type: string; customerId: string; occurredAt: string; channel: string; data: Record<string, unknown> };

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const { url: databaseUrl, stop: stopDatabase } = await database();
  const port = await freePort();
  const app = await startTessera(resolve(__dirname, '../apps/tessera/src/main.js'), {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    TESSERA_ADMIN_KEY: ADMIN_KEY,
    TESSERA_ROLES: 'ingest,query',
    LOG_LEVEL: 'warn',
  }, { nodeArgs: (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean) });
  log(`app started on port ${port} (separate process)`);
  const base = `http://127.0.0.1:${port}`;
  const pool = new Pool({ connectionString: databaseUrl, max: CLIENTS });
  try {
    await runClients(Array.from({ length: 10 }, () => makeBatch(BATCH)), (batch) => postBatch(base, batch), 'warm-up');
    const batches = Array.from({ length: Math.ceil(BATCH_EVENTS / BATCH) }, () => makeBatch(BATCH));
    const http = await runClients(batches, (batch) => postBatch(base, batch), 'HTTP batch ingest');
    const baselineBatches = Array.from({ length: batches.length }, () => makeBatch(BATCH));
    const baseline = await runClients(baselineBatches, (batch) => insertBaseline(pool, batch), 'baseline INSERT … unnest');
    const single = await fixedRate(base, SINGLE_RATE, SINGLE_SECONDS);
    const result = {
      eventsPerSec: Math.round(http),
      baselineEventsPerSec: Math.round(baseline),
      ratio: Number((http / baseline).toFixed(2)),
      singleP50Ms: single.p50,
      singleP99Ms: single.p99,
    };
    log(`single events: ${single.sent} sent at ${SINGLE_RATE}/s, ${single.failed} failed, p50 ${single.p50} ms, p99 ${single.p99} ms, max ${single.max} ms`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await pool.end();
    await app.stop();
    await stopDatabase();
  }
}

async function database(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    log('PostgreSQL from DATABASE_URL');
    return { url: process.env.DATABASE_URL, stop: async () => undefined };
  }
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-'));
  log(`starting an embedded PostgreSQL in ${dir} (fsync on)`);
  return startEmbeddedPostgres(dir, (msg) => log(msg));
}

/** CLIENTS workers take batches off one queue; returns events per second. */
async function runClients(batches: Envelope[][], send: (batch: Envelope[]) => Promise<number>, label: string): Promise<number> {
  let next = 0;
  let done = 0;
  const total = batches.reduce((n, b) => n + b.length, 0);
  const started = process.hrtime.bigint();
  const progress = setInterval(() => log(`${label}: ${done}/${total} events`), 2_000);
  try {
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < batches.length) {
          const batch = batches[next++];
          const stored = await send(batch);
          done += stored;
        }
      }),
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (done !== total) throw new Error(`${label}: stored ${done} of ${total}`);
  log(`${label}: ${total} events in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} events/s`);
  return total / seconds;
}

async function postBatch(base: string, events: Envelope[]): Promise<number> {
  const response = await fetch(`${base}/v1/events/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ events }),
  });
  const body = (await response.json()) as { results?: unknown[] };
  if (response.status !== 202 || !body.results) throw new Error(`batch answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body.results.length;
}

/** The baseline: the same rows straight into es_events, one multi-row INSERT per batch. */
async function insertBaseline(pool: Pool, events: Envelope[]): Promise<number> {
  const result = await pool.query(
    `insert into es_events (stream_id, stream_revision, event_id, type, occurred_at, channel, data, metadata)
     select * from unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[])`,
    [
      events.map(() => `baseline-${randomUUID()}`),
      events.map(() => 0),
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.occurredAt),
      events.map((e) => e.channel),
      events.map((e) => JSON.stringify(e.data)),
      events.map(() => '{}'),
    ],
  );
  return result.rowCount ?? 0;
}

/** Open loop: request i leaves at start + i/rate whatever earlier ones do; latency counts from then. */
async function fixedRate(base: string, rate: number, seconds: number): Promise<{ sent: number; failed: number; p50: number; p99: number; max: number }> {
  const total = rate * seconds;
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  log(`single events: ${total} requests at ${rate}/s`);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((done) => setTimeout(done, wait));
    inFlight.push(
      fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify(makeEvent()),
      }).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.status === 202) latencies.push(performance.now() - due);
          else failed++;
        },
        () => void failed++,
      ),
    );
    if (i % (rate * 5) === 0 && i > 0) log(`single events: ${i}/${total}`);
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(2));
  return { sent: total, failed, p50: at(0.5), p99: at(0.99), max: at(1) };
}

const CATEGORIES = ['appliances', 'digital', 'household', 'books', 'beauty', 'baby', 'sports', 'food'];
const CHANNELS = ['web', 'app', 'mini_program', 'store'];
const SEARCHES = ['空气净化器', '洗衣机', '三体', '手机壳', '奶粉', '跑步鞋'];
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const int = (max: number) => Math.floor(Math.random() * max);

function makeBatch(size: number): Envelope[] {
  return Array.from({ length: size }, makeEvent);
}

/** A realistic mix: mostly browsing, some orders, service and feedback; Chinese text. */
function makeEvent(): Envelope {
  const customerId = `c-${int(CUSTOMERS)}`;
  const occurredAt = new Date(Date.now() - int(730 * 86_400_000)).toISOString();
  const base = { eventId: randomUUID(), customerId, occurredAt, channel: pick(CHANNELS) };
  const roll = Math.random();
  const category = pick(CATEGORIES);
  const sku = `${category.slice(0, 2).toUpperCase()}-${int(5000)}`;
  if (roll < 0.35) return { ...base, type: 'PageViewed', data: { url: `https://shop.example.cn/${category}/${sku}`, referrer: 'https://www.baidu.com/' } };
  if (roll < 0.6) return { ...base, type: 'ProductViewed', data: { sku, category, price: 1000 + int(200_000) } };
  if (roll < 0.7) return { ...base, type: 'CartItemAdded', data: { sku, category, quantity: 1 + int(3), unitPrice: 1000 + int(200_000) } };
  if (roll < 0.78) return { ...base, type: 'SearchPerformed', data: { query: pick(SEARCHES), resultCount: int(200) } };
  if (roll < 0.85) {
    const items = Array.from({ length: 1 + int(4) }, () => ({ sku, name: '商品', category, quantity: 1 + int(2), unitPrice: 1000 + int(100_000) }));
    return { ...base, type: 'OrderPlaced', data: { orderId: `o-${randomUUID()}`, items, total: items.reduce((n, i) => n + i.quantity * i.unitPrice, 0), currency: 'CNY' } };
  }
  if (roll < 0.9) return { ...base, type: 'OrderPaid', data: { orderId: `o-${int(1_000_000)}`, amount: 1000 + int(100_000), currency: 'CNY', method: 'alipay' } };
  if (roll < 0.93) return { ...base, type: 'ProfileUpdated', data: { name: '张伟', phone: `+86138${String(int(1e8)).padStart(8, '0')}` } };
  if (roll < 0.96) return { ...base, type: 'ServiceChatEnded', data: { chatId: `ch-${int(1e6)}`, resolved: Math.random() < 0.8, durationSeconds: int(3600) } };
  if (roll < 0.98) return { ...base, type: 'SurveyAnswered', data: { surveyId: `s-${int(1e6)}`, kind: 'NPS', score: int(11), comment: '服务很好' } };
  return { ...base, type: 'ComplaintFiled', data: { complaintId: `k-${int(1e6)}`, category: 'delivery', severity: pick(['low', 'medium', 'high']), description: '包裹破损' } };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
