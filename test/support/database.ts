import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { isAlive } from './temp-dirs';

/**
 * Each suite gets its own database, copied from a template the global setup migrated once
 * (test/support/global-setup.ts), so suites run in isolation and in parallel.
 */
export type TestDatabase = { url: string; pool: Pool; drop(): Promise<void> };

export async function createTestDatabase(name: string): Promise<TestDatabase> {
  const adminUrl = requiredEnv('TESSERA_TEST_PG_ADMIN_URL');
  const template = requiredEnv('TESSERA_TEST_PG_TEMPLATE');
  const database = `tessera_test_${name.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, async (admin) => {
    await admin.query(`create database ${database} template ${template}`);
    await admin.query(`comment on database ${database} is '${runComment()}'`);
  });
  const url = withDatabase(adminUrl, database);
  const pool = new Pool({ connectionString: url, max: 10 });
  // dropping the database with (force) ends idle connections; that is not a test failure
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await withAdmin(adminUrl, (admin) => admin.query(`drop database if exists ${database} with (force)`));
    },
  };
}

/**
 * Test databases are labelled with the pid of the run that made them, so a run cleans up only what
 * runs that died left behind, never the databases of a run going on beside it on the same server.
 */
const RUN_LABEL = /^tessera-test-run pid=(\d+)$/;

export function runComment(): string {
  return `tessera-test-run pid=${process.env.TESSERA_TEST_RUN_PID ?? process.pid}`;
}

export async function dropDatabasesOfDeadRuns(admin: Client): Promise<void> {
  const labelled = await admin.query<{ datname: string; label: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as label from pg_database
      where datname like 'tessera\\_test\\_%' or datname like 'tessera\\_template\\_%'`,
  );
  for (const { datname, label } of labelled.rows) {
    const pid = RUN_LABEL.exec(label ?? '')?.[1];
    if (pid !== undefined && isAlive(Number(pid))) continue;
    await admin.query(`drop database if exists ${datname} with (force)`);
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with npm test (test/support/global-setup.ts provisions PostgreSQL)`);
  return value;
}
