import { SegmentsService } from '@tessera/segments';
import { loadConfig } from '@tessera/platform';
import { randomUUID } from 'node:crypto';
import { PostgresEventStore, RecordedEvent } from '@tessera/event-store';
import { BatchApplier, rebuildProjection, ProjectionRunner } from '@tessera/projections';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { Customer360Projector } from './customer-360.projector';
import { LifecycleScheduler } from './lifecycle-scheduler';
import { checkpointOf, readModelSnapshot, waitForCheckpoint } from './testing/read-model-snapshot';
import { appendsOf, customerHistory, daysAgo, ScenarioEvent } from './testing/scenario';

jest.setTimeout(5 * 60_000);

/** The customer 360 projection and its runner against a real PostgreSQL (DESIGN §1, §10, §11). */

const config = loadConfig({});
const now = Date.now();
/** Customers appended while a rebuild runs. */
const LIVE_CUSTOMERS = 30;
const runnerOptions = (batchSize: number, lease = false) => ({ batchSize, idleMs: 10, lease, leaseRetryMs: 100 });

type Harness = { db: TestDatabase; store: PostgresEventStore; projector: Customer360Projector };

async function harness(name: string): Promise<Harness> {
  const db = await createTestDatabase(name);
  return { db, store: new PostgresEventStore(db.pool, { pollIntervalMs: 20 }), projector: new Customer360Projector(config) };
}

/** Appends and returns the last position. */
async function append(h: Harness, events: readonly ScenarioEvent[]): Promise<string> {
  const results = await h.store.append(appendsOf(events));
  return results[results.length - 1].position;
}

/** Runs one runner until the checkpoint reaches `position`, then stops it. */
async function project(h: Harness, position: string, batchSize = 100): Promise<void> {
  const runner = new ProjectionRunner(h.projector, h.db.pool, h.store, runnerOptions(batchSize));
  runner.start();
  try {
    await waitForCheckpoint(h.db.pool, position);
  } finally {
    await runner.stop();
  }
}

/** Positions differ between two databases; everything else must not. */
function withoutPositions(snapshot: Record<string, unknown[]>): Record<string, unknown[]> {
  const transitions = (snapshot.transitions as { cause: string }[]).map((t) => {
    const { position: _position, basedOn, ...cause } = JSON.parse(t.cause);
    return { ...t, cause: basedOn ? { ...cause, basedOn: { eventId: basedOn.eventId } } : cause };
  });
  return { ...snapshot, transitions };
}

const many = (customers: number) => Array.from({ length: customers }, (_, i) => customerHistory(`c-${String(i).padStart(4, '0')}`, now)).flat();

