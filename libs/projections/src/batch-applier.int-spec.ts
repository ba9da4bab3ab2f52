import { RecordedEvent } from '@tessera/event-store';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { BatchApplier } from './batch-applier';
import { ApplyContext, ApplyResult, Projection } from './projection';
import { createBookkeeping } from './projection-bookkeeping';

/** What the applier does with failures: park an event whose data is at fault, retry the rest. */

const SCHEMA = 'applier_test';

/** Writes each event's `data.n` into an integer column; `failOnce` throws a given SQLSTATE once. */
class CountingProjection implements Projection {
  readonly name = 'applier-test';
  readonly schema = SCHEMA;
  failOnce: string | undefined;

  async apply(events: readonly RecordedEvent[], { client, schema }: ApplyContext): Promise<ApplyResult> {
    if (this.failOnce) {
      const code = this.failOnce;
      this.failOnce = undefined;
      throw Object.assign(new Error(`injected ${code}`), { code });
    }
    for (const e of events) await client.query(`insert into "${schema}".numbers (event_id, n) values ($1, $2::integer)`, [e.eventId, e.data.n]);
    return { parked: [] };
  }
}

const event = (i: number, n: unknown): RecordedEvent => ({
  eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  streamId: 'customer-x',
  streamRevision: BigInt(i),
  position: `1-${i}`,
  type: 'PageViewed',
  occurredAt: '2026-11-20T10:00:00+08:00',
  channel: 'web',
  recordedAt: new Date().toISOString(),
  data: { n },
  metadata: {},
});

describe('BatchApplier', () => {
  let database: TestDatabase;
  let projection: CountingProjection;
  let applier: BatchApplier;
  const numbers = async () => (await database.pool.query(`select n from ${SCHEMA}.numbers order by n`)).rows.map((r) => r.n);
  const parked = async () => (await database.pool.query(`select event_id, error from ${SCHEMA}.parked_events`)).rows;

  beforeEach(async () => {
    database = await createTestDatabase('batch_applier');
    await database.pool.query(`create schema ${SCHEMA}`);
    await createBookkeeping(database.pool, SCHEMA);
    await database.pool.query(`create table ${SCHEMA}.numbers (event_id uuid primary key, n integer not null)`);
    projection = new CountingProjection();
    applier = new BatchApplier(database.pool, projection);
  });
  afterEach(async () => database.drop());

  it.each(['40001', '40P01', '55P03', '57014', '53300'])('retries, never parks, a batch that failed with SQLSTATE %s', async (code) => {
    projection.failOnce = code;
    const batch = [event(1, 1), event(2, 2)];
    await expect(applier.apply(batch, null, SCHEMA)).rejects.toMatchObject({ code });
    expect(await applier.readCheckpoint(SCHEMA)).toBeNull();
    expect(await parked()).toEqual([]);
    await applier.apply(batch, null, SCHEMA);
    expect(await numbers()).toEqual([1, 2]);
  });

  it('parks only the event whose data PostgreSQL refuses, applies the others, and moves past all of them', async () => {
    const batch = [event(1, 1), event(2, 2), event(3, 'three'), event(4, 4), event(5, 5)];
    const outcome = await applier.apply(batch, null, SCHEMA);
    expect(outcome).toMatchObject({ applied: 4, position: '1-5' });
    expect(await numbers()).toEqual([1, 2, 4, 5]);
    expect(await parked()).toEqual([{ event_id: batch[2].eventId, error: expect.stringContaining('invalid input syntax for type integer') }]);
    expect(await applier.readCheckpoint(SCHEMA)).toBe('1-5');
  });

  it('refuses a batch that does not follow the stored checkpoint', async () => {
    await applier.apply([event(1, 1)], null, SCHEMA);
    await expect(applier.apply([event(1, 1)], null, SCHEMA)).rejects.toMatchObject({ name: 'CheckpointMovedError', position: '1-1' });
    expect(await numbers()).toEqual([1]);
  });
});
