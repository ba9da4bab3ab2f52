import { loadConfig } from '@tessera/platform';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ANY, EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { GenericContainer, StartedTestContainer, Wait } from 'testcontainers';
import { TestDatabase, createTestDatabase } from '../../../../test/support/database';
import { AppendTooLargeError, EventStoreUnavailableError, anyRevision, noStream } from '../event-store.port';
import { PostgresEventIdLedger } from '../ledger/event-id-ledger';
import { eventStoreContract, newEvent, newStream } from '../testing/event-store-contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { Customer360Projector } from '@tessera/customers';
import { readModelSnapshot, waitForCheckpoint, appendsOf, customerHistory } from '@tessera/customers/testing';
import { rebuildProjection, ProjectionRunner } from '@tessera/projections';

/**
 * EventStoreDB from EVENTSTOREDB_URL, else a testcontainers EventStoreDB when Docker answers,
 * else the suite is skipped with one loud line (DESIGN §9: the only skip CI tolerates).
 */
type Source = { kind: 'url'; url: string } | { kind: 'docker' } | { kind: 'none' };
type Server = { url: string; stop(): Promise<void> };
type Opened = { store: EventStoreDbEventStore; client: EventStoreDBClient; database: TestDatabase; close(): Promise<void> };

const IMAGE = 'eventstore/eventstore:24.10';
const HTTP_PORT = 2113;

const source = findSource();

