import { MigrationInterface, QueryRunner } from 'typeorm';
import { APPEND_FUNCTION as FIRST_APPEND_FUNCTION } from './1764000000000-event-store';

/**
 * The writer of each event (an API key id, or an internal writer such as the Kafka ingest
 * consumer), recorded by `es_append` in the append itself: `es_events.writer`, null for events
 * stored before (the ingestion migration 1764000000720 fills it from its first-writer ledger).
 * With `p_writers_only`, an append whose eventId another writer stored is answered `taken` and
 * writes nothing. Keeping the writer in a ledger of its own cost a second statement and a second
 * random-UUID index per append: a quarter of the batch ingest rate (docs/benchmarks.md).
 * The function's arguments change: instances of the previous version cannot append once this has
 * run, so upgrade across it with every instance stopped.
 */
export class EventWriters1764000000710 implements MigrationInterface {
  name = 'EventWriters1764000000710';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table es_events add column writer text`);
    await q.query(`comment on column es_events.writer is 'Who appended the event: an API key id, internal:<name>, or null when stored before writers were kept.'`);
    await q.query(`drop function if exists es_append(text[], bigint[], uuid[], text[], text[], text[], jsonb[], jsonb[], text[], boolean)`);
    await q.query(APPEND_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function if exists es_append(text[], bigint[], uuid[], text[], text[], text[], jsonb[], jsonb[], text[], boolean, text, boolean)`);
    await q.query(FIRST_APPEND_FUNCTION);
    await q.query(`alter table es_events drop column if exists writer`);
  }
}

const APPEND_FUNCTION = `
create or replace function es_append(
  p_stream_ids text[], p_expected bigint[], p_event_ids uuid[], p_types text[], p_occurred text[],
  p_channels text[], p_data jsonb[], p_metadata jsonb[], p_hashes text[], p_check_ledger boolean,
  p_writer text, p_writers_only boolean)
returns table (idx int, stream_revision bigint, event_position text, duplicate boolean, conflict boolean, taken boolean)
language plpgsql as $fn$
declare
  v_known uuid[];
  v_known_hashes text[];
  v_known_revisions bigint[];
  v_known_positions text[];
  v_known_writers text[];
  v_streams text[];
  v_last bigint[];
  v_bad_stream text;
  v_bad_expected bigint;
  v_bad_current bigint;
begin
  -- 1. the eventIds stored before, looked up once; one with other content is a conflict: answer
  --    the conflicts and write nothing. Without p_check_ledger every id is taken to be new, and
  --    an id stored before fails the unique es_events_event_id, aborting everything: the caller
  --    then calls again with the check (retries are the rare case; the lookup costs every call).
  v_known := '{}';
  if p_check_ledger then
    select coalesce(array_agg(l.event_id), '{}'), coalesce(array_agg(l.content_hash), '{}'),
      coalesce(array_agg(l.stream_revision), '{}'), coalesce(array_agg(l.position), '{}'), coalesce(array_agg(l.writer), '{}')
    into v_known, v_known_hashes, v_known_revisions, v_known_positions, v_known_writers
    from (
      select e.event_id, e.content_hash, e.stream_revision, e.transaction_id::text || '-' || e.global_position::text as position, e.writer
      from es_events e where e.event_id = any(p_event_ids)
    ) l;
  end if;
  -- 1a. with p_writers_only, an eventId another writer (or an unknown one) stored is taken: answer
  --     those and write nothing, before the content is compared, so the answer says nothing of it
  if cardinality(v_known) > 0 and p_writers_only then
    return query
      select u.i::int, null::bigint, null::text, false, false, true
      from unnest(p_event_ids) with ordinality as u(event_id, i)
      join unnest(v_known, v_known_writers) as k(event_id, writer) on k.event_id = u.event_id
      where k.writer is distinct from p_writer;
    if found then
      return;
    end if;
  end if;
  if cardinality(v_known) > 0 then
    return query
      select u.i::int, null::bigint, null::text, false, true, false
      from unnest(p_event_ids, p_hashes) with ordinality as u(event_id, hash, i)
      join unnest(v_known, v_known_hashes) as k(event_id, hash) on k.event_id = u.event_id
      where k.hash <> u.hash;
    if found then
      return;
    end if;
  end if;

  -- 2. lock every stream that gets a new event, in lock-key order (no deadlocks), before any write
  perform pg_advisory_xact_lock(k.key)
  from (
    select distinct hashtextextended(u.stream_id, 0) as key
    from unnest(p_stream_ids, p_event_ids) as u(stream_id, event_id)
    where u.event_id <> all(v_known)
    order by 1
  ) k;

  -- 3. current revisions, read under the stream locks from the events themselves; expected
  --    revisions are checked for every stream that gets a new event
  select coalesce(array_agg(p.stream_id), '{}'), coalesce(array_agg(coalesce(p.current, -1)), '{}'),
    (array_agg(p.stream_id) filter (where p.violated))[1], (array_agg(p.expected) filter (where p.violated))[1],
    (array_agg(p.current) filter (where p.violated))[1]
  into v_streams, v_last, v_bad_stream, v_bad_expected, v_bad_current
  from (
    select g.*, (g.expected = -2 and g.current is not null) or (g.expected >= 0 and g.current is distinct from g.expected) as violated
    from (
      select u.stream_id, min(u.expected) as expected,
        (select max(e.stream_revision) from es_events e where e.stream_id = u.stream_id) as current
      from unnest(p_stream_ids, p_expected, p_event_ids) as u(stream_id, expected, event_id)
      where u.event_id <> all(v_known)
      group by u.stream_id
    ) g
  ) p;
  if v_bad_stream is not null then
    raise exception 'wrong expected revision' using errcode = 'TS409',
      detail = json_build_object('streamId', v_bad_stream, 'expected', v_bad_expected, 'actual', v_bad_current)::text;
  end if;

  -- 4. number the new events once; the insert and the answer both read that
  return query
  with input as (
    select u.*, row_number() over (partition by u.event_id order by u.i) as occurrence
    from unnest(p_stream_ids, p_event_ids, p_types, p_occurred, p_channels, p_data, p_metadata, p_hashes)
      with ordinality as u(stream_id, event_id, type, occurred_at, channel, data, metadata, hash, i)
  ),
  fresh as (
    select input.*,
      row_number() over (partition by input.stream_id order by input.i) as k
    from input
    where input.occurrence = 1 and input.event_id <> all(v_known)
  ),
  numbered as (
    select ordered.*, nextval('es_events_global_position_seq') as global_position
    from (
      select f.*, p.current_revision + f.k as revision
      from fresh f join unnest(v_streams, v_last) as p(stream_id, current_revision) on p.stream_id = f.stream_id
      order by f.i
    ) ordered
  ),
  inserted as (
    insert into es_events (global_position, stream_id, stream_revision, event_id, type, occurred_at, channel, data, metadata, content_hash, writer)
    select n.global_position, n.stream_id, n.revision, n.event_id, n.type, n.occurred_at, n.channel, n.data, n.metadata, n.hash, p_writer
    from numbered n
  )
  select input.i::int,
    coalesce(n.revision, k.stream_revision),
    coalesce(pg_current_xact_id()::text || '-' || n.global_position::text, k.position),
    n.event_id is null or input.occurrence > 1,
    false,
    false
  from input
  left join numbered n on n.event_id = input.event_id
  left join unnest(v_known, v_known_revisions, v_known_positions) as k(event_id, stream_revision, position) on k.event_id = input.event_id
  order by input.i;
end
$fn$`;
