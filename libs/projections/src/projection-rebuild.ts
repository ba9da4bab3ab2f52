import { Logger } from '@nestjs/common';
import { EventStore } from '@tessera/event-store';
import { checkout, ConflictError } from '@tessera/platform';
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
export type RebuildOptions = {
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /**
   * Rebuild to the head of the log instead of to the live copy's checkpoint, and switch without
   * meeting it: for a projection no runner applies (the benchmark). Side effects of the events
   * past the live checkpoint are then never published.
   */
  toHead?: boolean;
};

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
    const unlocked = await lock.query(`select pg_advisory_unlock(hashtext('tessera.projection.rebuild:' || $1))`, [projection.name]).then(() => true, () => false);
    await release(!unlocked);
  });
  return { done };
}

/** How often the copy tries to meet the live checkpoint before the rebuild gives up. */
const SWAP_ATTEMPTS = 100;

async function rebuild(lock: PoolClient, store: EventStore, pool: Pool, projection: Projection, options: RebuildOptions): Promise<RebuildResult> {
  const logger = new Logger(`Rebuild ${projection.name}`);
  const live = projection.schema;
  const shadow = shadowSchemaOf(live);
  const batchSize = options.batchSize ?? 2_000;
  await refuseOutsideDependents(lock, live);
  const { indexes, tables } = await createShadow(lock, live, shadow);
  try {
    const total = store.countAfter ? await store.countAfter(undefined, Number.MAX_SAFE_INTEGER) : null;
    const progress: RebuildProgress = { applied: 0, parked: 0, total, startedAt: new Date() };
    logger.log({ message: 'rebuild started', projection: projection.name, shadow, events: total });
    const applier = new BatchApplier(pool, projection);
    let position: string | null = null;
    // Up to the live copy's checkpoint, never past it: the live projection is what published the
    // side effects (outbox messages) of the events it applied, and the copy publishes none. The
    // swap happens when both stand at the same position, so after it the live runner goes on
    // from exactly where the published history ends — nothing published twice, nothing skipped.
    const catchUp = async (until: string | null | undefined) => {
      while (position !== until) {
        const read = await store.readAll({ after: position ?? undefined, maxCount: batchSize });
        const end = read.findIndex((e) => e.position === until);
        const events = end < 0 ? read : read.slice(0, end + 1);
        if (events.length === 0) return;
        const outcome = await applier.apply(events, position, shadow);
        position = outcome.position;
        progress.applied += outcome.applied;
        progress.parked += outcome.parked.length;
        options.onProgress?.(progress);
      }
    };
    const liveCheckpoint = async (): Promise<string | null | undefined> =>
      options.toHead ? undefined : ((await pool.query<{ position: string | null }>(`select position from ${schemaName(live)}.checkpoint`)).rows[0]?.position ?? null);
    await catchUp(await liveCheckpoint());
    for (const definition of indexes) await lock.query(definition);
    for (const table of tables) await lock.query(`analyze ${schemaName(shadow)}."${table}"`);
    for (let attempt = 1; ; attempt += 1) {
      await catchUp(await liveCheckpoint());
      if (await swap(lock, projection.name, live, shadow, options.toHead ? undefined : position)) break;
      if (attempt >= SWAP_ATTEMPTS) throw new Error(`the rebuilt copy could not meet the live projection's checkpoint in ${SWAP_ATTEMPTS} attempts; try again when ingestion is calmer`);
    }
    const result = { ...progress, finishedAt: new Date(), position };
    logger.log({ message: 'rebuild switched in', projection: projection.name, applied: result.applied, parked: result.parked, seconds: (result.finishedAt.getTime() - result.startedAt.getTime()) / 1000 });
    await dropOld(lock, `${live}_old`, logger);
    await projection.afterRebuild?.().catch((error: unknown) => logger.error({ message: 'work after the rebuild failed', projection: projection.name, error: error instanceof Error ? error.message : String(error) }));
    return result;
  } catch (error) {
    // A failed rebuild leaves no shadow behind (other instances would report it as running).
    await dropSchema(lock, shadow).catch(() => undefined);
    throw error;
  }
}

/**
 * Views or foreign keys of other schemas on the live tables would follow them into `_old` at the
 * swap and be dropped with it: refuse the rebuild instead, and name them.
 */
async function refuseOutsideDependents(client: PoolClient, live: string): Promise<void> {
  const { rows } = await client.query<{ dependent: string }>(
    `select distinct coalesce(dn.nspname || '.' || dc.relname, d.classid::regclass::text) as dependent
     from pg_depend d
     join pg_class t on t.oid = d.refobjid and d.refclassid = 'pg_class'::regclass
     join pg_namespace tn on tn.oid = t.relnamespace and tn.nspname = $1
     left join pg_rewrite r on d.classid = 'pg_rewrite'::regclass and r.oid = d.objid
     left join pg_class dc on dc.oid = coalesce(r.ev_class, case when d.classid = 'pg_class'::regclass then d.objid end)
     left join pg_namespace dn on dn.oid = dc.relnamespace
     where d.deptype = 'n' and dn.nspname is not null and dn.nspname <> $1`,
    [live],
  );
  if (rows.length > 0) {
    throw new ConflictError(`objects outside ${live} depend on its tables and would be lost at the swap: ${rows.map((r) => r.dependent).join(', ')}; drop them (and recreate after the rebuild) or point them at a view of your own`);
  }
}

