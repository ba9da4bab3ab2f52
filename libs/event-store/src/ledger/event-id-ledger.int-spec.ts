import { randomUUID } from 'node:crypto';
import { TestDatabase, createTestDatabase } from '../../../../test/support/database';
import { PostgresEventIdLedger } from './event-id-ledger';

/** Pending reservations belong to the call that made or took them over (real PostgreSQL). */
describe('eventId ledger ownership', () => {
  let database: TestDatabase;
  let ledger: PostgresEventIdLedger;

  beforeAll(async () => {
    database = await createTestDatabase('event_id_ledger');
    ledger = new PostgresEventIdLedger(database.pool);
  });
  afterAll(async () => database?.drop());

  const reserveStale = async (first: string) => {
    const eventId = randomUUID();
    await ledger.reserve([{ eventId, contentHash: 'h', streamId: 'customer-1' }], first);
    await database.pool.query(`update es_event_ids set recorded_at = clock_timestamp() - interval '1 minute' where event_id = $1`, [eventId]);
    return eventId;
  };

  it('keeps a row another call took over when its first owner releases or abandons it late, and lets the new owner complete it', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const eventId = await reserveStale(first);
    expect(await ledger.claimStale([eventId], 30_000, second)).toEqual(new Set([eventId]));

    await ledger.release([eventId], first);
    await ledger.abandon([eventId], first);
    const row = (await ledger.find([eventId])).get(eventId);
    expect(row).toMatchObject({ pending: true });
    expect(row!.ageMs).toBeLessThan(30_000);

    expect(await ledger.complete([{ eventId, contentHash: 'h', streamRevision: 0n, position: '0001' }])).toEqual(new Set([eventId]));
    expect((await ledger.find([eventId])).get(eventId)).toMatchObject({ pending: false, streamRevision: 0n, position: '0001' });
  });

  it('refreshes only the rows the caller still owns', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const taken = await reserveStale(first);
    await ledger.claimStale([taken], 30_000, second);
    const kept = await reserveStale(first);

    expect(await ledger.refresh([taken, kept], first)).toEqual(new Set([kept]));
    expect((await ledger.find([kept])).get(kept)!.ageMs).toBeLessThan(30_000);
  });

  it('releases and abandons the rows the caller owns', async () => {
    const owner = randomUUID();
    const [released, abandoned] = [randomUUID(), randomUUID()];
    await ledger.reserve([released, abandoned].map((eventId) => ({ eventId, contentHash: 'h', streamId: 'customer-2' })), owner);
    await ledger.release([released], owner);
    await ledger.abandon([abandoned], owner);
    const rows = await ledger.find([released, abandoned]);
    expect(rows.has(released)).toBe(false);
    expect(rows.get(abandoned)!.ageMs).toBeGreaterThan(1_000_000);
  });
});
