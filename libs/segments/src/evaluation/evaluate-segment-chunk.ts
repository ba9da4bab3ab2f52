import { changeCauseKey, MembershipCause } from '@tessera/outbox';
import { SWITCH_LOCK_SQL, schemaName } from '@tessera/projections';
import { PoolClient } from 'pg';
import { compileRule } from '../rules/compile-rule';
import { Rule } from '../rules/segment-rule';
import { ActiveSegment } from '../membership/memberships';

/** The projection whose tables hold memberships; writers serialise with its batches. */
export const MEMBERSHIP_PROJECTION = { name: 'customer-360', schema: 'customer_360' } as const;

export type ChunkResult = { customers: number; lastCustomerId: string | null; entered: number; exited: number };

/**
 * Takes the locks every writer of membership rows holds: the projection switch lock (shared, so
 * a rebuild's swap waits) and the projection checkpoint row (so a projector batch and this chunk
 * never interleave, and outbox `seq` order is commit order for each customer).
 */
export async function lockMemberships(client: PoolClient): Promise<void> {
  await client.query(`select pg_advisory_xact_lock_shared(${SWITCH_LOCK_SQL})`, [MEMBERSHIP_PROJECTION.name]);
  await client.query(`select 1 from ${schemaName(MEMBERSHIP_PROJECTION.schema)}.checkpoint for update`);
}

/**
 * Re-evaluates one segment over the next `limit` customers after `after` (customer id order) in
 * ONE statement, in the caller's transaction (which holds lockMemberships): the rule compiled to
 * parameterised SQL decides membership; entries and exits are recorded with `cause` (backfill or
 * time, and the rule version), member rows follow, and the changes become outbox messages with
 * the same deterministic ids the projector would give them. A null rule (deletion) matches nobody. Members that stay are re-tagged with
 * the segment's current version.
 */
export async function evaluateSegmentChunk(
  client: PoolClient,
  segment: Omit<ActiveSegment, 'rule'> & { rule: Rule | null },
  options: { after: string | null; limit: number; now: number; today: string; cause: MembershipCause; topic: string; publish: boolean },
): Promise<ChunkResult> {
  const s = schemaName(MEMBERSHIP_PROJECTION.schema);
  const at = new Date(options.now).toISOString();
  // A null rule (deletion) matches nobody, so every member exits.
  const compiled = segment.rule === null ? { sql: 'false', params: [] } : compileRule(segment.rule, { now: options.now, today: options.today }, 14);
  const { rows } = await client.query<{ customers: number; last_customer_id: string | null; entered: number; exited: number }>(
    `with chunk as (
       select c.customer_id, c.profile, ${compiled.sql} as hit
       from ${s}.customers c
       where ($3::text is null or c.customer_id > $3::text)
       order by c.customer_id
       limit $4
     ),
     current as (
       select m.customer_id, m.rule_version from ${s}.segment_members m
       where m.segment_id = $1 and m.customer_id in (select customer_id from chunk)
     ),
     changed as (
       select ch.customer_id, ch.profile, case when ch.hit then 'entered' else 'exited' end as kind,
              md5(concat_ws(chr(31), $7::text, ch.customer_id, $1::text, case when ch.hit then 'entered' else 'exited' end, $12::text, $8::text))::uuid as change_id
       from chunk ch left join current cu using (customer_id)
       where ch.hit <> (cu.customer_id is not null)
     ),
     entered as (
       insert into ${s}.segment_members (segment_id, customer_id, rule_version, since, cause)
       select $1, customer_id, $2, $5::timestamptz, $6::jsonb from changed where kind = 'entered'
       returning customer_id
     ),
     exited as (
       delete from ${s}.segment_members m using changed
       where m.segment_id = $1 and m.customer_id = changed.customer_id and changed.kind = 'exited'
       returning m.customer_id
     ),
     retagged as (
       update ${s}.segment_members m set rule_version = $2
       from chunk ch
       where m.segment_id = $1 and m.customer_id = ch.customer_id and ch.hit and m.rule_version <> $2
       returning m.customer_id
     ),
     history as (
       insert into ${s}.segment_changes (customer_id, change_id, segment_id, kind, at, rule_version, cause, recorded_at)
       select customer_id, change_id, $1, kind, $5::timestamptz, $2, $6::jsonb, clock_timestamp() from changed
       on conflict do nothing
       returning customer_id
     ),
     published as (
       insert into outbox.messages (message_id, topic, key, type, payload, at)
       select change_id, $7, customer_id, 'SegmentMembershipChanged',
              json_build_object('messageId', change_id, 'kind', kind, 'customerId', customer_id, 'segmentId', $1::text, 'segmentName', $9::text,
                'ruleVersion', $2::integer, 'at', $11::text, 'cause', $13::json,
                'traits', json_build_object('lifecycleStage', profile->'lifecycleStage', 'valueTier', profile->'valueTier', 'consent', profile->'consent'))::text,
              $5::timestamptz
       from changed where $10::boolean
       order by customer_id
       on conflict (message_id) do nothing
       returning message_id
     )
     select (select count(*) from chunk)::integer as customers,
            (select max(customer_id) from chunk) as last_customer_id,
            (select count(*) from entered)::integer as entered,
            (select count(*) from exited)::integer as exited,
            (select count(*) from retagged)::integer as retagged,
            (select count(*) from history)::integer as history,
            (select count(*) from published)::integer as published`,
    [
      segment.id,
      segment.version,
      options.after,
      options.limit,
      at,
      JSON.stringify(options.cause),
      options.topic,
      changeCauseKey(options.cause, options.now),
      segment.name,
      options.publish,
      // The same values again as text for the message id and payload (one type per parameter).
      at,
      String(segment.version),
      JSON.stringify(options.cause),
      ...compiled.params,
    ],
  );
  const row = rows[0];
  return { customers: row.customers, lastCustomerId: row.last_customer_id, entered: row.entered, exited: row.exited };
}
