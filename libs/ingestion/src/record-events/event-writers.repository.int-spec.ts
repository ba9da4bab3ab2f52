import { randomUUID } from 'node:crypto';
import { TestDatabase, createTestDatabase } from '../../../../test/support/database';
import { QueryRunner } from 'typeorm';
import { EventWriters1764000000710, PostgresEventStore, anyRevision } from '@tessera/event-store';
import { EventWritersRepository } from './event-writers.repository';
import { EventWriters1764000000610 } from './migrations/1764000000610-event-writers';
import { EventWritersInEvents1764000000720 } from './migrations/1764000000720-event-writers-in-events';

describe('EventWritersRepository: the first writer of every eventId', () => {
  let database: TestDatabase;
  let writers: EventWritersRepository;

  beforeAll(async () => {
    database = await createTestDatabase('event_writers');
    writers = new EventWritersRepository(database.pool);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('keeps the first writer: a later claim by another writer answers the first', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    expect(await writers.claim([a], 'key-1')).toEqual(new Map([[a, 'key-1']]));
    expect(await writers.claim([a, b, a], 'key-2')).toEqual(new Map([[a, 'key-1'], [b, 'key-2']]));
  });

  it('answers unknown (null) for an eventId stored before writers were kept', async () => {
    const legacy = randomUUID();
    await database.pool.query('insert into ingest_event_writers (event_id, writer) values ($1, null)', [legacy]);
    expect(await writers.claim([legacy], 'key-1')).toEqual(new Map([[legacy, null]]));
  });

  it('answers the owner that a concurrent request committed while this claim waited on it', async () => {
    const eventId = randomUUID();
    const other = await database.pool.connect();
    try {
      await other.query('begin');
      await other.query(`insert into ingest_event_writers (event_id, writer) values ($1, 'key-1')`, [eventId]);
      const claim = writers.claim([eventId], 'key-1');
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await database.pool.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%ingest_event_writers%'`);
        if (rows.length > 0) break;
        if (Date.now() > deadline) throw new Error('the claim never waited on the concurrent insert');
        await new Promise((done) => setTimeout(done, 10));
      }
      await other.query('commit');
      expect(await claim).toEqual(new Map([[eventId, 'key-1']]));
    } finally {
      other.release();
    }
  });

  it('migrates events stored before writers were kept as of unknown writer, so no key may compare them', async () => {
    const eventId = randomUUID();
    const event = { eventId, type: 'PageViewed', occurredAt: '2026-11-20T10:00:00+08:00', channel: 'web', data: { url: '/' }, metadata: {}, contentHash: 'h' };
    await new PostgresEventStore(database.pool).append([{ streamId: `customer-${randomUUID()}`, expectedRevision: anyRevision, events: [event] }]);
    const migration = new EventWriters1764000000610();
    const runner = { query: (sql: string) => database.pool.query(sql) } as unknown as QueryRunner;
    await migration.down(runner);
    await migration.up(runner);
    expect(await writers.claim([eventId], 'key-1')).toEqual(new Map([[eventId, null]]));
  });

  it('copies the writers it knows onto the stored events, where the PostgreSQL store now keeps them', async () => {
    const store = new PostgresEventStore(database.pool);
    const event = (eventId: string) => ({ eventId, type: 'PageViewed', occurredAt: '2026-11-20T10:00:00+08:00', channel: 'web', data: { url: '/' }, metadata: {}, contentHash: 'h' });
    const [known, unknown] = [randomUUID(), randomUUID()];
    await writers.claim([known], 'key-9');
    await store.append([{ streamId: `customer-${randomUUID()}`, expectedRevision: anyRevision, events: [event(known), event(unknown)] }]);
    const runner = { query: (sql: string) => database.pool.query(sql) } as unknown as QueryRunner;
    await new EventWritersInEvents1764000000720().up(runner);
    const { rows } = await database.pool.query<{ event_id: string; writer: string | null }>('select event_id, writer from es_events where event_id = any($1::uuid[])', [[known, unknown]]);
    expect(new Map(rows.map((r) => [r.event_id, r.writer]))).toEqual(new Map([[known, 'key-9'], [unknown, null]]));
  });

  it('rolls back to the ledger: every stored event gets its writer row, and the first es_append comes back', async () => {
    const store = new PostgresEventStore(database.pool);
    const eventId = randomUUID();
    await store.appendAs([{ streamId: `customer-${randomUUID()}`, expectedRevision: anyRevision, events: [{ eventId, type: 'PageViewed', occurredAt: '2026-11-20T10:00:00+08:00', channel: 'web', data: { url: '/' }, metadata: {}, contentHash: 'h' }] }], { id: 'key-7', othersTaken: true });
    const runner = { query: (sql: string) => database.pool.query(sql) } as unknown as QueryRunner;
    const argumentCounts = async () => (await database.pool.query<{ n: number }>(`select pronargs as n from pg_proc where proname = 'es_append'`)).rows.map((r) => r.n);
    expect(await argumentCounts()).toEqual([12]);
    await new EventWritersInEvents1764000000720().down(runner);
    expect((await database.pool.query('select writer from ingest_event_writers where event_id = $1', [eventId])).rows).toEqual([{ writer: 'key-7' }]);
    await new EventWriters1764000000710().down(runner);
    expect(await argumentCounts()).toEqual([10]);
    await new EventWriters1764000000710().up(runner);
    expect(await argumentCounts()).toEqual([12]);
  });
});
