import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';

/**
 * Each suite gets its own database, copied from a template the global setup migrated once
 * (test/support/global-setup.ts), so suites run in isolation and in parallel.
 */
export type TestDatabase = { url: string; pool: Pool; drop(): Promise<void> };

export async function createTestDatabase(name: string): Promise<TestDatabase> {
  const adminUrl = requiredEnv('TESSERA_TEST_PG_ADMIN_URL');
  const template = requiredEnv('TESSERA_TEST_PG_TEMPLATE');
  const database = `tessera_test_${name.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`create database ${database} template ${template}`));
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
