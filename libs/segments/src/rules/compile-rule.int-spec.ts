import { loadConfig, dayOf, checkout } from '@tessera/platform';
import { daysToBirthday, Customer360Projector } from '@tessera/customers';
import { waitForCheckpoint } from '@tessera/customers/testing';
import { generateHistories, Random } from '@tessera/demo-data';
import { PostgresEventStore } from '@tessera/event-store';
import { prepareAppends } from '@tessera/ingestion';
import { ProjectionRunner } from '@tessera/projections';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { segmentMembershipMessage } from '@tessera/outbox';
import { evaluateSegmentChunk, lockMemberships } from '../evaluation/evaluate-segment-chunk';
import { compileRule } from './compile-rule';
import { evaluateRule } from './evaluate-rule';
import { FieldType, SEGMENT_FIELDS, SegmentFieldName } from './segment-fields';
import { checkRule, Rule } from './segment-rule';

jest.setTimeout(5 * 60_000);

const TIME_ZONE = 'Asia/Shanghai';

/**
 * The in-memory evaluator and the SQL backfill must agree (DESIGN §11): generated rules over
 * real projected profiles, evaluated both ways; and hostile rules cannot reach the SQL.
 */
describe('segment rules: evaluator and SQL agree', () => {
  let database: TestDatabase;
  let profiles: { customerId: string; profile: Record<string, unknown> }[];
  const now = Date.now();

  beforeAll(async () => {
    database = await createTestDatabase('segment_rules');
    const store = new PostgresEventStore(database.pool);
    const prepared = prepareAppends([...generateHistories({ seed: 11, customers: 300, now: new Date(now) })].flat(), { now: new Date(now), currency: 'CNY' }, true);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors.slice(0, 2)));
    const results = await store.append(prepared.appends);
    const runner = new ProjectionRunner(new Customer360Projector(loadConfig({ TESSERA_TIMEZONE: TIME_ZONE })), database.pool, store, { batchSize: 1_000, idleMs: 10, lease: false, leaseRetryMs: 500 });
    runner.start();
    await waitForCheckpoint(database.pool, results[results.length - 1].position);
    await runner.stop();
    const { rows } = await database.pool.query<{ customer_id: string; profile: Record<string, unknown> & { birthday: { month: number; day: number } | null } }>(
      `select customer_id, profile from customer_360.customers order by customer_id`,
    );
    profiles = rows.map((r) => ({ customerId: r.customer_id, profile: { ...r.profile, daysToBirthday: r.profile.birthday ? daysToBirthday(r.profile.birthday, now, TIME_ZONE) : null } }));
  });
  afterAll(async () => database?.drop());

  const bySql = async (rule: Rule) => {
    const { sql, params } = compileRule(rule, { now, today: dayOf(now, TIME_ZONE) });
    const { rows } = await database.pool.query<{ customer_id: string }>(`select customer_id from customer_360.customers c where ${sql} order by customer_id`, params);
    return rows.map((r) => r.customer_id);
  };
  const inMemory = (rule: Rule) => profiles.filter((p) => evaluateRule(rule, p.profile, now)).map((p) => p.customerId);

  it('agree on 400 generated rules over 300 projected customers', async () => {
    const rng = new Random(2026);
    let nonTrivial = 0;
    for (let i = 0; i < 400; i += 1) {
      const rule = generateRule(rng, profiles.map((p) => p.profile), 0);
      const checked = checkRule(rule);
      if (!checked.ok) throw new Error(`generated an invalid rule ${JSON.stringify(rule)}: ${JSON.stringify(checked.errors)}`);
      const expected = inMemory(checked.rule);
      if (expected.length > 0 && expected.length < profiles.length) nonTrivial += 1;
      expect({ rule, members: await bySql(checked.rule) }).toEqual({ rule, members: expected });
    }
    expect(nonTrivial).toBeGreaterThan(150);
  });

  it('passes hostile values as parameters: they match nothing and change nothing', async () => {
    const before = (await database.pool.query(`select count(*)::int as n from customer_360.customers`)).rows[0].n;
    const hostile = ["' or 1=1 --", "x'); drop table customer_360.customers; --", '$1', '\\', "books' or 'a'='a"];
    for (const value of hostile) {
      for (const rule of [{ field: 'lifecycleStage', op: 'eq', value }, { field: 'interests', op: 'contains', value }, { field: 'valueTier', op: 'in', value: [value] }] as Rule[]) {
        expect(checkRule(rule).ok).toBe(true);
        expect(await bySql(rule)).toEqual([]);
      }
    }
    expect((await database.pool.query(`select count(*)::int as n from customer_360.customers`)).rows[0].n).toBe(before);
  });

  it('refuses hostile field names and operators before any SQL is built', () => {
    for (const rule of [
      { field: 'c.profile) or true or (c.profile', op: 'exists' },
      { field: 'lifecycleStage', op: "= 'active' or true --", value: 'x' },
      { all: [{ field: 'orderCount', op: 'gt', value: 1 }, { field: '__proto__', op: 'exists' }] },
      { field: 'constructor', op: 'exists' },
    ]) {
      expect(checkRule(rule).ok).toBe(false);
    }
  });

  it('backfills in one statement exactly what the evaluator decides, with the message ids and content the projector would publish', async () => {
    const rule: Rule = { any: [{ field: 'netSpend365d', op: 'gte', value: 100_000 }, { field: 'lastSeenAt', op: 'within', value: 'P30D' }] };
    const segment = { id: 'agree', name: 'Agree 同意', version: 3, rule };
    const cause = { kind: 'backfill' as const, ruleVersion: 3 };
    const { client, release } = await checkout(database.pool);
    try {
      await client.query('begin');
      await lockMemberships(client);
      const first = await evaluateSegmentChunk(client, segment, { after: null, limit: 120, now, today: dayOf(now, TIME_ZONE), cause, topic: 'seg', publish: true });
      const rest = await evaluateSegmentChunk(client, segment, { after: first.lastCustomerId, limit: 1_000, now, today: dayOf(now, TIME_ZONE), cause, topic: 'seg', publish: true });
      await client.query('commit');
      expect(first.customers + rest.customers).toBe(profiles.length);
    } finally {
      release();
    }
    const expected = inMemory(rule);
    expect(expected.length).toBeGreaterThan(0);
    const members = await database.pool.query<{ customer_id: string }>(`select customer_id from customer_360.segment_members where segment_id = 'agree' order by customer_id`);
    expect(members.rows.map((r) => r.customer_id)).toEqual(expected);
    const outbox = await database.pool.query<{ message_id: string; key: string; payload: string }>(`select message_id, key, payload from outbox.messages where topic = 'seg' order by seq`);
    expect(outbox.rows.map((r) => r.key)).toEqual(expected);
    for (const row of outbox.rows) {
      const profile = profiles.find((p) => p.customerId === row.key)!.profile as { lifecycleStage: string; valueTier: string; consent: Record<string, boolean> };
      const built = segmentMembershipMessage('seg', { customerId: row.key, segmentId: 'agree', segmentName: 'Agree 同意', kind: 'entered', ruleVersion: 3, at: now, cause }, {
        lifecycleStage: profile.lifecycleStage,
        valueTier: profile.valueTier,
        consent: profile.consent,
      });
      expect({ id: row.message_id, payload: JSON.parse(row.payload) }).toEqual({ id: built.messageId, payload: JSON.parse(built.payload) });
    }
    await database.pool.query(`delete from outbox.messages where topic = 'seg'`);
  });
});

