import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import { EventStoreDbEventStore, PostgresEventIdLedger, EventStore, PostgresEventStore } from '@tessera/event-store';
import { TesseraConfig, closeDatabase, openDatabase, poolOf, startEmbeddedPostgres, newKey, HealthCheck } from '@tessera/platform';
import { DataSource } from 'typeorm';
import { kafkaHealthCheck } from './kafka-health';
import { ENTITIES, MIGRATIONS } from './migrations';

/** What the process holds open outside Nest: the database, the event store, the admin key. */
export type Runtime = {
  config: TesseraConfig;
  dataSource: DataSource;
  eventStore: EventStore;
  healthChecks: HealthCheck[];
  adminKey: { key: string; source: 'env' | 'file' | 'generated' };
  databaseUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
};

const logger = new Logger('runtime');

export async function startRuntime(config: TesseraConfig): Promise<Runtime> {
  const embedded = config.databaseUrl === undefined ? await startEmbeddedPostgres(config.dataDir, (msg, fields) => logger.log({ msg, ...fields })) : undefined;
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  try {
    const dataSource = await openDatabase(databaseUrl, MIGRATIONS, undefined, ENTITIES);
    const pool = poolOf(dataSource);
    pool.on('error', (error) => logger.warn({ msg: 'idle database connection failed', error: error.message }));
    const eventStore = openEventStore(config, dataSource);
    const healthChecks: HealthCheck[] = [
      { name: 'database', critical: true, check: async () => (await pool.query('select 1'), { status: 'up' }) },
      { name: `eventStore:${eventStore.name}`, critical: true, check: () => eventStore.health() },
      kafkaHealthCheck(config.kafkaBrokers),
    ];
    return {
      config,
      dataSource,
      eventStore,
      healthChecks,
      adminKey: await adminKeyOf(config),
      databaseUrl,
      embedded: embedded !== undefined,
      stop: async () => {
        await eventStore.close();
        await closeDatabase(dataSource);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

function openEventStore(config: TesseraConfig, dataSource: DataSource): EventStore {
  switch (config.eventStore) {
    case 'postgres':
      return new PostgresEventStore(poolOf(dataSource));
    case 'eventstoredb':
      return new EventStoreDbEventStore(EventStoreDBClient.connectionString(config.eventStoreDbUrl!), new PostgresEventIdLedger(poolOf(dataSource)), {
        maxAppendBytes: config.eventStoreDb.maxAppendBytes,
        deadlineMs: config.eventStoreDb.deadlineMs,
        readDeadlineMs: config.eventStoreDb.deadlineMs,
      });
    default: {
      const unreachable: never = config.eventStore;
      return unreachable;
    }
  }
}

/** TESSERA_ADMIN_KEY, else the key saved in the data folder, else a new one saved there (0600). */
async function adminKeyOf(config: TesseraConfig): Promise<Runtime['adminKey']> {
  if (config.adminKey) return { key: config.adminKey, source: 'env' };
  const file = join(config.dataDir, 'admin-key');
  if (existsSync(file)) return { key: (await readFile(file, 'utf8')).trim(), source: 'file' };
  await mkdir(config.dataDir, { recursive: true });
  const key = newKey();
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, source: 'generated' };
}
