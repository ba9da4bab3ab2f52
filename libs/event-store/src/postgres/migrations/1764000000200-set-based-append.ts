import { MigrationInterface, QueryRunner } from 'typeorm';
import { APPEND_FUNCTION as PREVIOUS_APPEND_FUNCTION } from './1764000000000-event-store';

/**
 * A faster `es_append`, same contract as 1764000000000. Measured on 500-event batches it took
 * 37 ms against 6.5 ms for a bare multi-row insert: the ledger insert joined two CTEs that the
 * planner estimated at one row each (a 250,000-comparison nested loop), the answer hashed the
 * whole ledger, and every `any` stream was upserted by its own statement. Now:
 *   - the eventIds stored before are looked up once, by index, and conflicts found among them;
 *   - expected revisions are checked in one statement, not a loop per stream;
 *   - a stream's current revision is read from its last event under the stream's advisory lock,
 *     so the `es_streams` table (one more row write per stream) is gone;
 *   - new events get their revision and global position once, in one CTE that both the event
 *     insert and the ledger insert read, so nothing joins the inserted rows back.
 * Ordering is unchanged: stream advisory locks are still taken before the first write.
 */
export class SetBasedAppend1764000000200 implements MigrationInterface {
  name = 'SetBasedAppend1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_FUNCTION);
    await q.query('drop table es_streams');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`create table es_streams (stream_id text primary key, revision bigint not null)`);
    await q.query(`insert into es_streams select stream_id, max(stream_revision) from es_events group by stream_id`);
    await q.query(PREVIOUS_APPEND_FUNCTION);
  }
}

const APPEND_FUNCTION = `
create or replace function es_append(
  p_stream_ids text[], p_expected bigint[], p_event_ids uuid[], p_types text[], p_occurred text[],
  p_channels text[], p_data jsonb[], p_metadata jsonb[], p_hashes text[])
returns table (idx int, stream_revision bigint, event_position text, duplicate boolean, conflict boolean)
language plpgsql as $fn$
declare
  v_known uuid[];
  v_known_hashes text[];
  v_known_revisions bigint[];
  v_known_positions text[];
  v_streams text[];
  v_last bigint[];
  v_bad_stream text;
  v_bad_expected bigint;
  v_bad_current bigint;
begin
  -- 1. the eventIds stored before, looked up once; one with other content is a conflict: answer
  --    the conflicts and write nothing
  select coalesce(array_agg(l.event_id), '{}'), coalesce(array_agg(l.content_hash), '{}'),
    coalesce(array_agg(l.stream_revision), '{}'), coalesce(array_agg(l.position), '{}')
  into v_known, v_known_hashes, v_known_revisions, v_known_positions
  from es_event_ids l where l.event_id = any(p_event_ids);
  if cardinality(v_known) > 0 then
    return query
      select u.i::int, null::bigint, null::text, false, true
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

  -- 4. number the new events once; the event and ledger inserts both read that
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
    insert into es_events (global_position, stream_id, stream_revision, event_id, type, occurred_at, channel, data, metadata)
    select n.global_position, n.stream_id, n.revision, n.event_id, n.type, n.occurred_at, n.channel, n.data, n.metadata
    from numbered n
  ),
  ledgered as (
    insert into es_event_ids (event_id, content_hash, stream_id, stream_revision, position)
    select n.event_id, n.hash, n.stream_id, n.revision, pg_current_xact_id()::text || '-' || n.global_position::text
    from numbered n
  )
  select input.i::int,
    coalesce(n.revision, k.stream_revision),
    coalesce(pg_current_xact_id()::text || '-' || n.global_position::text, k.position),
    n.event_id is null or input.occurrence > 1,
    false
  from input
  left join numbered n on n.event_id = input.event_id
  left join unnest(v_known, v_known_revisions, v_known_positions) as k(event_id, stream_revision, position) on k.event_id = input.event_id
  order by input.i;
end
$fn$`;
