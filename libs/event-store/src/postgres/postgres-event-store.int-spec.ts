import { PoolClient } from 'pg';
import { TestDatabase, createTestDatabase } from '../../../../test/support/database';
import { EventIdTakenError, IdempotencyConflictError, RecordedEvent, anyRevision } from '../event-store.port';
import { eventStoreContract, newEvent, newStream, waitFor } from '../testing/event-store-contract';
import { PostgresEventStore } from './postgres-event-store';

eventStoreContract('postgres', async () => {
  const database = await createTestDatabase('es_contract');
  const store = new PostgresEventStore(database.pool, { pollIntervalMs: 20 });
  return { store, close: async () => (await store.close(), await database.drop()) };
});

describe('PostgreSQL event store: late commits (DESIGN §10)', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase('es_late_commit');
    store = new PostgresEventStore(database.pool, { pollIntervalMs: 20 });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  /** Appends one event inside an open transaction and leaves it open. */
  async function openAppend(client: PoolClient, streamId: string, takeTransactionIdFirst: boolean): Promise<string> {
    const event = newEvent('PageViewed', { url: '/slow' });
    await client.query('begin');
    if (takeTransactionIdFirst) await client.query('select pg_current_xact_id()');
    return event.eventId;
  }

  async function appendInOpenTransaction(client: PoolClient, streamId: string, eventId: string): Promise<void> {
    await client.query(
      `select * from es_append(array[$1]::text[], array[-1]::bigint[], array[$2]::uuid[], array['PageViewed'], array['2026-11-20T10:00:00+08:00'],
         array['web'], array['{"url":"/slow"}']::jsonb[], array['{}']::jsonb[], array[$2::text], true, null, false)`,
      [streamId, eventId],
    );
  }

  it.each([
    ['takes an earlier position and commits after a later writer', false],
    ['has the older transaction id but takes a later position than a writer that is still open', true],
  ])('never skips a writer that %s', async (_case, slowHasOlderTransaction) => {
    const [slowStream, fastStream] = [newStream(), newStream()];
    const mine = new Set([slowStream, fastStream]);
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll(async (batch) => void seen.push(...batch.filter((e) => mine.has(e.streamId))), { batchSize: 10 });
    const slow = await database.pool.connect();
    const fast = await database.pool.connect();
    try {
      let slowEventId: string;
      if (slowHasOlderTransaction) {
        // slow: xid first, position later; fast: newer xid, earlier position, still open while slow commits
        slowEventId = await openAppend(slow, slowStream, true);
        const fastEventId = await openAppend(fast, fastStream, false);
        await appendInOpenTransaction(fast, fastStream, fastEventId);
        await appendInOpenTransaction(slow, slowStream, slowEventId);
        await slow.query('commit');
        await waitFor(() => seen.length >= 1);
        expect(seen.map((e) => e.eventId)).toEqual([slowEventId]);
        await fast.query('commit');
        await waitFor(() => seen.length >= 2);
        expect(seen.map((e) => e.eventId)).toEqual([slowEventId, fastEventId]);
      } else {
        // slow takes a position first and stays open; a later writer commits in the meantime
        slowEventId = await openAppend(slow, slowStream, false);
        await appendInOpenTransaction(slow, slowStream, slowEventId);
        const [fastResult] = await store.append([{ streamId: fastStream, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/fast' })] }]);
        const pending = await store.readAll({ maxCount: 1000 });
        expect(pending.some((e) => e.eventId === fastResult.eventId)).toBe(false);
        await slow.query('commit');
        await waitFor(() => seen.length >= 2);
        expect(seen.map((e) => e.eventId)).toEqual([slowEventId, fastResult.eventId]);
      }
    } finally {
      await slow.query('rollback').catch(() => undefined);
      await fast.query('rollback').catch(() => undefined);
      slow.release();
      fast.release();
      await subscription.stop();
    }
  });
});

describe('PostgreSQL event store: $all order across transaction ids of different lengths', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase('es_xid_order');
    store = new PostgresEventStore(database.pool, { pollIntervalMs: 20 });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('reads transaction 999 before transaction 1000 (numeric, not text, order) and skips neither', async () => {
    const insert = (transactionId: string, position: number, revision: number) =>
      database.pool.query(
        `insert into es_events (transaction_id, global_position, stream_id, stream_revision, event_id, type, occurred_at, channel, data, metadata, content_hash)
         values ($1::xid8, $2, 'customer-xid', $3, gen_random_uuid(), 'PageViewed', '2026-11-20T10:00:00+08:00', 'web', '{}', '{}', 'h')`,
        [transactionId, position, revision],
      );
    await insert('999', 1, 0);
    await insert('1000', 2, 1);
    const first = await store.readAll({ maxCount: 1 });
    const rest = await store.readAll({ after: first[0].position, maxCount: 10 });
    expect([...first, ...rest].map((e) => e.streamRevision)).toEqual([0n, 1n]);
  });
});

describe('PostgreSQL event store: the writer recorded by the append itself (appendAs)', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase('es_writers');
    store = new PostgresEventStore(database.pool, { pollIntervalMs: 20 });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  const writerOf = async (eventId: string): Promise<string | null | undefined> =>
    (await database.pool.query<{ writer: string | null }>('select writer from es_events where event_id = $1', [eventId])).rows[0]?.writer;
  const stored = async (eventId: string): Promise<boolean> => (await writerOf(eventId)) !== undefined;

  it('stores the writer with each new event, answers its own retry as a duplicate, and refuses another writer without comparing content', async () => {
    const streamId = newStream();
    const first = newEvent('PageViewed', { url: '/a' });
    await store.appendAs([{ streamId, expectedRevision: anyRevision, events: [first] }], { id: 'key-a', othersTaken: true });
    expect(await writerOf(first.eventId)).toBe('key-a');

    const [again] = await store.appendAs([{ streamId, expectedRevision: anyRevision, events: [first] }], { id: 'key-a', othersTaken: true });
    expect(again.duplicate).toBe(true);

    // another key: the same content and other content get the same answer, and the new event of the call is not stored
    const fresh = newEvent('PageViewed', { url: '/b' });
    for (const probe of [first, { ...first, data: { url: '/other' }, contentHash: 'f'.repeat(64) }]) {
      const refused = await store.appendAs([{ streamId, expectedRevision: anyRevision, events: [fresh, probe] }], { id: 'key-b', othersTaken: true }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EventIdTakenError);
      expect((refused as EventIdTakenError).taken).toEqual([{ index: 1, eventId: first.eventId }]);
      expect(await stored(fresh.eventId)).toBe(false);
    }

    // a writer that may compare content (othersTaken false) gets the duplicate, or the conflict
    const [compared] = await store.appendAs([{ streamId, expectedRevision: anyRevision, events: [first] }], { id: 'key-admin', othersTaken: false });
    expect(compared.duplicate).toBe(true);
    await expect(store.appendAs([{ streamId, expectedRevision: anyRevision, events: [{ ...first, contentHash: 'f'.repeat(64) }] }], { id: 'key-admin', othersTaken: false })).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('takes an event stored without a writer (before writers were kept) as another writer\'s', async () => {
    const streamId = newStream();
    const legacy = newEvent('PageViewed', { url: '/legacy' });
    await store.append([{ streamId, expectedRevision: anyRevision, events: [legacy] }]);
    expect(await writerOf(legacy.eventId)).toBeNull();
    await expect(store.appendAs([{ streamId, expectedRevision: anyRevision, events: [legacy] }], { id: 'key-a', othersTaken: true })).rejects.toBeInstanceOf(EventIdTakenError);
  });
});
