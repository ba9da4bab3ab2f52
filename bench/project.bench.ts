import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { customerIdOf } from '@tessera/catalog';
import { toFoldEvent, deriveCustomer, CustomerState, emptyState, evolve } from '@tessera/customers';
import { demoCustomerId, generateHistories } from '@tessera/demo-data';
import { PostgresEventStore } from '@tessera/event-store';
import { prepareAppends } from '@tessera/ingestion';
import { DEFAULT_RULES, openDatabase, closeDatabase, poolOf, freePort } from '@tessera/platform';
import { MIGRATIONS } from '../apps/tessera/src/migrations';
import { freshDatabase } from './support/fresh-database';
import { httpClient } from './support/http-client';
import { startTessera } from './support/tessera-process';

/**
 * npm run bench:project — seeds a history straight into the event store (bulk appends), then
 * times a full rebuild of the customer 360 read models (in its own process, for its peak memory)
 * against a baseline that reads the same events and folds them in memory with the same pure rule
 * functions, writing nothing. Then freshness: single events at a steady rate over HTTP, time from
 * `202` to the change visible in GET /v1/customers/:id. Starts its own PostgreSQL (embedded, or a
 * fresh database on DATABASE_URL) and app. Last line: one JSON object.
 */
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const FRESHNESS_RATE = 1_000;
const FRESHNESS_SECONDS = Number(process.env.BENCH_FRESHNESS_SECONDS ?? 30);
const FRESHNESS_WARMUP_SECONDS = 5;
/** Every 10th event is followed; one poller reads the projection's checkpoint every 20 ms for all of them. */
const SAMPLE_EVERY = 10;
const POLL_MS = 20;
const VISIBLE_CAP_MS = 10_000;
const BATCH = 2_000;
const ADMIN_KEY = `bench-admin-${randomUUID()}`;
const client = httpClient(ADMIN_KEY, 64);
const http = (method: string, base: string, path: string, body?: string) => client.call(method, base, path, body);

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const database = await freshDatabase('project', log);
  const dataSource = await openDatabase(database.url, MIGRATIONS, 6);
  const pool = poolOf(dataSource);
  const store = new PostgresEventStore(pool);
  try {
    const now = new Date();
    const seeded = await seed(store, now);
    await pool.query('vacuum analyze es_events');
    const fold = await foldBaseline(store, now);
    const rebuild = await rebuildInWorker(database.url, seeded);
    await settle(pool);
    const freshness = await measureFreshness(database.url, pool);
    const result = {
      rebuildEventsPerSec: Math.round(rebuild.applied / rebuild.seconds),
      foldEventsPerSec: Math.round(fold.events / fold.seconds),
      ratio: Number((rebuild.applied / rebuild.seconds / (fold.events / fold.seconds)).toFixed(2)),
      freshnessP50Ms: freshness.p50,
      freshnessP99Ms: freshness.p99,
      rebuildPeakRssMb: rebuild.peakRssMb,
    };
    log(`history: ${CUSTOMERS} customers, ${seeded} events; rebuild ${rebuild.applied} events in ${rebuild.seconds.toFixed(1)} s, RSS at half-way ${rebuild.halfRssMb} MiB, peak ${rebuild.peakRssMb} MiB`);
    log(`fold baseline: ${fold.events} events in ${fold.seconds.toFixed(1)} s (in-memory states: ${fold.customers} customers)`);
    log(`freshness: ${freshness.samples} samples of ${freshness.sent} events at ${FRESHNESS_RATE}/s, ${freshness.failed} refused, ${freshness.invisible} not visible within ${VISIBLE_CAP_MS / 1000} s; p50 ${freshness.p50} ms, p99 ${freshness.p99} ms, max ${freshness.max} ms`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    client.destroy();
    await closeDatabase(dataSource);
    await database.stop();
  }
}

