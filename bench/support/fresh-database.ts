import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@tessera/platform';
import { Client } from 'pg';

/** A fresh database: on DATABASE_URL's server, or an embedded PostgreSQL in a temp folder. */
export async function freshDatabase(label: string, log: (line: string) => void): Promise<{ url: string; stop(): Promise<void> }> {
  if (!process.env.DATABASE_URL) {
    const dir = await mkdtemp(join(tmpdir(), `tessera-bench-${label}-`));
    log(`starting an embedded PostgreSQL in ${dir} (fsync on)`);
    return startEmbeddedPostgres(dir, (msg) => log(msg));
  }
  const name = `tessera_bench_${label}_${Date.now()}`;
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  log(`fresh database ${name} on DATABASE_URL`);
  return {
    url: url.toString(),
    stop: async () => {
      const dropper = new Client({ connectionString: process.env.DATABASE_URL });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}
