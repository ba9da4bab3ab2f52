import { MembershipCause, MembershipChange } from '@tessera/outbox';
import { PoolClient } from 'pg';
import { evaluateRule } from '../rules/evaluate-rule';
import { Rule } from '../rules/segment-rule';

/** Built-in segments (DESIGN §5) have ids with a colon and version 1: their rules are code. */
export const BUILT_IN_VERSION = 1;
export const isBuiltIn = (segmentId: string): boolean => segmentId.includes(':');

/** A custom segment as the projector evaluates it. */
export type ActiveSegment = { id: string; name: string; version: number; rule: Rule };

/** segmentId → rule version the customer is a member under. */
export type Memberships = Map<string, number>;

/** The custom segments a profile view (profile + `daysToBirthday`) belongs to at `now`. */
export function customMemberships(view: Record<string, unknown>, segments: readonly ActiveSegment[], now: number): Memberships {
  const members: Memberships = new Map();
  for (const segment of segments) if (evaluateRule(segment.rule, view, now)) members.set(segment.id, segment.version);
  return members;
}

export function builtInMemberships(segmentIds: readonly string[]): Memberships {
  return new Map(segmentIds.map((id) => [id, BUILT_IN_VERSION]));
}

/**
 * Entries and exits between two membership maps, exits first, each in segment id order so the
 * result (and the message order) does not depend on map order. A custom segment the customer
 * stays in under a newer rule version is neither: the backfill of that version re-tags it.
 */
export function membershipChanges(
  customerId: string,
  before: Memberships,
  after: Memberships,
  context: { at: number; nameOf: (segmentId: string) => string; cause: (ruleVersion: number) => MembershipCause },
): MembershipChange[] {
  const change = (segmentId: string, kind: 'entered' | 'exited', ruleVersion: number): MembershipChange => ({
    customerId,
    segmentId,
    segmentName: context.nameOf(segmentId),
    kind,
    ruleVersion,
    at: context.at,
    cause: context.cause(ruleVersion),
  });
  const exited = [...before].filter(([id]) => !after.has(id)).sort(([a], [b]) => (a < b ? -1 : 1));
  const entered = [...after].filter(([id]) => !before.has(id)).sort(([a], [b]) => (a < b ? -1 : 1));
  return [...exited.map(([id, version]) => change(id, 'exited', version)), ...entered.map(([id, version]) => change(id, 'entered', version))];
}

/** The current custom segments, read inside the batch's transaction. */
export async function loadActiveSegments(client: PoolClient): Promise<ActiveSegment[]> {
  const { rows } = await client.query<{ segment_id: string; name: string; version: number; rule: Rule }>(
    `select segment_id, name, version, rule from segments.definitions where deleted_at is null order by segment_id`,
  );
  return rows.map((r) => ({ id: r.segment_id, name: r.name, version: r.version, rule: r.rule }));
}

/** Custom memberships of some customers in the projection schema `s` (quoted). */
export async function loadCustomMemberships(client: PoolClient, s: string, customerIds: readonly string[]): Promise<Map<string, Memberships>> {
  const { rows } = await client.query<{ customer_id: string; segment_id: string; rule_version: number }>(
    `select customer_id, segment_id, rule_version from ${s}.segment_members where customer_id = any($1::text[])`,
    [customerIds],
  );
  const byCustomer = new Map<string, Memberships>();
  for (const r of rows) {
    const members = byCustomer.get(r.customer_id) ?? new Map();
    members.set(r.segment_id, r.rule_version);
    byCustomer.set(r.customer_id, members);
  }
  return byCustomer;
}

/**
 * Records changes in the projection schema `s`: the history row of every change, and the member
 * rows of custom segments (built-in memberships live in `customers.segments`).
 */
export async function writeMembershipChanges(client: PoolClient, s: string, changes: readonly MembershipChange[], changeIdOf: (change: MembershipChange) => string): Promise<void> {
  if (changes.length === 0) return;
  const rows = changes.map((c) => ({
    customer_id: c.customerId,
    change_id: changeIdOf(c),
    segment_id: c.segmentId,
    kind: c.kind,
    at: new Date(c.at).toISOString(),
    rule_version: c.ruleVersion,
    cause: c.cause,
  }));
  await client.query(
    `insert into ${s}.segment_changes (customer_id, change_id, segment_id, kind, at, rule_version, cause, recorded_at)
     select customer_id, change_id, segment_id, kind, at, rule_version, cause, clock_timestamp()
     from json_to_recordset($1::json) as r(customer_id text, change_id uuid, segment_id text, kind text, at timestamptz, rule_version integer, cause jsonb)
     on conflict do nothing`,
    [JSON.stringify(rows)],
  );
  const custom = rows.filter((r) => !isBuiltIn(r.segment_id));
  const exits = custom.filter((r) => r.kind === 'exited');
  if (exits.length > 0) {
    await client.query(`delete from ${s}.segment_members m using unnest($1::text[], $2::text[]) as x (segment_id, customer_id) where m.segment_id = x.segment_id and m.customer_id = x.customer_id`, [
      exits.map((r) => r.segment_id),
      exits.map((r) => r.customer_id),
    ]);
  }
  const entries = custom.filter((r) => r.kind === 'entered');
  if (entries.length > 0) {
    await client.query(
      `insert into ${s}.segment_members (segment_id, customer_id, rule_version, since, cause)
       select segment_id, customer_id, rule_version, at, cause from json_to_recordset($1::json) as r(segment_id text, customer_id text, rule_version integer, at timestamptz, cause jsonb)
       on conflict (segment_id, customer_id) do update set rule_version = excluded.rule_version, since = excluded.since, cause = excluded.cause`,
      [JSON.stringify(entries)],
    );
  }
}