/** Bulk path: many streams per append call, several calls in flight. Returns events stored. */
async function seed(store: PostgresEventStore, now: Date): Promise<number> {
  const started = performance.now();
  const histories = generateHistories({ seed: 42, customers: CUSTOMERS, now });
  let customers = 0;
  let stored = 0;
  const inFlight = new Set<Promise<void>>();
  const progress = setInterval(() => log(`seeding: ${customers}/${CUSTOMERS} customers, ${stored} events, ${Math.round(stored / ((performance.now() - started) / 1000))} events/s`), 5_000);
  let pending: unknown[] = [];
  const flush = async (bodies: unknown[]) => {
    const prepared = prepareAppends(bodies, { now, currency: 'CNY' }, true);
    if (!prepared.ok) throw new Error(`generated events failed validation: ${JSON.stringify(prepared.errors.slice(0, 3))}`);
    const results = await store.append(prepared.appends);
    const fresh = results.filter((r) => !r.duplicate).length;
    stored += fresh;
  };
  try {
    for (const history of histories) {
      customers += 1;
      pending.push(...history);
      if (pending.length < BATCH) continue;
      const work = flush(pending).finally(() => inFlight.delete(work));
      inFlight.add(work);
      pending = [];
      if (inFlight.size >= 3) await Promise.race(inFlight);
    }
    await Promise.all([...inFlight, flush(pending)]);
  } finally {
    clearInterval(progress);
  }
  log(`seeded ${stored} events for ${customers} customers in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return stored;
}

/** Reads the same events in the same batches and folds them with the same pure functions; writes nothing. */
async function foldBaseline(store: PostgresEventStore, now: Date): Promise<{ events: number; seconds: number; customers: number }> {
  const started = performance.now();
  const states = new Map<string, CustomerState>();
  let events = 0;
  let after: string | undefined;
  const progress = setInterval(() => log(`fold baseline: ${events} events`), 5_000);
  try {
    for (;;) {
      const batch = await store.readAll({ after, maxCount: BATCH });
      if (batch.length === 0) break;
      const touched = new Set<CustomerState>();
      for (const event of batch) {
        const id = customerIdOf(event.streamId);
        let state = states.get(id);
        if (!state) states.set(id, (state = emptyState(id)));
        evolve(state, toFoldEvent(event, true));
        touched.add(state);
      }
      for (const state of touched) deriveCustomer(state, now.getTime(), DEFAULT_RULES);
      events += batch.length;
      after = batch[batch.length - 1].position;
    }
  } finally {
    clearInterval(progress);
  }
  return { events, seconds: (performance.now() - started) / 1000, customers: states.size };
}

type RebuildOutcome = { applied: number; seconds: number; peakRssMb: number; halfRssMb: number };

async function rebuildInWorker(databaseUrl: string, total: number): Promise<RebuildOutcome> {
  const child = spawn(process.execPath, [resolve(__dirname, 'support/rebuild-worker.js')], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'inherit'] });
  let halfRssMb = 0;
  let outcome: RebuildOutcome | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (!line.startsWith('{"kind"')) {
      process.stderr.write(`${line}\n`);
      continue;
    }
    const message = JSON.parse(line) as { kind: string; applied: number; total: number | null; rssMb?: number; seconds?: number; peakRssMb?: number };
    if (message.kind === 'progress') {
      log(`rebuild: ${message.applied}/${message.total ?? total} events, RSS ${message.rssMb} MiB`);
      if (halfRssMb === 0 && message.applied >= total / 2) halfRssMb = message.rssMb ?? 0;
    } else if (message.kind === 'done') {
      outcome = { applied: message.applied, seconds: message.seconds!, peakRssMb: message.peakRssMb!, halfRssMb };
    }
  }
  const code = await new Promise<number | null>((done) => (child.exitCode !== null ? done(child.exitCode) : child.once('exit', done)));
  if (!outcome || code !== 0) throw new Error(`the rebuild worker failed (exit ${code})`);
  return outcome;
}

/** Lets the previous phase's writes reach disk so the next phase does not pay for them. */
async function settle(pool: import('pg').Pool): Promise<void> {
  log('settling: vacuum analyze, checkpoint');
  for (const table of ['customers', 'orders', 'lifecycle_transitions', 'surveys', 'complaints', 'chats']) await pool.query(`vacuum analyze customer_360.${table}`);
  await pool.query('checkpoint');
}

/**
 * Single events at a steady rate; every SAMPLE_EVERY-th is followed until the projection's
 * checkpoint (read straight from its table) has passed its position. The read models are written in the checkpoint's
 * transaction, so that is the moment `GET /v1/customers/:id` shows it (checked for some samples).
 * One poller serves every sample: following each one by polling its profile made the measurement
 * the heaviest load of all whenever the projector fell behind (more samples waiting, more polls).
 */
async function measureFreshness(databaseUrl: string, pool: import('pg').Pool) {
  const port = await freePort();
  const app = await startTessera(resolve(__dirname, '../apps/tessera/src/main.js'), {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    TESSERA_ADMIN_KEY: ADMIN_KEY,
    TESSERA_ROLES: 'ingest,query,projector',
    LOG_LEVEL: 'warn',
  }, { nodeArgs: profileArgs() });
  const base = `http://127.0.0.1:${port}`;
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  let invisible = 0;
  let checked = 0;
  let notShown = 0;
  const checks: Promise<void>[] = [];
  const waiting: { position: bigint[]; acceptedAt: number; customerId: string; occurredAt: number }[] = [];
  let driving = true;
  const poller = (async () => {
    while (driving || waiting.length > 0) {
      const { rows } = await pool.query<{ position: string | null }>('select position from customer_360.checkpoint');
      const now = performance.now();
      const checkpoint = rows[0]?.position ?? null;
      for (let i = waiting.length - 1; i >= 0; i -= 1) {
        const sample = waiting[i];
        const visible = checkpoint !== null && !isAfter(sample.position, parsePosition(checkpoint));
        if (!visible && now - sample.acceptedAt < VISIBLE_CAP_MS) continue;
        waiting.splice(i, 1);
        // Never visible within the cap: counted at the cap, so the percentiles cannot hide it.
        if (!visible) invisible += 1;
        latencies.push(visible ? now - sample.acceptedAt : VISIBLE_CAP_MS);
        // not awaited here: a slow answer must not hold the poller (and age every waiting sample)
        if (visible && latencies.length % 50 === 0) {
          checks.push(
            http('GET', base, `/v1/customers/${sample.customerId}`).then((profile) => {
              checked += 1;
              if (profile.status !== 200 || Date.parse(JSON.parse(profile.body).lastSeenAt) < sample.occurredAt) notShown += 1;
            }),
          );
        }
      }
      await new Promise((done) => setTimeout(done, POLL_MS));
    }
  })();
  /** Sends at the steady rate for `seconds`; when `measure`, follows every SAMPLE_EVERY-th event. */
  const drive = async (seconds: number, measure: boolean) => {
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    let next = 0;
    let reported = 0;
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * FRESHNESS_RATE);
      for (; next < due; next += 1) {
        const sample = measure && next % SAMPLE_EVERY === 0;
        const customerId = demoCustomerId(1 + Math.floor(Math.random() * CUSTOMERS));
        const occurredAt = new Date().toISOString();
        const body = JSON.stringify({ eventId: randomUUID(), type: 'PageViewed', customerId, occurredAt, channel: 'web', data: { url: `https://shop.example.cn/p/${next}` } });
        const work = (async () => {
          const answer = await http('POST', base, '/v1/events', body);
          const acceptedAt = performance.now();
          if (measure) sent += 1;
          if (answer.status !== 202) {
            if (measure) failed += 1;
            return;
          }
          if (sample) waiting.push({ position: parsePosition((JSON.parse(answer.body) as { position: string }).position), acceptedAt, customerId, occurredAt: Date.parse(occurredAt) });
        })().finally(() => inFlight.delete(work));
        inFlight.add(work);
      }
      await new Promise((done) => setTimeout(done, 5));
      if (measure && performance.now() - reported > 5_000) {
        reported = performance.now();
        log(`freshness: ${sent} sent, ${latencies.length} samples seen, ${waiting.length} waiting`);
      }
    }
    await Promise.all(inFlight);
  };
  try {
    log(`freshness: ${FRESHNESS_RATE} events/s, ${FRESHNESS_WARMUP_SECONDS} s warm-up then ${FRESHNESS_SECONDS} s measured (app in a separate process)`);
    await drive(FRESHNESS_WARMUP_SECONDS, false);
    latencies.length = 0;
    await drive(FRESHNESS_SECONDS, true);
    driving = false;
    await poller;
    await Promise.all(checks);
    const metrics = (await http('GET', base, '/metrics')).body;
    log(`projector batches (warm-up and run): ${batchStats(metrics)}`);
    log(`where the batches' time went: ${stageStats(metrics)}`);
    log(`profiles checked when the checkpoint had passed their event: ${checked}, not showing it: ${notShown}`);
  } finally {
    driving = false;
    await app.stop();
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN);
  return { sent, failed, invisible, samples: latencies.length, p50: at(0.5), p99: at(0.99), max: Math.round(latencies.at(-1) ?? NaN) };
}

