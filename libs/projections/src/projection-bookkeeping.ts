import { schemaName } from './projection';

type Queryable = { query(sql: string, params?: unknown[]): Promise<unknown> };

/**
 * The runner's own tables inside a projection schema: the checkpoint (one row, moved only by
 * compare-and-set) and the parked events. Called by each projection's migration.
 */
export async function createBookkeeping(q: Queryable, schema: string): Promise<void> {
  const s = schemaName(schema);
  await q.query(`
    create table ${s}.checkpoint (
      id boolean primary key default true check (id),
      position text,
      events_applied bigint not null default 0,
      last_recorded_at timestamptz,
      updated_at timestamptz not null default now()
    )`);
  await q.query(`insert into ${s}.checkpoint (id) values (true)`);
  await q.query(`
    create table ${s}.parked_events (
      event_id uuid primary key,
      position text not null,
      stream_id text not null,
      type text not null,
      error text not null,
      parked_at timestamptz not null default now()
    )`);
}