describe('customer 360 projection', () => {
  const opened: Harness[] = [];
  const open = async (name: string) => {
    const h = await harness(name);
    opened.push(h);
    return h;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((h) => h.db.drop()));
  });

  it('folds a history into profile, orders, lifecycle and satisfaction facts', async () => {
    const h = await open('fold');
    await project(h, await append(h, customerHistory('c-1', now)));
    const { rows } = await h.db.pool.query(`select profile from customer_360.customers where customer_id = 'c-1'`);
    const profile = rows[0].profile;
    expect(profile).toMatchObject({
      name: '王芳',
      orderCount: 2,
      netSpend: 9_000 + 250_000 - 50_000,
      netSpend365d: 9_000 + 250_000 - 50_000,
      averageOrderValue: Math.round(209_000 / 2),
      lifecycleStage: 'active',
      valueTier: 'medium',
      interests: ['beauty', 'books', 'digital'],
      consent: { marketingEmail: true, marketingSms: false, marketingPush: false, personalization: false },
      addresses: [expect.objectContaining({ addressId: 'home', isDefault: true })],
      satisfaction: expect.objectContaining({ csatAverage: 4, complaintsOpen: 0, complaintsTotal: 1, chatsTotal: 1, chatResolvedShare: 1 }),
      categoryActivity: { beauty: { purchases: 0, views: 2, cartAdds: 1 }, books: { purchases: 2, views: 0, cartAdds: 0 }, digital: { purchases: 1, views: 0, cartAdds: 0 } },
    });
    expect(profile.lastSeenAt).toBe(new Date(daysAgo(now, 3)).toISOString());
    const orders = (await h.db.pool.query(`select order_id, status, refunded from customer_360.orders where customer_id = 'c-1' order by order_id`)).rows;
    expect(orders).toEqual([
      { order_id: 'o-1', status: 'paid', refunded: '0' },
      { order_id: 'o-2', status: 'partially_refunded', refunded: '50000' },
      { order_id: 'o-3', status: 'cancelled', refunded: '0' },
    ]);
    const transitions = (await h.db.pool.query(`select from_stage, to_stage from customer_360.lifecycle_transitions where customer_id = 'c-1' order by seq`)).rows;
    expect(transitions.map((t) => `${t.from_stage}>${t.to_stage}`)).toEqual(['prospect>new', 'new>at_risk', 'at_risk>churned', 'churned>active']);
    const complaint = (await h.db.pool.query(`select resolution_hours from customer_360.complaints`)).rows[0];
    expect(Number(complaint.resolution_hours)).toBe(30);
  });

  it('gives the same read models whatever the arrival order', async () => {
    const events = [...customerHistory('c-1', now), ...customerHistory('c-2', now)].map((e) => ({ ...e, eventId: randomUUID() }));
    const shuffled = [...events].reverse();
    const a = await open('order_a');
    const b = await open('order_b');
    await project(a, await append(a, events));
    await project(b, await append(b, shuffled));
    expect(withoutPositions(await readModelSnapshot(b.db.pool))).toEqual(withoutPositions(await readModelSnapshot(a.db.pool)));
  });

  it('never counts a re-sent fact twice: same orderId under a new eventId, or the same event delivered again', async () => {
    const h = await open('duplicates');
    const history = customerHistory('c-1', now);
    const placed = history.find((e) => e.type === 'OrderPlaced')!;
    await project(h, await append(h, [...history, { ...placed, eventId: undefined }]));
    const view = history.find((e) => e.type === 'ProductViewed')!;
    const [stored] = await h.store.append(appendsOf([view]));
    const [recorded] = await h.store.readAll({ after: (await checkpointOf(h.db.pool)).position!, maxCount: 1 });
    // EventStoreDB may deliver an event twice after a retried append: same eventId, next revision.
    const again: RecordedEvent = { ...recorded, streamRevision: recorded.streamRevision + 1n };
    await new BatchApplier(h.db.pool, h.projector).apply([recorded, again], (await checkpointOf(h.db.pool)).position, 'customer_360');
    expect(stored.duplicate).toBe(false);
    const { rows } = await h.db.pool.query(`select profile from customer_360.customers where customer_id = 'c-1'`);
    expect(rows[0].profile.orderCount).toBe(2);
    expect(rows[0].profile.categoryActivity.beauty.views).toBe(3);
  });

  it('runs two instances of the same projection without double-applying or moving the checkpoint backwards', async () => {
    const h = await open('concurrent');
    const first = new ProjectionRunner(h.projector, h.db.pool, h.store, runnerOptions(7));
    const second = new ProjectionRunner(new Customer360Projector(config), h.db.pool, h.store, runnerOptions(13));
    first.start();
    second.start();
    const seen: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const { position } = await checkpointOf(h.db.pool);
        if (position && seen.at(-1) !== position) seen.push(position);
        await new Promise((done) => setTimeout(done, 5));
      }
    })();
    const events = many(30);
    let last = '';
    for (let i = 0; i < events.length; i += 40) last = await append(h, events.slice(i, i + 40));
    await waitForCheckpoint(h.db.pool, last);
    watching = false;
    await watcher;
    await Promise.all([first.stop(), second.stop()]);

    expect((await checkpointOf(h.db.pool)).eventsApplied).toBe(events.length);
    const order = new Map((await h.store.readAll({ maxCount: 10_000 })).map((e, i) => [e.position, i]));
    const indexes = seen.map((p) => order.get(p)!);
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
    const concurrent = await readModelSnapshot(h.db.pool);
    await rebuildProjection(h.db.pool, h.store, h.projector);
    expect(await readModelSnapshot(h.db.pool)).toEqual(concurrent);
  });

  it('keeps a second instance on standby while the first holds the lease', async () => {
    const h = await open('lease');
    const first = new ProjectionRunner(h.projector, h.db.pool, h.store, runnerOptions(50, true));
    const second = new ProjectionRunner(h.projector, h.db.pool, h.store, runnerOptions(50, true));
    first.start();
    await project(h, await append(h, customerHistory('c-1', now))).catch(() => undefined);
    second.start();
    const deadline = Date.now() + 120_000;
    while (second.state !== 'standby' && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
    expect(second.state).toBe('standby');
    await first.stop();
    const takeOver = Date.now() + 120_000;
    while (second.state === 'standby' && Date.now() < takeOver) await new Promise((done) => setTimeout(done, 20));
    expect(['running', 'catching-up']).toContain(second.state);
    await second.stop();
  });

  it('parks a poison event with its error and keeps the rest flowing', async () => {
    const h = await open('poison');
    const before = customerHistory('c-1', now);
    const poison: ScenarioEvent = { type: 'OrderPlaced', customerId: 'c-2', occurredAt: daysAgo(now, 1), channel: 'web', data: { orderId: 'bad', items: 'not a list', total: 1, currency: 'CNY' } };
    const after = customerHistory('c-3', now);
    const [bad] = await h.store.append(appendsOf([poison]));
    await append(h, before);
    const last = await append(h, after);
    await project(h, last, 8);
    const parked = (await h.db.pool.query(`select event_id, type, error from customer_360.parked_events`)).rows;
    expect(parked).toEqual([{ event_id: bad.eventId, type: 'OrderPlaced', error: expect.stringContaining('items must be a non-empty array') }]);
    const { rows } = await h.db.pool.query(`select customer_id, profile->>'orderCount' as orders from customer_360.customers order by customer_id`);
    expect(rows).toEqual([
      { customer_id: 'c-1', orders: '2' },
      { customer_id: 'c-3', orders: '2' },
    ]);
    expect((await checkpointOf(h.db.pool)).eventsApplied).toBe(before.length + after.length);
  });

  it('rebuilds into fresh tables while the runner and queries keep going, then switches atomically', async () => {
    const h = await open('rebuild');
    const runner = new ProjectionRunner(h.projector, h.db.pool, h.store, runnerOptions(25));
    runner.start();
    await waitForCheckpoint(h.db.pool, await append(h, many(20)));
    let querying = true;
    let answered = 0;
    const reader = (async () => {
      while (querying) {
        const { rows } = await h.db.pool.query(`select count(*)::int as n from customer_360.customers`);
        expect(rows[0].n).toBe(20);
        answered += 1;
      }
    })();
    const result = await rebuildProjection(h.db.pool, h.store, h.projector, { batchSize: 30 });
    querying = false;
    await reader;
    const last = await append(h, customerHistory('c-new', now));
    await waitForCheckpoint(h.db.pool, last);
    await runner.stop();
    expect(answered).toBeGreaterThan(0);
    expect(result.applied).toBe(400);
    expect((await checkpointOf(h.db.pool)).eventsApplied).toBe(400 + 20);
    const { rows } = await h.db.pool.query(`select nspname from pg_namespace where nspname like 'customer_360%' order by 1`);
    expect(rows.map((r) => r.nspname)).toEqual(['customer_360']);
  });

  it('rebuilds while events keep arriving: the runner follows the rebuilt copy and ends equal to a fresh rebuild', async () => {
    const h = await open('rebuild_live');
    const runner = new ProjectionRunner(h.projector, h.db.pool, h.store, runnerOptions(20));
    runner.start();
    await waitForCheckpoint(h.db.pool, await append(h, many(10)));
    // Events keep arriving while the rebuild runs: one more customer each time the rebuild reports
    // a batch, up to a bound. Paced by the rebuild's own progress, not a clock, so the rebuild can
    // meet the live checkpoint and swap on a busy machine too (a timed trickle could outrun it).
    let scheduled = 0;
    let last = '';
    let writer = Promise.resolve();
    const arrive = () => {
      if (scheduled >= LIVE_CUSTOMERS) return;
      const i = scheduled++;
      writer = writer.then(async () => void (last = await append(h, customerHistory(`live-${i}`, now))));
    };
    await rebuildProjection(h.db.pool, h.store, h.projector, { batchSize: 15, onProgress: arrive });
    await writer;
    expect(scheduled).toBeGreaterThan(0);
    await waitForCheckpoint(h.db.pool, last);
    await runner.stop();
    const { rows } = await h.db.pool.query(`select count(*)::int as n from customer_360.customers where customer_id like 'live-%'`);
    expect(rows[0].n).toBe(scheduled);
    const live = await readModelSnapshot(h.db.pool);
    const appended = (await h.store.readAll({ maxCount: 100_000 })).length;
    expect((await checkpointOf(h.db.pool)).eventsApplied).toBe(appended);
    await rebuildProjection(h.db.pool, h.store, h.projector);
    expect(await readModelSnapshot(h.db.pool)).toEqual(live);
  });

  it('keeps index and constraint names and grants across a rebuild, and refuses one that would drop a view of another schema', async () => {
    const h = await open('rebuild_shape');
    await project(h, await append(h, customerHistory('c-1', now)));
    const shape = async () =>
      (await h.db.pool.query(`select indexname from pg_indexes where schemaname = 'customer_360' order by 1`)).rows.map((r) => r.indexname);
    const before = await shape();
    const role = `tessera_test_analyst_${Math.random().toString(36).slice(2, 8)}`;
    await h.db.pool.query(`create role ${role} nologin`);
    try {
      await h.db.pool.query(`grant usage on schema customer_360 to ${role}`);
      await h.db.pool.query(`grant select on customer_360.customers to ${role}`);
      await rebuildProjection(h.db.pool, h.store, h.projector);
      expect(await shape()).toEqual(before);
      const { rows } = await h.db.pool.query(`select has_schema_privilege($1, 'customer_360', 'usage') as usage, has_table_privilege($1, 'customer_360.customers', 'select') as select`, [role]);
      expect(rows[0]).toEqual({ usage: true, select: true });

      await h.db.pool.query(`create view public.vip_customers as select customer_id from customer_360.customers`);
      await expect(rebuildProjection(h.db.pool, h.store, h.projector)).rejects.toThrow(/public\.vip_customers/);
      const { rows: views } = await h.db.pool.query(`select count(*)::int as n from public.vip_customers`);
      expect(views[0].n).toBe(1);
      const { rows: schemas } = await h.db.pool.query(`select nspname from pg_namespace where nspname like 'customer_360%' order by 1`);
      expect(schemas.map((r) => r.nspname)).toEqual(['customer_360']);
    } finally {
      await h.db.pool.query(`drop view if exists public.vip_customers`);
      await h.db.pool.query(`drop owned by ${role}`);
      await h.db.pool.query(`drop role ${role}`);
    }
  });

  it('lets time move stages: the scheduler re-derives due customers and records the transition at its instant', async () => {
    const h = await open('scheduler');
    const events: ScenarioEvent[] = [
      { type: 'OrderPlaced', customerId: 'c-1', occurredAt: daysAgo(now, 85), channel: 'web', data: { orderId: 'o-1', items: [{ sku: 's', category: 'books', quantity: 1, unitPrice: 100 }], total: 100, currency: 'CNY' } },
    ];
    await project(h, await append(h, events));
    const scheduler = new LifecycleScheduler(h.db.pool, { ...config, roles: new Set() }, h.projector, new SegmentsService(h.db.pool, config));
    expect(await scheduler.run(new Date(now))).toMatchObject({ customers: 0 });
    const later = new Date(now + 10 * 86_400_000);
    expect(await scheduler.run(later)).toMatchObject({ customers: 1, stageChanges: 1 });
    const { rows } = await h.db.pool.query(`select from_stage, to_stage, at, cause from customer_360.lifecycle_transitions where customer_id = 'c-1' order by seq`);
    expect(rows.map((r) => `${r.from_stage}>${r.to_stage}`)).toEqual(['prospect>new', 'new>at_risk']);
    expect(rows[1].at.toISOString()).toBe(new Date(Date.parse(events[0].occurredAt) + 91 * 86_400_000).toISOString());
    expect(rows[1].cause).toMatchObject({ kind: 'time', basedOn: { eventId: expect.any(String) } });
    const profile = (await h.db.pool.query(`select profile, next_review_at from customer_360.customers`)).rows[0];
    expect(profile.profile.lifecycleStage).toBe('at_risk');
    expect(profile.next_review_at.getTime()).toBe(Date.parse(events[0].occurredAt) + 181 * 86_400_000);
  });

  it('keeps the scheduler going past a customer it cannot re-derive, and looks at that one again a day later', async () => {
    const h = await open('scheduler_bad_row');
    const order = (customerId: string): ScenarioEvent => ({ type: 'OrderPlaced', customerId, occurredAt: daysAgo(now, 85), channel: 'web', data: { orderId: 'o-1', items: [{ sku: 's', category: 'books', quantity: 1, unitPrice: 100 }], total: 100, currency: 'CNY' } });
    await project(h, await append(h, [order('c-good'), order('c-bad')]));
    await h.db.pool.query(`update customer_360.customers set state = '{"customerId": "c-bad", "orders": {"o-1": {"placed": {"at": 1, "rev": 0, "v": {"items": null, "total": 1}}}}}' where customer_id = 'c-bad'`);
    const scheduler = new LifecycleScheduler(h.db.pool, { ...config, roles: new Set() }, h.projector, new SegmentsService(h.db.pool, config));
    const later = new Date(now + 10 * 86_400_000);
    expect(await scheduler.run(later)).toMatchObject({ customers: 1, stageChanges: 1 });
    const { rows } = await h.db.pool.query(`select customer_id, profile->>'lifecycleStage' as stage, next_review_at from customer_360.customers order by customer_id`);
    expect(rows.map((r) => [r.customer_id, r.stage])).toEqual([
      ['c-bad', 'new'],
      ['c-good', 'at_risk'],
    ]);
    expect(rows[0].next_review_at.getTime()).toBe(later.getTime() + 86_400_000);
  });
});

