import { loadConfig } from '@tessera/platform';
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Customer360Projector } from '@tessera/customers';
import { checkpointOf, readModelSnapshot, waitForCheckpoint } from '@tessera/customers/testing';
import { EventBody, generateHistories } from '@tessera/demo-data';
import { PostgresEventStore } from '@tessera/event-store';
import { prepareAppends } from '@tessera/ingestion';
import { rebuildProjection } from '@tessera/projections';
import { createTestDatabase, TestDatabase } from '../support/database';
import { CORRECTNESS_DEADLINE_MS, eventually, SLOW_TEST_TIMEOUT_MS } from '../support/eventually';

jest.setTimeout(2 * SLOW_TEST_TIMEOUT_MS);

const KILLS = 6;
/** About 20 events a customer: 75 customers are more than the runner's batch of 1000. */
const PER_ROUND = 100;
const BEFORE_START = 75;
const CUSTOMERS = KILLS * PER_ROUND + 60;

const MAIN = resolve(__dirname, '../../dist/apps/tessera/src/main.js');

/**
 * Exactly-once under hard kills (DESIGN §1): the real deployable runs the projector role and is
 * killed with SIGKILL mid-work (once its checkpoint moved) while events keep arriving; after a restart the read
 * models equal a full rebuild, and every event was applied exactly once.
 */
describe('projector killed with SIGKILL and restarted', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('projector_kill');
  });
  afterAll(async () => database?.drop());

  const startProjector = (): ChildProcess =>
    spawn(process.execPath, [MAIN], {
      env: { ...process.env, DATABASE_URL: database.url, TESSERA_ROLES: 'projector', PORT: '0', HOST: '127.0.0.1', TESSERA_ADMIN_KEY: 'kill-test-admin-key-0123456789', KAFKA_BROKERS: '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const exited = (child: ChildProcess) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));

  it('ends with read models equal to a full rebuild, no event lost and none applied twice', async () => {
    const store = new PostgresEventStore(database.pool);
    const now = new Date();
    const histories = [...generateHistories({ seed: 7, customers: CUSTOMERS, now })];
    let appended = 0;
    let last = '';
    const append = async (customers: EventBody[][]) => {
      for (let i = 0; i < customers.length; i += 10) {
        const prepared = prepareAppends(customers.slice(i, i + 10).flat(), { now, currency: 'CNY' }, true);
        if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors.slice(0, 3)));
        const results = await store.append(prepared.appends);
        appended += results.filter((r) => !r.duplicate).length;
        last = results.at(-1)!.position;
      }
    };

    // Each round gives the projector more than one batch (1000 events) of work before it starts and
    // more while it runs, and kills it once its checkpoint has moved since the restart: on a fast or
    // a slow machine the kill lands after some work and, almost always, before the end of it.
    let killedMidway = 0;
    for (let round = 0; round < KILLS; round += 1) {
      const customers = histories.slice(round * PER_ROUND, (round + 1) * PER_ROUND);
      await append(customers.slice(0, BEFORE_START));
      const before = (await checkpointOf(database.pool)).eventsApplied;
      const child = startProjector();
      const arriving = append(customers.slice(BEFORE_START));
      await eventually(`the projector to apply events after restart ${round}`, async () => (await checkpointOf(database.pool)).eventsApplied > before, CORRECTNESS_DEADLINE_MS, 5);
      child.kill('SIGKILL');
      await exited(child);
      await arriving;
      const { position } = await checkpointOf(database.pool);
      const behind = await store.readAll({ after: position ?? undefined, maxCount: 1 });
      if (behind.length > 0) killedMidway += 1;
    }
    await append(histories.slice(KILLS * PER_ROUND));
    const survivor = startProjector();
    try {
      await waitForCheckpoint(database.pool, last, 2 * CORRECTNESS_DEADLINE_MS);
    } finally {
      survivor.kill('SIGTERM');
      await exited(survivor);
    }

    expect(killedMidway).toBeGreaterThan(0);
    expect((await checkpointOf(database.pool)).eventsApplied).toBe(appended);
    const afterKills = await readModelSnapshot(database.pool);
    expect(afterKills.customers).toHaveLength(CUSTOMERS);
    await rebuildProjection(database.pool, store, new Customer360Projector(loadConfig({})));
    expect(await readModelSnapshot(database.pool)).toEqual(afterKills);
  });
});