/** A PostgreSQL store position, `<transaction id>-<global position>`, as numbers to compare. */
function parsePosition(position: string): bigint[] {
  return position.split('-').map((part) => BigInt(part));
}

/** Whether `a` comes after `b` in the log's (transaction id, global position) order. */
function isAfter(a: bigint[], b: bigint[]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

/** With BENCH_PROFILE_DIR set, the app writes a V8 CPU profile there when it stops (open it in Chrome's DevTools). */
function profileArgs(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(dir)}`] : [];
}

/** Count, mean and the slowest histogram bucket of the projector's batches, from /metrics. */
function batchStats(metrics: string): string {
  const value = (name: string) => Number(new RegExp(`^${name}\\{projection="customer-360"\\} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN);
  const count = value('tessera_projection_batch_seconds_count');
  const sum = value('tessera_projection_batch_seconds_sum');
  const buckets = [...metrics.matchAll(/^tessera_projection_batch_seconds_bucket\{le="([^"]+)",projection="customer-360"\} (\d+)/gm)].map((m) => ({ le: m[1], n: Number(m[2]) }));
  const slowest = buckets.find((b) => b.n === count)?.le ?? '?';
  return `${count} batches, mean ${((1000 * sum) / count).toFixed(1)} ms, all within ${slowest} s`;
}

/** Each stage's share of the projector's batch time, from tessera_projection_stage_seconds, largest first. */
function stageStats(metrics: string): string {
  const stages = [...metrics.matchAll(/^tessera_projection_stage_seconds_sum\{projection="customer-360",stage="([^"]+)"\} (\S+)/gm)].map((m) => ({ stage: m[1], seconds: Number(m[2]) }));
  const count = (stage: string) => Number(new RegExp(`^tessera_projection_stage_seconds_count\\{projection="customer-360",stage="${stage}"\\} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN);
  const total = stages.reduce((sum, s) => sum + s.seconds, 0);
  return stages
    .sort((a, b) => b.seconds - a.seconds)
    .map((s) => `${s.stage} ${((100 * s.seconds) / total).toFixed(0)}% (mean ${((1000 * s.seconds) / count(s.stage)).toFixed(1)} ms)`)
    .join(', ');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
