import { AddressInfo, Server, Socket, createServer } from 'node:net';
import { AccessDeniedError, EventStoreDBClient, StreamDeletedError, UnknownError } from '@eventstore/db-client';
import { TestDatabase, createTestDatabase } from '../../../../test/support/database';
import { DeletedStreamError, EventStoreUnavailableError, PartialAppendError, StreamAppend, anyRevision } from '../event-store.port';
import { LedgerCompletion, PostgresEventIdLedger } from '../ledger/event-id-ledger';
import { newEvent, newStream } from '../testing/event-store-contract';
import { EventStoreDbEventStore, MAX_CLOSE_WAIT_MS } from './eventstoredb-event-store';
import { AppendScript, ScriptedClient } from './testing/scripted-client';

/**
 * What a production EventStoreDB does to the adapter and no server here can show: failures part-way
 * through a batch, a shutdown under load, a refused `$all`, a server that never answers. The
 * failures are the client's own error classes; the eventId ledger is real PostgreSQL.
 */
describe('EventStoreDB adapter under failure (real ledger, client failures injected)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('esdb_failures');
  });
  afterAll(async () => database?.drop());

  const storeWith = (script: AppendScript) => {
    const client = new ScriptedClient(script);
    return { client, store: new EventStoreDbEventStore(client.asClient(), new PostgresEventIdLedger(database.pool), { deadlineMs: 2_000 }) };
  };
  const batchOf = (streams: string[]): StreamAppend[] => streams.map((streamId, i) => ({ streamId, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: `/${i}` })] }));
  const pendingRows = async (eventIds: string[]) =>
    (await database.pool.query(`select count(*)::int as n from es_event_ids where event_id = any($1::uuid[]) and pending`, [eventIds])).rows[0].n;

  it('stops a batch at the first failed stream, says what is stored, and a retry of the whole batch stores the rest', async () => {
    const streams = [newStream(), newStream(), newStream()];
    let failing = true;
    const { client, store } = storeWith((streamId) => {
      if (failing && streamId === streams[1]) throw new UnknownError(undefined, 'Could not recognize Server Is Not Ready');
    });
    const batch = batchOf(streams);
    const error = await store.append(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialAppendError);
    expect(error).toMatchObject({ kind: 'unavailable', inDoubt: [1], notStored: [2], stored: [{ index: 0, result: { streamId: streams[0], duplicate: false } }] });
    expect(client.appended).toEqual([streams[0]]);
    expect(await pendingRows(batch.map((a) => a.events[0].eventId))).toBe(1); // the in-doubt one, abandoned for recovery

    failing = false;
    const retried = await store.append(batch);
    expect(retried.map((r) => [r.streamId, r.duplicate])).toEqual([
      [streams[0], true],
      [streams[1], false],
      [streams[2], false],
    ]);
    expect(client.appended).toEqual(streams);
    expect(await pendingRows(batch.map((a) => a.events[0].eventId))).toBe(0);
  });

  it('answers a deleted stream part-way with 409 naming its events, and releases what was not stored', async () => {
    const streams = [newStream(), newStream(), newStream()];
    const { store } = storeWith((streamId) => {
      if (streamId === streams[1]) throw StreamDeletedError.fromStreamName(streamId);
    });
    const batch = batchOf(streams);
    const error = await store.append(batch).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'conflict', problemType: 'stream-deleted', notStored: [1, 2], errors: [{ index: 1, rule: 'streamDeleted' }] });
    expect((error as PartialAppendError).cause).toBeInstanceOf(DeletedStreamError);
    expect(await pendingRows(batch.map((a) => a.events[0].eventId))).toBe(0);
  });

  it('does not take over a reservation while its append is in flight, even one older than the old fixed 15 s', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((go) => (release = go));
    let entered: () => void = () => undefined;
    const appending = new Promise<void>((go) => (entered = go));
    let calls = 0;
    const { client, store } = storeWith(() => {
      if (++calls > 1) return;
      entered();
      return held;
    });
    const batch = batchOf([newStream()]);
    const eventId = batch[0].events[0].eventId;
    const first = store.append(batch);
    await appending;
    // As if the append had been in flight for 20 s (a long deadline): younger than 2 × (append + read deadline).
    await database.pool.query(`update es_event_ids set recorded_at = clock_timestamp() - interval '20 seconds' where event_id = $1`, [eventId]);
    const second = store.append(batch);
    await waitFor(async () => (await database.pool.query(`select count(*)::int as n from es_event_ids where event_id = $1 and recorded_at < clock_timestamp() - interval '19 seconds'`, [eventId])).rows[0].n === 1, 300);
    release();
    expect(await first).toEqual([expect.objectContaining({ duplicate: false })]);
    expect(await second).toEqual([expect.objectContaining({ duplicate: true })]);
    expect(client.appended).toEqual([batch[0].streamId]);
    expect(await pendingRows([eventId])).toBe(0);
  });

  it('reports an unmapped failure after earlier streams were stored as a partial append, in doubt', async () => {
    const streams = [newStream(), newStream(), newStream()];
    const { store } = storeWith((streamId) => {
      if (streamId === streams[1]) throw new Error('something the client never maps');
    });
    const error = await store.append(batchOf(streams)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialAppendError);
    expect(error).toMatchObject({ kind: 'unavailable', inDoubt: [1], notStored: [2], stored: [{ index: 0 }] });
  });

  it('answers an append whose read-back fails as in doubt and abandons its reservation for recovery', async () => {
    const { client, store } = storeWith(() => undefined);
    client.readStreamError = new UnknownError(undefined, 'Could not recognize Server Is Not Ready');
    const batch = batchOf([newStream()]);
    const error = await store.append(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).toMatchObject({ inDoubt: true });
    const { rows } = await database.pool.query(`select pending, recorded_at = 'epoch' as abandoned from es_event_ids where event_id = $1`, [batch[0].events[0].eventId]);
    expect(rows).toEqual([{ pending: true, abandoned: true }]);
  });

  it('abandons its reservations when the ledger cannot record a stored append, so a retry resolves them at once', async () => {
    class FailingLedger extends PostgresEventIdLedger {
      failing = true;
      override async complete(completions: LedgerCompletion[]): Promise<Set<string>> {
        if (this.failing && completions.length > 0) throw new Error('ledger update failed');
        return super.complete(completions);
      }
    }
    const ledger = new FailingLedger(database.pool);
    const client = new ScriptedClient();
    const store = new EventStoreDbEventStore(client.asClient(), ledger, { deadlineMs: 2_000 });
    const batch = batchOf([newStream()]);
    const error = await store.append(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).toMatchObject({ inDoubt: true });
    ledger.failing = false;
    expect(await store.append(batch)).toEqual([expect.objectContaining({ streamRevision: 0n })]);
    expect(client.appended).toEqual([batch[0].streamId]);
    expect(await pendingRows([batch[0].events[0].eventId])).toBe(0);
  });

  it('lets appends in flight finish before it disposes the client on close, and refuses new ones', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((go) => (release = go));
    let entered: () => void = () => undefined;
    const appending = new Promise<void>((go) => (entered = go));
    const { client, store } = storeWith(() => {
      entered();
      return held;
    });
    const inFlight = store.append(batchOf([newStream()]));
    await appending;
    const closing = store.close();
    await expect(store.append(batchOf([newStream()]))).rejects.toThrow(EventStoreUnavailableError);
    expect(client.disposed).toBe(false);
    release();
    await expect(inFlight).resolves.toEqual([expect.objectContaining({ duplicate: false })]);
    await closing;
    expect(client.disposed).toBe(true);
  });

  it('waits for appends in flight at close for at most MAX_CLOSE_WAIT_MS, below the process exit timer, whatever the deadline', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((go) => (release = go));
    let entered: () => void = () => undefined;
    const appending = new Promise<void>((go) => (entered = go));
    const client = new ScriptedClient(() => {
      entered();
      return held;
    });
    const store = new EventStoreDbEventStore(client.asClient(), new PostgresEventIdLedger(database.pool), { deadlineMs: 600_000 });
    const inFlight = store.append(batchOf([newStream()])).catch((e: unknown) => e);
    await appending;
    const started = Date.now();
    await store.close();
    expect(Date.now() - started).toBeLessThan(MAX_CLOSE_WAIT_MS + 2_000);
    expect(client.disposed).toBe(true);
    release();
    await inFlight;
  }, MAX_CLOSE_WAIT_MS + 10_000);

  it('says in health which permission a refused $all read lacks', async () => {
    const client = new ScriptedClient();
    client.readAllError = new AccessDeniedError();
    const store = new EventStoreDbEventStore(client.asClient(), new PostgresEventIdLedger(database.pool));
    expect(await store.health()).toEqual({ status: 'down', detail: expect.stringMatching(/access denied: reading \$all needs an EventStoreDB user in \$ops or \$admins/) });
    await store.close();
  });

  describe('against a server that never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      server = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    });
    afterAll(async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((closed) => server.close(closed));
    });

    it('gives an append up as in doubt at its deadline and abandons its reservation, so the next call recovers it at once', async () => {
      const { port } = server.address() as AddressInfo;
      const client = EventStoreDBClient.connectionString(`esdb://127.0.0.1:${port}?tls=false`);
      const store = new EventStoreDbEventStore(client, new PostgresEventIdLedger(database.pool), { deadlineMs: 300, readDeadlineMs: 300 });
      const batch = batchOf([newStream()]);
      try {
        const error = await store.append(batch).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EventStoreUnavailableError);
        expect(error).toMatchObject({ inDoubt: true });
        const { rows } = await database.pool.query(`select pending, recorded_at = 'epoch' as abandoned from es_event_ids where event_id = $1`, [batch[0].events[0].eventId]);
        expect(rows).toEqual([{ pending: true, abandoned: true }]);
      } finally {
        await store.close();
      }
    });
  });
});

/** Polls `condition` until it holds or `ms` pass (then the test's own assertions tell). */
async function waitFor(condition: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition()) && Date.now() < until) await new Promise((tick) => setTimeout(tick, 10));
}
