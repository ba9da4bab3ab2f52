import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The PostgreSQL event store: streams, events, and the eventId ledger both adapters use.
 *
 * Ordering. `$all` is read in (transaction_id, global_position) order, and only rows whose
 * transaction is older than every transaction still in flight (`pg_snapshot_xmin`) are read, so a
 * reader never passes a row that a slow transaction will commit later (DESIGN §10, emmett #336).
 * Appends take per-stream advisory locks BEFORE their first write, so the transaction id (assigned
 * at the first write) of a later append to a stream is always greater: a stream's revisions
 * appear in `$all` in revision order.
 *
 * `es_append` does one whole append (many streams, many events) in one round trip:
 *   1. eventIds already in the ledger with another content hash -> returns them as conflicts and
 *      writes nothing;
 *   2. locks the streams that get new events, checks expected revisions (raises TS409);
 *   3. inserts the new events and their ledger rows; answers duplicates from the ledger.
 * p_expected per event: -1 any, -2 no_stream, >= 0 exact revision (all events of one stream
 * carry the same value).
 */
export class EventStore1764000000000 implements MigrationInterface {
  name = 'EventStore1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table es_streams (
        stream_id text primary key,
        revision bigint not null
      )`);
    await q.query(`
      create table es_events (
        transaction_id xid8 not null default pg_current_xact_id(),
        global_position bigserial not null,
        stream_id text not null,
        stream_revision bigint not null,
        event_id uuid not null,
        type text not null,
        occurred_at text not null,
        channel text not null,
        data jsonb not null,
        metadata jsonb not null,
        recorded_at timestamptz not null default now(),
        primary key (transaction_id, global_position)
      )`);
    await q.query(`create unique index es_events_stream on es_events (stream_id, stream_revision)`);
    await q.query(`
      create table es_event_ids (
        event_id uuid primary key,
        content_hash text not null,
        stream_id text not null,
        stream_revision bigint,
        position text,
        pending boolean not null default false,
        recorded_at timestamptz not null default now()
      )`);
    await q.query(`comment on table es_event_ids is
      'eventId ledger (DESIGN §11): eventId -> content hash, stream, revision, position. pending = reserved by the EventStoreDB adapter, append not yet confirmed.'`);
    await q.query(APPEND_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function if exists es_append`);
    await q.query(`drop table if exists es_event_ids`);
    await q.query(`drop table if exists es_events`);
    await q.query(`drop table if exists es_streams`);
  }
}

