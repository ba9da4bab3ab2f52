import { Pool } from 'pg';
import { settlesWithin } from '../pause';
import { DataSource, EntitySchema, MigrationInterface } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

const MIGRATION_LOCK = 7_400_001;

export type MigrationClass = new () => MigrationInterface;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityClass = Function | EntitySchema;

/**
 * One TypeORM DataSource per process; its pg Pool is shared with the raw-SQL hot paths
 * (the event store), so the process holds one set of connections.
 */
export function createDataSource(url: string, migrations: MigrationClass[], poolSize = 20, entities: EntityClass[] = []): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations,
    entities,
    migrationsTableName: 'tessera_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    // Connections are kept (min, a minute idle): opening one costs a backend fork and a SCRAM
    // handshake, which a burst of requests should not pay.
    extra: { max: poolSize, min: Math.min(4, poolSize), idleTimeoutMillis: 60_000, connectionTimeoutMillis: 5_000, application_name: 'tessera' },
  });
}

export async function openDatabase(url: string, migrations: MigrationClass[], poolSize?: number, entities: EntityClass[] = []): Promise<DataSource> {
  const dataSource = createDataSource(url, migrations, poolSize, entities);
  await dataSource.initialize();
  // Several instances may start at once: one migrates, the others wait for it.
  const lock = await poolOf(dataSource).connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations();
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    lock.release();
  }
  return dataSource;
}

export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}

/**
 * Closes the pool and waits until every connection has really gone: pg-pool's end() resolves
 * as soon as it has asked its clients to end, and stopping the database right then would cut
 * connections still saying goodbye.
 */
export async function closeDatabase(dataSource: DataSource, timeoutMs = 5_000): Promise<void> {
  const pool = poolOf(dataSource);
  let open = pool.totalCount;
  const gone = new Promise<void>((done) => {
    if (open === 0) done();
    pool.on('remove', () => --open <= 0 && done());
  });
  await dataSource.destroy();
  await settlesWithin(gone, timeoutMs);
}
