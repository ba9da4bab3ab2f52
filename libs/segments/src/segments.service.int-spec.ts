import { randomUUID } from 'node:crypto';
import { Customer360Projector } from '@tessera/customers';
import { waitForCheckpoint } from '@tessera/customers/testing';
import { PostgresEventStore } from '@tessera/event-store';
import { prepareAppends } from '@tessera/ingestion';
import { loadConfig } from '@tessera/platform';
import { ProjectionRunner } from '@tessera/projections';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { SegmentsService } from './segments.service';

jest.setTimeout(5 * 60_000);

const HOUR = 3_600_000;

/**
 * Backfills, new versions and time passes over real projected customers (DESIGN §5, §11): who
 * enters and leaves, with which cause and rule version, and which messages wait in the outbox.
 */
describe('segments service', () => {
  let database: TestDatabase;
  let segments: SegmentsService;
  const now = Date.now();
  const config = { ...loadConfig({}), roles: new Set<never>() };

  beforeAll(async () => {
    database = await createTestDatabase('segments_service');
    const store = new PostgresEventStore(database.pool);
    const viewed = (customerId: string, hoursAgo: number) => ({
      eventId: randomUUID(),
      type: 'PageViewed',
      customerId,
      occurredAt: new Date(now - hoursAgo * HOUR).toISOString(),
      channel: 'web',
      data: { url: 'https://shop.example.cn/' },
    });
    const prepared = prepareAppends([viewed('t-1', 2), viewed('t-2', 10), viewed('t-3', 1)], { now: new Date(now), currency: 'CNY' }, true);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors));
    const results = await store.append(prepared.appends);
    const runner = new ProjectionRunner(new Customer360Projector(config), database.pool, store, { batchSize: 100, idleMs: 10, lease: false, leaseRetryMs: 500 });
    runner.start();
    await waitForCheckpoint(database.pool, results[results.length - 1].position);
    await runner.stop();
    // The projector published the built-in entries; these tests read only their own messages.
    await database.pool.query(`delete from outbox.messages`);
    segments = new SegmentsService(database.pool, config);
  });
  afterAll(async () => database?.drop());

  const members = async (id: string) =>
    (await database.pool.query<{ customer_id: string; rule_version: number }>(`select customer_id, rule_version from customer_360.segment_members where segment_id = $1 order by customer_id`, [id])).rows.map(
      (r) => `${r.customer_id}@v${r.rule_version}`,
    );
  const published = async () => {
    const { rows } = await database.pool.query<{ payload: string }>(`select payload from outbox.messages order by seq`);
    await database.pool.query(`delete from outbox.messages`);
    return rows.map((r) => JSON.parse(r.payload) as { customerId: string; kind: string; ruleVersion: number; cause: { kind: string; ruleVersion?: number } }).map((m) => `${m.kind} ${m.customerId} v${m.ruleVersion} ${m.cause.kind}`);
  };

  it('backfills a new segment, re-tags the members who stay under a new version, and lets time move them out', async () => {
    const created = await segments.create({ id: 'seen-6h', name: 'Seen in the last 6 hours', description: null, rule: { field: 'lastSeenAt', op: 'within', value: 'PT6H' } });
    expect(created).toMatchObject({ version: 1, timeRelative: true, backfill: { status: expect.stringMatching(/^(running|done)$/), version: 1 } });
    await segments.settled();
    expect(await members('seen-6h')).toEqual(['t-1@v1', 't-3@v1']);
    expect(await published()).toEqual(['entered t-1 v1 backfill', 'entered t-3 v1 backfill']);
    expect(await segments.get('seen-6h')).toMatchObject({ size: 2, backfill: { status: 'done', processed: 3, entered: 2, exited: 0 } });

    await segments.update('seen-6h', { name: 'Seen in the last 12 hours', description: null, rule: { field: 'lastSeenAt', op: 'within', value: 'PT12H' } });
    await segments.settled();
    expect(await members('seen-6h')).toEqual(['t-1@v2', 't-2@v2', 't-3@v2']);
    expect(await published()).toEqual(['entered t-2 v2 backfill']);

    const pass = await segments.reevaluateTimeRelative(new Date(now + 10.5 * HOUR));
    expect(pass).toEqual({ segments: 1, entered: 0, exited: 2 });
    expect(await members('seen-6h')).toEqual(['t-3@v2']);
    expect(await published()).toEqual(['exited t-1 v2 time', 'exited t-2 v2 time']);
    const history = await database.pool.query<{ customer_id: string; kind: string; cause: { kind: string } }>(
      `select customer_id, kind, cause from customer_360.segment_changes where segment_id = 'seen-6h' order by at, recorded_at, customer_id`,
    );
    expect(history.rows.map((r) => `${r.kind} ${r.customer_id} ${r.cause.kind}`)).toEqual([
      'entered t-1 backfill',
      'entered t-3 backfill',
      'entered t-2 backfill',
      'exited t-1 time',
      'exited t-2 time',
    ]);
    // A second pass at the same instant finds nothing new to say.
    expect(await segments.reevaluateTimeRelative(new Date(now + 10.5 * HOUR))).toEqual({ segments: 1, entered: 0, exited: 0 });
  });

  it('runs the newest version when a PUT lands while another holder runs the backfill', async () => {
    const holder = await database.pool.connect();
    try {
      await holder.query(`select pg_advisory_lock(hashtext('tessera.segment-backfill:' || $1))`, ['busy']);
      await segments.create({ id: 'busy', name: 'v1', description: null, rule: { field: 'lastSeenAt', op: 'exists' } });
      await segments.update('busy', { name: 'v2', description: null, rule: { field: 'lastSeenAt', op: 'within', value: 'PT3H' } });
      await segments.settled();
      expect(await segments.get('busy')).toMatchObject({ version: 2, backfill: { version: 2, status: 'running', processed: 0 } });
    } finally {
      await holder.query(`select pg_advisory_unlock(hashtext('tessera.segment-backfill:' || $1))`, ['busy']);
      holder.release();
    }
    // The lease holder (here: a resume of v1) finds v1 superseded and goes on with v2.
    segments.startBackfill('busy', 1);
    await segments.settled();
    expect(await segments.get('busy')).toMatchObject({ version: 2, backfill: { version: 2, status: 'done', processed: 3, entered: 2 } });
    expect(await members('busy')).toEqual(['t-1@v2', 't-3@v2']);
    await published();
  });

  it('reconciles after a rebuild: memberships the old copy got from a backfill come back, members of deleted segments exit', async () => {
    await segments.create({ id: 'recon', name: 'Recon', description: null, rule: { field: 'lastSeenAt', op: 'exists' } });
    await segments.settled();
    await published();
    // As if the rebuilt copy had replayed t-2 before the segment existed, and kept a deleted segment's member.
    await database.pool.query(`delete from customer_360.segment_members where segment_id = 'recon' and customer_id = 't-2'`);
    await database.pool.query(`insert into segments.definitions (segment_id, name, version, rule, time_relative, created_at, updated_at, deleted_at) values ('gone', 'Gone', 4, '{"field": "lastSeenAt", "op": "exists"}', false, now(), now(), now())`);
    await database.pool.query(`insert into segments.definition_versions (segment_id, version, name, rule, created_at) values ('gone', 4, 'Gone', '{"field": "lastSeenAt", "op": "exists"}', now())`);
    await database.pool.query(`insert into customer_360.segment_members (segment_id, customer_id, rule_version, since, cause) values ('gone', 't-1', 4, now(), '{"kind": "backfill", "ruleVersion": 4}')`);
    await segments.reconcile();
    expect(await members('recon')).toEqual(['t-1@v1', 't-2@v1', 't-3@v1']);
    expect(await members('gone')).toEqual([]);
    expect(await published()).toEqual(expect.arrayContaining(['entered t-2 v1 backfill', 'exited t-1 v4 deleted']));
    await segments.remove('recon');
    await published();
  });

  it('keeps every version readable, and on delete exits the members with cause deleted', async () => {
    await segments.create({ id: 'everyone', name: 'Everyone', description: 'all who were seen', rule: { field: 'lastSeenAt', op: 'exists' } });
    await segments.settled();
    await published();
    await segments.remove('everyone');
    expect(await members('everyone')).toEqual([]);
    expect(await published()).toEqual(['exited t-1 v1 deleted', 'exited t-2 v1 deleted', 'exited t-3 v1 deleted']);
    await expect(segments.get('everyone')).rejects.toThrow('no segment everyone');
    // Two POSTs of one new id at once: one is saved, the other answers a conflict (409).
    const raced = await Promise.allSettled([0, 1].map(() => segments.create({ id: 'raced', name: 'Raced', description: null, rule: { field: 'lastSeenAt', op: 'exists' } })));
    expect(raced.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(raced.find((r) => r.status === 'rejected')).toMatchObject({ reason: { kind: 'conflict' } });
    await segments.settled();
    // Created again, it goes on from its last version, so its message ids never repeat.
    const again = await segments.create({ id: 'everyone', name: 'Everyone again', description: null, rule: { field: 'lastSeenAt', op: 'exists' } });
    expect(again.version).toBe(2);
    await segments.settled();
    expect((await segments.versions('everyone')).map((v) => `${v.version} ${v.name}`)).toEqual(['1 Everyone', '2 Everyone again']);
  });
});