export const APPEND_FUNCTION = `
create or replace function es_append(
  p_stream_ids text[], p_expected bigint[], p_event_ids uuid[], p_types text[], p_occurred text[],
  p_channels text[], p_data jsonb[], p_metadata jsonb[], p_hashes text[])
returns table (idx int, stream_revision bigint, event_position text, duplicate boolean, conflict boolean)
language plpgsql as $fn$
declare
  v_plan record;
  v_rows int;
  v_actual bigint;
  v_streams text[] := '{}';
  v_last bigint[] := '{}';
  v_counts bigint[] := '{}';
begin
  -- 1. same eventId, other content: answer the conflicts and write nothing
  return query
    select u.i::int, null::bigint, null::text, false, true
    from unnest(p_event_ids, p_hashes) with ordinality as u(event_id, hash, i)
    join es_event_ids l on l.event_id = u.event_id
    where l.content_hash <> u.hash;
  if found then
    return;
  end if;

  -- 2. lock every stream that gets a new event, in lock-key order (no deadlocks), before any write
  perform pg_advisory_xact_lock(k.key)
  from (
    select distinct hashtextextended(u.stream_id, 0) as key
    from unnest(p_stream_ids, p_event_ids) as u(stream_id, event_id)
    where not exists (select 1 from es_event_ids l where l.event_id = u.event_id)
    order by 1
  ) k;

  -- 3. revision plan per stream: how many new events, expected revision checks
  for v_plan in
    select f.stream_id, min(f.expected) as expected, count(*) as n
    from (
      select distinct on (u.event_id) u.stream_id, u.expected, u.event_id
      from unnest(p_stream_ids, p_expected, p_event_ids) with ordinality as u(stream_id, expected, event_id, i)
      where not exists (select 1 from es_event_ids l where l.event_id = u.event_id)
      order by u.event_id, u.i
    ) f
    group by f.stream_id
    order by f.stream_id
  loop
    if v_plan.expected = -1 then
      insert into es_streams as s (stream_id, revision) values (v_plan.stream_id, v_plan.n - 1)
      on conflict (stream_id) do update set revision = s.revision + v_plan.n
      returning s.revision into v_actual;
    elsif v_plan.expected = -2 then
      insert into es_streams (stream_id, revision) values (v_plan.stream_id, v_plan.n - 1)
      on conflict (stream_id) do nothing
      returning revision into v_actual;
      get diagnostics v_rows = row_count;
      if v_rows = 0 then
        select s.revision into v_actual from es_streams s where s.stream_id = v_plan.stream_id;
        raise exception 'wrong expected revision' using errcode = 'TS409',
          detail = json_build_object('streamId', v_plan.stream_id, 'expected', 'no_stream', 'actual', v_actual)::text;
      end if;
    else
      update es_streams s set revision = s.revision + v_plan.n
      where s.stream_id = v_plan.stream_id and s.revision = v_plan.expected
      returning s.revision into v_actual;
      get diagnostics v_rows = row_count;
      if v_rows = 0 then
        select s.revision into v_actual from es_streams s where s.stream_id = v_plan.stream_id;
        raise exception 'wrong expected revision' using errcode = 'TS409',
          detail = json_build_object('streamId', v_plan.stream_id, 'expected', v_plan.expected, 'actual', v_actual)::text;
      end if;
    end if;
    v_streams := v_streams || v_plan.stream_id;
    v_last := v_last || v_actual;
    v_counts := v_counts || v_plan.n;
  end loop;

  -- 4. insert the new events and their ledger rows; answer every input in order
  return query
  with input as (
    select u.*, row_number() over (partition by u.event_id order by u.i) as occurrence
    from unnest(p_stream_ids, p_event_ids, p_types, p_occurred, p_channels, p_data, p_metadata, p_hashes)
      with ordinality as u(stream_id, event_id, type, occurred_at, channel, data, metadata, hash, i)
  ),
  fresh as (
    select input.*, row_number() over (partition by input.stream_id order by input.i) as k
    from input
    where input.occurrence = 1
      and not exists (select 1 from es_event_ids l where l.event_id = input.event_id)
  ),
  plan as (
    select * from unnest(v_streams, v_last, v_counts) as p(stream_id, last_revision, n)
  ),
  inserted as (
    insert into es_events (stream_id, stream_revision, event_id, type, occurred_at, channel, data, metadata)
    select f.stream_id, p.last_revision - p.n + f.k, f.event_id, f.type, f.occurred_at, f.channel, f.data, f.metadata
    from fresh f join plan p on p.stream_id = f.stream_id
    order by f.i
    returning es_events.event_id, es_events.stream_id, es_events.stream_revision,
      es_events.transaction_id::text || '-' || es_events.global_position::text as position
  ),
  ledgered as (
    insert into es_event_ids (event_id, content_hash, stream_id, stream_revision, position)
    select ins.event_id, f.hash, ins.stream_id, ins.stream_revision, ins.position
    from inserted ins join fresh f on f.event_id = ins.event_id
    returning es_event_ids.event_id, es_event_ids.stream_revision, es_event_ids.position
  )
  select input.i::int,
    coalesce(ld.stream_revision, l.stream_revision),
    coalesce(ld.position, l.position),
    ld.event_id is null or input.occurrence > 1,
    false
  from input
  left join ledgered ld on ld.event_id = input.event_id
  left join es_event_ids l on l.event_id = input.event_id
  order by input.i;
end
$fn$`;
