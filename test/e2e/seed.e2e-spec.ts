import { freshNamespace, seed } from '@tessera/demo-data';
import { DEMO_CUSTOMERS, loadDemo } from '../../apps/tessera/src/demo';
import { createTestDatabase, TestDatabase } from '../support/database';
import { makeTempDir, removeTempDir } from '../support/temp-dirs';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';

/**
 * `npm start -- --demo` then `npm run seed` (twice, same --seed): each seed run writes into a
 * fresh namespace, so none is refused with 409 and no two generated people share a customer id.
 */
describe('seeding beside the demo set', () => {
  let database: TestDatabase;
  let app: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('tessera-e2e-work-');
    database = await createTestDatabase('seed_e2e');
    app = await startTestApp(database.url);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    if (dataDir) await removeTempDir(dataDir);
  });

  const streams = async () =>
    (
      await database.pool.query<{ stream_id: string; registrations: number }>(
        `select stream_id, count(*) filter (where type = 'CustomerRegistered')::int as registrations from es_events group by stream_id`,
      )
    ).rows;

  it('adds every run as new customers: no 409, counts add up, nobody merged', async () => {
    await loadDemo(app.url, ADMIN_KEY, dataDir);
    expect(await streams()).toHaveLength(DEMO_CUSTOMERS);

    const runs = [];
    for (let run = 0; run < 2; run += 1) {
      runs.push(await seed({ url: app.url, key: ADMIN_KEY, customers: 30, namespace: freshNamespace(), seed: 42 }));
    }
    expect(runs.map((r) => [r.customers, r.duplicates])).toEqual([
      [30, 0],
      [30, 0],
    ]);
    const after = await streams();
    expect(after).toHaveLength(DEMO_CUSTOMERS + 60);
    expect(after.filter((s) => s.registrations > 1)).toEqual([]);
    const stored = await database.pool.query<{ n: number }>('select count(*)::int as n from es_events');
    const [demoEvents] = (await database.pool.query<{ n: number }>(`select count(*)::int as n from es_events where stream_id like 'customer-c-%'`)).rows;
    expect(stored.rows[0].n).toBe(demoEvents.n + runs[0].events + runs[1].events);
  });
});
