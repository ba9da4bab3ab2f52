import { loadConfig } from '@tessera/platform';
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Customer360Projector } from '@tessera/customers';
import { checkpointOf, readModelSnapshot, waitForCheckpoint } from '@tessera/customers/testing';
import { generateHistories } from '@tessera/demo-data';
import { PostgresEventStore } from '@tessera/event-store';
import { prepareAppends } from '@tessera/ingestion';
import { rebuildProjection } from '@tessera/projections';
import { createTestDatabase, TestDatabase } from '../support/database';

jest.setTimeout(180_000);

const MAIN = resolve(__dirname, '../../dist/apps/tessera/src/main.js');

/**
 * Exactly-once under hard kills (DESIGN §1): the real deployable runs the projector role and is
 * killed with SIGKILL at random moments while events keep arriving; after a restart the read
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
    const batches = [...generateHistories({ seed: 7, customers: 300, now })];
    let appended = 0;
    let last = '';
    const writer = (async () => {
      for (let i = 0; i < batches.length; i += 10) {
        const prepared = prepareAppends(batches.slice(i, i + 10).flat(), { now, currency: 'CNY' }, true);
        if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors.slice(0, 3)));
        const results = await store.append(prepared.appends);
        const stored = results.filter((r) => !r.duplicate);
        appended += stored.length;
        last = results.at(-1)!.position;
        await new Promise((done) => setTimeout(done, 150));
      }
    })();

    let kills = 0;
    let killedMidway = 0;
    for (; kills < 6; kills += 1) {
      const child = startProjector();
      await new Promise((done) => setTimeout(done, 400 + Math.random() * 1_200));
      child.kill('SIGKILL');
      await exited(child);
      const { position, eventsApplied } = await checkpointOf(database.pool);
      const behind = await store.readAll({ after: position ?? undefined, maxCount: 1 });
      if (eventsApplied > 0 && behind.length > 0) killedMidway += 1;
    }
    await writer;
    const survivor = startProjector();
    try {
      await waitForCheckpoint(database.pool, last, 120_000);
    } finally {
      survivor.kill('SIGTERM');
      await exited(survivor);
    }

    expect(killedMidway).toBeGreaterThan(0);
    expect((await checkpointOf(database.pool)).eventsApplied).toBe(appended);
    const afterKills = await readModelSnapshot(database.pool);
    expect(afterKills.customers).toHaveLength(300);
    await rebuildProjection(database.pool, store, new Customer360Projector(loadConfig({})));
    expect(await readModelSnapshot(database.pool)).toEqual(afterKills);
  });
});
