import { Logger } from '@nestjs/common';
import { EventStore } from '@tessera/event-store';
import { checkout } from '@tessera/platform/database/checkout';
import { ConflictError } from '@tessera/platform/errors';
import { Pool, PoolClient } from 'pg';
import { BatchApplier, SWITCH_LOCK_SQL } from './batch-applier';
import { Projection, schemaName } from './projection';

export type RebuildProgress = { applied: number; parked: number; total: number | null; startedAt: Date };
export type RebuildResult = RebuildProgress & { finishedAt: Date; position: string | null };

/** `<schema>_next`: where a rebuild writes while queries keep reading the live schema. */
export function shadowSchemaOf(schema: string): string {
  return `${schema}_next`;
}

export class RebuildInProgressError extends ConflictError {
  constructor(name: string) {
    super(`a rebuild of ${name} is already running`);
  }
}

/**
 * Rebuilds a projection from the start of the log into a fresh shadow schema (same tables, no
 * secondary indexes while loading), then swaps it in atomically: the live runner's batches hold
 * the switch lock shared, the swap holds it exclusively, and the runner then finds the shadow's
 * checkpoint in the live schema and follows it. Queries answer from the old tables until the
 * swap commits.
 */
export type RebuildOptions = { batchSize?: number; onProgress?: (progress: RebuildProgress) => void };

/** Rebuilds and waits for the switch. */
export async function rebuildProjection(pool: Pool, store: EventStore, projection: Projection, options: RebuildOptions = {}): Promise<RebuildResult> {
  return (await startRebuild(pool, store, projection, options)).done;
}

/**
 * Takes the projection's rebuild lock (or throws RebuildInProgressError at once), then rebuilds
 * in the background; `done` settles when the new tables are live.
 */
export async function startRebuild(pool: Pool, store: EventStore, projection: Projection, options: RebuildOptions = {}): Promise<{ done: Promise<RebuildResult> }> {
  const { client: lock, release } = await checkout(pool);
  try {
    const { rows } = await lock.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext('tessera.projection.rebuild:' || $1)) as ok`, [projection.name]);
    if (!rows[0].ok) throw new RebuildInProgressError(projection.name);
  } catch (error) {
    release();
    throw error;
  }
  const done = rebuild(lock, store, pool, projection, options).finally(async () => {
    await lock.query(`select pg_advisory_unlock(hashtext('tessera.projection.rebuild:' || $1))`, [projection.name]).catch(() => undefined);
    release();
  });
  return { done };
}

async function rebuild(lock: PoolClient, store: EventStore, pool: Pool, projection: Projection, options: RebuildOptions): Promise<RebuildResult> {
  const logger = new Logger(`Rebuild ${projection.name}`);
  const live = projection.schema;
  const shadow = shadowSchemaOf(live);
  const batchSize = options.batchSize ?? 2_000;
  const { indexes, tables } = await createShadow(lock, live, shadow);
  const total = store.countAfter ? await store.countAfter(undefined, Number.MAX_SAFE_INTEGER) : null;
  const progress: RebuildProgress = { applied: 0, parked: 0, total, startedAt: new Date() };
  logger.log({ message: 'rebuild started', projection: projection.name, shadow, events: total });
  const applier = new BatchApplier(pool, projection);
  let position: string | null = null;
  const catchUp = async () => {
    for (;;) {
      const events = await store.readAll({ after: position ?? undefined, maxCount: batchSize });
      if (events.length === 0) return;
      const outcome = await applier.apply(events, position, shadow);
      position = outcome.position;
      progress.applied += outcome.applied;
      progress.parked += outcome.parked.length;
      options.onProgress?.(progress);
    }
  };
  await catchUp();
  for (const definition of indexes) await lock.query(definition);
  for (const table of tables) await lock.query(`analyze ${schemaName(shadow)}."${table}"`);
  await catchUp();
  await swap(lock, projection.name, live, shadow);
  await dropSchema(lock, `${live}_old`);
  const result = { ...progress, finishedAt: new Date(), position };
  logger.log({ message: 'rebuild switched in', projection: projection.name, applied: result.applied, parked: result.parked, seconds: (result.finishedAt.getTime() - result.startedAt.getTime()) / 1000 });
  return result;
}

/** Creates the shadow schema as a copy of the live tables' shape; returns the deferred index DDL. */
async function createShadow(client: PoolClient, live: string, shadow: string): Promise<{ indexes: string[]; tables: string[] }> {
  await dropSchema(client, shadow);
  await client.query(`create schema ${schemaName(shadow)}`);
  const { rows: tables } = await client.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = $1 order by tablename`, [live]);
  for (const { name } of tables) {
    await client.query(`create table ${schemaName(shadow)}."${name}" (like ${schemaName(live)}."${name}" including all)`);
  }
  await client.query(`insert into ${schemaName(shadow)}.checkpoint (id) values (true)`);
  // Secondary indexes are built once at the end: maintaining them row by row slows the load.
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `select i.relname as name, pg_get_indexdef(x.indexrelid) as definition
     from pg_index x join pg_class i on i.oid = x.indexrelid join pg_namespace n on n.oid = i.relnamespace
     where n.nspname = $1 and not x.indisunique`,
    [shadow],
  );
  for (const { name } of indexes) await client.query(`drop index ${schemaName(shadow)}."${name}"`);
  return { indexes: indexes.map((i) => i.definition), tables: tables.map((t) => t.name) };
}

async function swap(client: PoolClient, name: string, live: string, shadow: string): Promise<void> {
  await client.query('begin');
  try {
    await client.query(`set local lock_timeout = '30s'`);
    await client.query(`select pg_advisory_xact_lock(${SWITCH_LOCK_SQL})`, [name]);
    await dropSchema(client, `${live}_old`);
    await client.query(`alter schema ${schemaName(live)} rename to ${schemaName(`${live}_old`)}`);
    await client.query(`alter schema ${schemaName(shadow)} rename to ${schemaName(live)}`);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

async function dropSchema(client: PoolClient, schema: string): Promise<void> {
  await client.query(`drop schema if exists ${schemaName(schema)} cascade`);
}