/** A random rule whose values come from the profiles, so many rules select some but not all. */
function generateRule(rng: Random, profiles: Record<string, unknown>[], depth: number): unknown {
  if (depth < 2 && rng.chance(0.35)) {
    const kind = rng.pick(['all', 'any', 'not'] as const);
    if (kind === 'not') return { not: generateRule(rng, profiles, depth + 1) };
    return { [kind]: Array.from({ length: rng.int(1, 3) }, () => generateRule(rng, profiles, depth + 1)) };
  }
  const name = rng.pick(Object.keys(SEGMENT_FIELDS)) as SegmentFieldName;
  const field = SEGMENT_FIELDS[name];
  const seen = profiles.map((p) => field.read(p)).filter((v) => v !== null && v !== undefined);
  const sample = () => (seen.length > 0 ? rng.pick(seen) : undefined);
  const ops = opsFor(field.type);
  const op = rng.pick(ops);
  if (op === 'exists') return { field: name, op, value: rng.chance(0.7) };
  if (field.type === 'list') {
    const lists = seen.flat() as string[];
    return { field: name, op: 'contains', value: lists.length > 0 ? rng.pick(lists) : 'books' };
  }
  if (op === 'within' || op === 'before') return { field: name, op, value: `P${rng.int(1, 400)}D` };
  const value = sample() ?? (field.type === 'number' ? 0 : field.type === 'boolean' ? true : field.type === 'timestamp' ? new Date().toISOString() : 'none');
  if (op === 'in') return { field: name, op, value: [value, sample() ?? value] };
  return { field: name, op, value };
}

function opsFor(type: FieldType): string[] {
  switch (type) {
    case 'list':
      return ['contains', 'exists'];
    case 'number':
      return ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'exists'];
    case 'timestamp':
      return ['gt', 'gte', 'lt', 'lte', 'within', 'before', 'exists', 'eq'];
    default:
      return ['eq', 'neq', 'in', 'exists'];
  }
}
