import { createHash } from 'node:crypto';
import { PoolClient } from 'pg';

/** What marketing may know about the customer at the position of the change (DESIGN §7, §11). */
export type Traits = {
  lifecycleStage: string;
  valueTier: string;
  consent: Record<string, boolean>;
};

/** Why a membership changed: an event, a backfill of a rule version, time passing, or deletion. */
export type MembershipCause =
  | { kind: 'event'; eventId: string; eventType: string; position: string }
  | { kind: 'backfill' | 'time' | 'deleted'; ruleVersion: number };

export type LifecycleCause =
  | { kind: 'event'; eventId: string; eventType: string; position: string }
  | { kind: 'time'; basedOn: { eventId: string; position: string } };

/** A row for `outbox.messages`: the payload is stored as the exact bytes that will be published. */
export type OutboxMessage = {
  messageId: string;
  topic: string;
  key: string;
  type: 'SegmentMembershipChanged' | 'LifecycleStageChanged';
  payload: string;
  at: string;
};

export const SCHEMA_VERSION = '1';

/**
 * A deterministic id: the same change (topic, customer, segment or stage, kind, rule version and
 * cause) always gets the same id, so a restart or a rebuild re-sends the id consumers already saw.
 * md5 only spreads the bits; it guards nothing.
 */
export function messageIdOf(...parts: (string | number)[]): string {
  const hex = createHash('md5').update(parts.join('\u001f')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function causeKey(cause: MembershipCause | LifecycleCause): string {
  if (cause.kind === 'event') return `event:${cause.position}`;
  if ('basedOn' in cause) return `time:${cause.basedOn.position}`;
  return `${cause.kind}:${cause.ruleVersion}`;
}

export type MembershipChange = {
  customerId: string;
  segmentId: string;
  segmentName: string;
  kind: 'entered' | 'exited';
  ruleVersion: number;
  at: number;
  cause: MembershipCause;
};

/** The cause part of a change id; a time pass is identified by its instant too (one per pass). */
export function changeCauseKey(cause: MembershipCause, at: number): string {
  return cause.kind === 'time' ? `${causeKey(cause)}@${new Date(at).toISOString()}` : causeKey(cause);
}

export function membershipChangeId(topic: string, change: Omit<MembershipChange, 'segmentName'>): string {
  return messageIdOf(topic, change.customerId, change.segmentId, change.kind, change.ruleVersion, changeCauseKey(change.cause, change.at));
}

export function segmentMembershipMessage(topic: string, change: MembershipChange, traits: Traits): OutboxMessage {
  const messageId = membershipChangeId(topic, change);
  const at = new Date(change.at).toISOString();
  const payload = {
    messageId,
    kind: change.kind,
    customerId: change.customerId,
    segmentId: change.segmentId,
    segmentName: change.segmentName,
    ruleVersion: change.ruleVersion,
    at,
    cause: change.cause,
    traits,
  };
  return { messageId, topic, key: change.customerId, type: 'SegmentMembershipChanged', payload: JSON.stringify(payload), at };
}

export type StageChange = { customerId: string; from: string | null; to: string; at: number; cause: LifecycleCause };

export function lifecycleStageMessage(topic: string, change: StageChange, traits: Traits): OutboxMessage {
  const messageId = messageIdOf(topic, change.customerId, change.from ?? '', change.to, change.at, causeKey(change.cause));
  const at = new Date(change.at).toISOString();
  const payload = { messageId, customerId: change.customerId, from: change.from, to: change.to, at, cause: change.cause, traits };
  return { messageId, topic, key: change.customerId, type: 'LifecycleStageChanged', payload: JSON.stringify(payload), at };
}

/**
 * Inserts messages in the caller's transaction, in the given order (the relay publishes in `seq`
 * order). A message already waiting with the same id is kept as it is.
 */
export async function insertOutbox(client: PoolClient, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `insert into outbox.messages (message_id, topic, key, type, payload, at)
     select message_id, topic, key, type, payload, at
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) with ordinality as m (message_id, topic, key, type, payload, at, n)
     order by n
     on conflict (message_id) do nothing`,
    [messages.map((m) => m.messageId), messages.map((m) => m.topic), messages.map((m) => m.key), messages.map((m) => m.type), messages.map((m) => m.payload), messages.map((m) => m.at)],
  );
}
