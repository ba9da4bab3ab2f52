import { AddressInfo, Server, Socket, createServer } from 'node:net';
import { EventStoreDBClient } from '@eventstore/db-client';
import { Pool } from 'pg';
import { EventStoreUnavailableError } from '../event-store.port';
import { PostgresEventIdLedger } from '../ledger/event-id-ledger';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/**
 * A stuck server: it accepts TCP connections and never says a word. The real client then waits
 * on a read for ever (it forces `deadline: Infinity` on reads); the store must not.
 */
describe('EventStoreDB reads against a server that never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let client: EventStoreDBClient;
  let store: EventStoreDbEventStore;
  // The ledger is never reached by reads; a pool that is never connected stands for it.
  const pool = new Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });

  beforeAll(async () => {
    server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    client = EventStoreDBClient.connectionString(`esdb://127.0.0.1:${port}?tls=false`);
    store = new EventStoreDbEventStore(client, new PostgresEventIdLedger(pool), { readDeadlineMs: 300, healthTimeoutMs: 300 });
  });

  afterAll(async () => {
    await store.close();
    sockets.forEach((socket) => socket.destroy());
    await new Promise((closed) => server.close(closed));
    await pool.end();
  });

  it('fails readAll with EventStoreUnavailableError once the read deadline passes', async () => {
    const started = Date.now();
    await expect(store.readAll({ maxCount: 10 })).rejects.toThrow(EventStoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails a stream read (what timelines and append recovery use) the same way', async () => {
    await expect(store.readStream('customer-c1', { direction: 'backwards', maxCount: 10 })).rejects.toThrow(/did not answer a read of customer-c1 within 300 ms/);
  });

  it('reports a subscription failure to onError instead of stalling', async () => {
    const errors: unknown[] = [];
    let reported: () => void = () => undefined;
    const failed = new Promise<void>((done) => (reported = done));
    const subscription = store.subscribeToAll(async () => undefined, {
      onError: (error) => {
        errors.push(error);
        reported();
      },
    });
    await failed;
    await subscription.stop();
    expect(errors[0]).toBeInstanceOf(EventStoreUnavailableError);
  });

  it('says down in health', async () => {
    expect(await store.health()).toEqual({ status: 'down', detail: expect.stringMatching(/did not answer the health probe/) });
  });
});

describe('EventStoreDB client settings', () => {
  it('refuses throwOnAppendFailure=false, with which the client reports a made-up revision', async () => {
    const client = EventStoreDBClient.connectionString('esdb://127.0.0.1:2113?tls=false&throwOnAppendFailure=false');
    const pool = new Pool();
    try {
      expect(() => new EventStoreDbEventStore(client, new PostgresEventIdLedger(pool))).toThrow(/throwOnAppendFailure=false/);
    } finally {
      await client.dispose();
      await pool.end();
    }
  });
});
