import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { freePort, startEmbeddedPostgres } from '@tessera/platform';
import { httpClient } from './support/http-client';
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
    const cpu = () => cpuSeconds(app.child.pid);
    await runClients(batchesOf(5_000), (batch) => postBatch(base, batch), 'warm-up', cpu);
    await settle(pool);
    const http = await runClients(batchesOf(BATCH_EVENTS), (batch) => postBatch(base, batch), 'HTTP batch ingest', cpu);
    await settle(pool);
    const baseline = await runClients(batchesOf(BATCH_EVENTS), (batch) => insertBaseline(pool, batch), 'baseline INSERT … unnest', cpu);
    await settle(pool);
    await fixedRate(base, SINGLE_RATE, 2, cpu, 'single events warm-up');
    const single = await fixedRate(base, SINGLE_RATE, SINGLE_SECONDS, cpu, 'single events');
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
    client.destroy();
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

/** Generated before a phase starts, so the load generator spends its CPU outside the timing. */
function batchesOf(events: number): Envelope[][] {
  return Array.from({ length: Math.ceil(events / BATCH) }, () => makeBatch(BATCH));
}

type CpuSample = { app: number; postgres: number; bench: number };

/** CPU seconds used so far by the app process, every postgres process and this process (Linux /proc). */
function cpuSeconds(appPid: number | undefined): CpuSample {
  const ticks = (pid: string | number) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  const postgres = readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    })
    .reduce((sum, pid) => sum + ticks(pid), 0);
  const hz = 100;
  return { app: appPid ? ticks(appPid) / hz : 0, postgres: postgres / hz, bench: ticks(process.pid) / hz };
}

function cpuReport(before: CpuSample, after: CpuSample, seconds: number): string {
  const share = (key: keyof CpuSample) => `${key} ${(after[key] - before[key]).toFixed(1)} s (${Math.round((100 * (after[key] - before[key])) / seconds)} %)`;
  return `CPU over ${seconds.toFixed(1)} s wall: ${share('app')}, ${share('postgres')}, ${share('bench')}`;
}

/** CLIENTS workers take batches off one queue; returns events per second. */
async function runClients(batches: Envelope[][], send: (batch: Envelope[]) => Promise<number>, label: string, cpu: () => CpuSample): Promise<number> {
  let next = 0;
  let done = 0;
  const total = batches.reduce((n, b) => n + b.length, 0);
  const cpuBefore = cpu();
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
  log(`${label}: ${total} events in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} events/s; ${cpuReport(cpuBefore, cpu(), seconds)}`);
  return total / seconds;
}

async function postBatch(base: string, events: Envelope[]): Promise<number> {
  const { status, body } = await post(base, '/v1/events/batch', JSON.stringify({ events }));
  const results = (JSON.parse(body) as { results?: unknown[] }).results;
  if (status !== 202 || !results) throw new Error(`batch answered ${status}: ${body.slice(0, 300)}`);
  return results.length;
}

/** The baseline: the same rows straight into es_events, one multi-row INSERT per batch. */
async function insertBaseline(pool: Pool, events: Envelope[]): Promise<number> {
  const result = await pool.query(
    `insert into es_events (stream_id, stream_revision, event_id, type, occurred_at, channel, data, metadata, content_hash)
     select * from unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::text[])`,
    [
      events.map(() => `baseline-${randomUUID()}`),
      events.map(() => 0),
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.occurredAt),
      events.map((e) => e.channel),
      events.map((e) => JSON.stringify(e.data)),
      events.map(() => '{}'),
      events.map((e) => e.eventId.replace(/-/g, '').repeat(2)),
    ],
  );
  return result.rowCount ?? 0;
}

/**
 * Each phase leaves up to 200,000 new rows behind: without this, autovacuum and a checkpoint run
 * during the next phase and it measures the previous phase's debt.
 */
async function settle(pool: Pool): Promise<void> {
  const started = Date.now();
  for (const sql of ['vacuum analyze es_events', 'checkpoint']) {
    await pool.query(sql).catch((error: unknown) => log(`could not run ${sql}: ${String(error)}`));
  }
  log(`settled the database (vacuum analyze, checkpoint) in ${Date.now() - started} ms`);
}

/** node:http with kept-alive sockets: a lighter client than fetch, so the 2 cores go to the server. */
const client = httpClient(ADMIN_KEY, 256);
const post = (base: string, path: string, body: string) => client.call('POST', base, path, body);

/** Open loop: request i leaves at start + i/rate whatever earlier ones do; latency counts from then. */
async function fixedRate(base: string, rate: number, seconds: number, cpu: () => CpuSample, label: string): Promise<{ sent: number; failed: number; p50: number; p99: number; max: number }> {
  const total = rate * seconds;
  const latencies: number[] = [];
  let failed = 0;
  const cpuBefore = cpu();
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  log(`${label}: ${total} requests at ${rate}/s`);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((done) => setTimeout(done, wait));
    inFlight.push(
      post(base, '/v1/events', JSON.stringify(makeEvent())).then(
        ({ status }) => {
          if (status === 202) latencies.push(performance.now() - due);
          else failed++;
        },
        () => void failed++,
      ),
    );
    if (i % (rate * 5) === 0 && i > 0) log(`${label}: ${i}/${total}`);
  }
  await Promise.all(inFlight);
  log(`${label}: ${cpuReport(cpuBefore, cpu(), (performance.now() - started) / 1000)}`);
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