/**
 * Creates the shadow schema with the live tables' shape, constraint and index names, and grants.
 * Secondary indexes are returned to be built once at the end: maintaining them row by row slows
 * the load.
 */
async function createShadow(client: PoolClient, live: string, shadow: string): Promise<{ indexes: string[]; tables: string[] }> {
  const [from, to] = [schemaName(live), schemaName(shadow)];
  await dropSchema(client, shadow);
  await client.query(`create schema ${to}`);
  const { rows: tables } = await client.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = $1 order by tablename`, [live]);
  for (const { name } of tables) {
    await client.query(`create table ${to}."${name}" (like ${from}."${name}" including defaults including constraints including generated including identity including storage including comments)`);
  }
  // Primary keys and unique constraints now (upserts need them), under their live names.
  const { rows: constraints } = await client.query<{ tablename: string; name: string; definition: string }>(
    `select t.relname as tablename, c.conname as name, pg_get_constraintdef(c.oid) as definition
     from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
     where n.nspname = $1 and c.contype in ('p', 'u')`,
    [live],
  );
  for (const c of constraints) await client.query(`alter table ${to}."${c.tablename}" add constraint "${c.name}" ${c.definition}`);
  await copyGrants(client, live, shadow);
  await client.query(`insert into ${to}.checkpoint (id) values (true)`);
  const { rows: indexes } = await client.query<{ definition: string }>(
    `select pg_get_indexdef(x.indexrelid) as definition
     from pg_index x join pg_class i on i.oid = x.indexrelid join pg_namespace n on n.oid = i.relnamespace
     where n.nspname = $1 and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`,
    [live],
  );
  // pg_get_indexdef names the table as "<live>.<table>": the same index, on the shadow's table.
  return { indexes: indexes.map((i) => i.definition.replace(` ON ${live}.`, ` ON ${shadow}.`)), tables: tables.map((t) => t.name) };
}

/** Analysts' roles keep their privileges on the schema and its tables across a rebuild. */
async function copyGrants(client: PoolClient, live: string, shadow: string): Promise<void> {
  const { rows } = await client.query<{ sql: string }>(
    `select format('grant %s on schema %I to %s', a.privilege_type, $2::text, case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end) as sql
     from pg_namespace n, aclexplode(n.nspacl) a where n.nspname = $1 and a.grantee <> n.nspowner
     union all
     select format('grant %s on %I.%I to %s', a.privilege_type, $2::text, c.relname, case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end)
     from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a
     where n.nspname = $1 and c.relkind = 'r' and a.grantee <> c.relowner`,
    [live, shadow],
  );
  for (const { sql } of rows) await client.query(sql);
}

/**
 * Switches the copy in, under the exclusive switch lock (no live batch runs meanwhile), if the
 * live checkpoint still equals the copy's (`position`; undefined: switch regardless); false
 * (nothing changed) when the live one moved on.
 */
async function swap(client: PoolClient, name: string, live: string, shadow: string, position: string | null | undefined): Promise<boolean> {
  await client.query('begin');
  try {
    await client.query(`set local lock_timeout = '30s'`);
    await client.query(`select pg_advisory_xact_lock(${SWITCH_LOCK_SQL})`, [name]);
    const { rows } = await client.query<{ position: string | null }>(`select position from ${schemaName(live)}.checkpoint`);
    if (position !== undefined && (rows[0]?.position ?? null) !== position) {
      await client.query('rollback');
      return false;
    }
    await dropSchema(client, `${live}_old`);
    await client.query(`alter schema ${schemaName(live)} rename to ${schemaName(`${live}_old`)}`);
    await client.query(`alter schema ${schemaName(shadow)} rename to ${schemaName(live)}`);
    await client.query('commit');
    return true;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

/** The old tables go once no query reads them; a session holding them only delays the drop. */
async function dropOld(client: PoolClient, schema: string, logger: Logger): Promise<void> {
  try {
    await client.query(`set lock_timeout = '10s'`);
    await dropSchema(client, schema);
  } catch (error) {
    logger.warn({ message: 'the old tables are still in use; the next rebuild drops them', schema, error: error instanceof Error ? error.message : String(error) });
  } finally {
    await client.query(`set lock_timeout = 0`).catch(() => undefined);
  }
}

async function dropSchema(client: PoolClient, schema: string): Promise<void> {
  await client.query(`drop schema if exists ${schemaName(schema)} cascade`);
}