if (source.kind === 'none') {
  // Straight to stderr: Jest's reporter drops console output of a file whose tests were all skipped.
  process.stderr.write('SKIPPED: EventStoreDB contract suite — no EVENTSTOREDB_URL and no Docker engine; the adapter was NOT verified in this run\n');
  describe.skip('EventStoreDB event store', () => {
    it('needs EVENTSTOREDB_URL or a Docker engine', () => undefined);
  });
} else {
  describe('EventStoreDB event store', () => {
    let server: Server;

    beforeAll(async () => {
      server = await startServer(source);
      await waitUntilWritable(server.url);
    }, 180_000);
    afterAll(async () => server?.stop());

    eventStoreContract('eventstoredb', async () => {
      const { store, close } = await openStore(server.url);
      return { store, close };
    });

    describe('customer 360 projection over EventStoreDB (the runner works with both adapters)', () => {
      it('projects a history read from $all, and a rebuild gives the same read models', async () => {
        const opened = await openStore(server.url);
        try {
          const customerId = `esdb-${randomUUID()}`;
          const results = await opened.store.append(appendsOf(customerHistory(customerId, Date.now())));
          const projector = new Customer360Projector(loadConfig({}));
          const runner = new ProjectionRunner(projector, opened.database.pool, opened.store, { batchSize: 100, idleMs: 20, lease: false, leaseRetryMs: 500 });
          runner.start();
          try {
            await waitForCheckpoint(opened.database.pool, results[results.length - 1].position);
          } finally {
            await runner.stop();
          }
          const { rows } = await opened.database.pool.query(`select profile from customer_360.customers where customer_id = $1`, [customerId]);
          expect(rows[0].profile).toMatchObject({ orderCount: 2, netSpend: 209_000, lifecycleStage: 'active', valueTier: 'medium' });
          const projected = await readModelSnapshot(opened.database.pool);
          await rebuildProjection(opened.database.pool, opened.store, projector);
          expect(await readModelSnapshot(opened.database.pool)).toEqual(projected);
        } finally {
          await opened.close();
        }
      }, 120_000);
    });

    describe('adapter specifics', () => {
      let opened: Opened;

      beforeAll(async () => {
        opened = await openStore(server.url);
      });
      afterAll(async () => opened?.close());

      it('keeps occurredAt, channel and the client metadata in the EventStoreDB metadata, correlation ids also as $correlationId/$causationId', async () => {
        const stream = newStream();
        const event = newEvent('ComplaintFiled', { complaintId: 'k1', category: 'delivery', severity: 'high' }, { correlationId: 'corr-1', causationId: 'cause-1', source: 'crm' });
        await opened.store.append([{ streamId: stream, expectedRevision: noStream, events: [event] }]);
        const raw: unknown[] = [];
        for await (const resolved of opened.client.readStream(stream, { maxCount: 1 })) raw.push(resolved.event?.metadata);
        expect(raw[0]).toEqual({
          occurredAt: event.occurredAt,
          channel: event.channel,
          metadata: event.metadata,
          $correlationId: 'corr-1',
          $causationId: 'cause-1',
        });
      });

      it('answers each event of a multi-event append with the position $all reports for it', async () => {
        const stream = newStream();
        const results = await opened.store.append([
          { streamId: stream, expectedRevision: noStream, events: [1, 2, 3].map((i) => newEvent('PageViewed', { url: `/${i}` })) },
        ]);
        const read = await opened.store.readStream(stream, { direction: 'forwards', maxCount: 10 });
        expect(read.map((e) => e.position)).toEqual(results.map((r) => r.position));
        const fromAll = await opened.store.readAll({ after: results[0].position, maxCount: 1_000 });
        expect(fromAll.filter((e) => e.streamId === stream).map((e) => e.position)).toEqual(results.slice(1).map((r) => r.position));
      });

      it('leaves system events out of readAll', async () => {
        const before = await opened.store.append([{ streamId: newStream(), expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/' })] }]);
        // An ordinary stream (a `$` stream needs admin rights) with a `$` event type, like the server's own.
        await opened.client.appendToStream(`tessera-check-${randomUUID()}`, [jsonEvent({ type: '$check', data: {} })], { expectedRevision: ANY });
        const after = await opened.store.readAll({ after: before[0].position, maxCount: 1_000 });
        expect(after.filter((e) => e.type.startsWith('$') || e.streamId.startsWith('$'))).toEqual([]);
      });

      it('recovers an append that reached EventStoreDB but not the ledger completion', async () => {
        const stream = newStream();
        const event = newEvent('OrderPlaced', { orderId: 'o-1', total: 100, currency: 'CNY' });
        const [first] = await opened.store.append([{ streamId: stream, expectedRevision: noStream, events: [event] }]);
        await opened.database.pool.query(
          `update es_event_ids set pending = true, stream_revision = null, position = null, recorded_at = 'epoch' where event_id = $1`,
          [event.eventId],
        );
        const [again] = await opened.store.append([{ streamId: stream, expectedRevision: noStream, events: [event] }]);
        expect(again).toEqual({ ...first, duplicate: true });
        expect(await opened.store.readStream(stream, { direction: 'forwards', maxCount: 10 })).toHaveLength(1);
        const ledger = await opened.database.pool.query(`select pending, position from es_event_ids where event_id = $1`, [event.eventId]);
        expect(ledger.rows).toEqual([{ pending: false, position: first.position }]);
      });

      it('appends an event whose abandoned reservation never reached EventStoreDB', async () => {
        const stream = newStream();
        const event = newEvent('OrderPaid', { orderId: 'o-2', amount: 100, currency: 'CNY' });
        await opened.database.pool.query(
          `insert into es_event_ids (event_id, content_hash, stream_id, pending, recorded_at) values ($1, $2, $3, true, 'epoch')`,
          [event.eventId, event.contentHash, stream],
        );
        const [result] = await opened.store.append([{ streamId: stream, expectedRevision: noStream, events: [event] }]);
        expect(result).toMatchObject({ streamRevision: 0n, duplicate: false });
      });

      it('splits a stream of events larger than one append (3 MiB) and stores them all, in order', async () => {
        const stream = newStream();
        const events = Array.from({ length: 30 }, (_, i) => newEvent('PageViewed', { url: `/${i}`, note: 'x'.repeat(100_000) }));
        const results = await opened.store.append([{ streamId: stream, expectedRevision: anyRevision, events }]);
        expect(results.map((r) => r.streamRevision)).toEqual(events.map((_, i) => BigInt(i)));
        const read = await opened.store.readStream(stream, { direction: 'forwards', maxCount: 100 });
        expect(read.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
      });

      it('refuses an event larger than one append with 413 before reserving it', async () => {
        const event = newEvent('PageViewed', { url: '/', note: 'x'.repeat(1_100_000) });
        await expect(opened.store.append([{ streamId: newStream(), expectedRevision: anyRevision, events: [event] }])).rejects.toBeInstanceOf(AppendTooLargeError);
        const { rows } = await opened.database.pool.query(`select 1 from es_event_ids where event_id = $1`, [event.eventId]);
        expect(rows).toEqual([]);
      });

      it('appends a multi-stream call in input order, so $all shows the request order', async () => {
        const [a, b] = [newStream(), newStream()];
        const results = await opened.store.append([
          { streamId: a, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/1' })] },
          { streamId: b, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/2' })] },
          { streamId: a, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/3' })] },
        ]);
        expect([...results.map((r) => r.position)].sort()).toEqual(results.map((r) => r.position));
      });

      it('reports health up, and down with EventStoreUnavailableError for an unreachable server', async () => {
        expect(await opened.store.health()).toEqual({ status: 'up' });
        const unreachable = new EventStoreDbEventStore(EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false'), new PostgresEventIdLedger(opened.database.pool));
        try {
          expect((await unreachable.health()).status).toBe('down');
          await expect(unreachable.readAll({ maxCount: 1 })).rejects.toBeInstanceOf(EventStoreUnavailableError);
        } finally {
          await unreachable.close();
        }
      });
    });
  });
}

async function openStore(url: string): Promise<Opened> {
  const database = await createTestDatabase('esdb_contract');
  const client = EventStoreDBClient.connectionString(url);
  const store = new EventStoreDbEventStore(client, new PostgresEventIdLedger(database.pool), { pollIntervalMs: 20 });
  return {
    store,
    client,
    database,
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
}

function findSource(): Source {
  const url = process.env.EVENTSTOREDB_URL;
  if (url) return { kind: 'url', url };
  return dockerAnswers() ? { kind: 'docker' } : { kind: 'none' };
}

/**
 * Jest collects describe blocks synchronously, so the (asynchronous) testcontainers probe runs in
 * a child process: `getContainerRuntimeClient()` in a try/catch, answering 0 (Docker answers) or
 * 3 (it does not). A probe that breaks in any other way fails the suite rather than skipping it.
 */
function dockerAnswers(): boolean {
  const probe = `
    const { getContainerRuntimeClient } = require(process.argv[1]);
    (async () => {
      try { await getContainerRuntimeClient(); process.exit(0); } catch { process.exit(3); }
    })();`;
  const result = spawnSync(process.execPath, ['-e', probe, require.resolve('testcontainers')], { encoding: 'utf8', timeout: 30_000 });
  if (result.status === 0) return true;
  if (result.status === 3 || result.signal !== null) return false;
  throw new Error(`the Docker probe failed (exit ${result.status}): ${result.stderr}`);
}

async function startServer(from: Exclude<Source, { kind: 'none' }>): Promise<Server> {
  if (from.kind === 'url') return { url: from.url, stop: async () => undefined };
  const container: StartedTestContainer = await new GenericContainer(IMAGE)
    .withEnvironment({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_RUN_PROJECTIONS: 'None', EVENTSTORE_MEM_DB: 'true', EVENTSTORE_CLUSTER_SIZE: '1' })
    .withExposedPorts(HTTP_PORT)
    .withWaitStrategy(Wait.forHttp('/health/live', HTTP_PORT).forStatusCodeMatching((status) => status >= 200 && status < 300))
    .withStartupTimeout(120_000)
    .start();
  return {
    url: `esdb://${container.getHost()}:${container.getMappedPort(HTTP_PORT)}?tls=false`,
    stop: async () => void (await container.stop()),
  };
}

/** A live node may still be electing itself leader: retry a write until it is taken. */
async function waitUntilWritable(url: string): Promise<void> {
  const client = EventStoreDBClient.connectionString(url);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        await client.appendToStream(`tessera-probe-${randomUUID()}`, [jsonEvent({ type: 'TesseraProbe', data: {} })], { expectedRevision: ANY });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`EventStoreDB at ${url} did not accept a write within 60 s: ${String(error)}`, { cause: error });
        await new Promise((retry) => setTimeout(retry, 250));
      }
    }
  } finally {
    await client.dispose();
  }
}
