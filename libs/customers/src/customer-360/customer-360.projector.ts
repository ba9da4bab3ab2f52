import { Inject, Injectable, Optional } from '@nestjs/common';
import { customerIdOf } from '@tessera/catalog';
import { RecordedEvent } from '@tessera/event-store';
import { TESSERA_CONFIG, TesseraConfig, DerivationRules, topicsFor } from '@tessera/platform';
import { ApplyContext, ApplyResult, observeStage, ParkedEvent, Projection, ProjectionProvider, schemaName, stage } from '@tessera/projections';
import { PoolClient } from 'pg';
import { CustomerState, emptyState, evolve, FoldEvent, surveyKey } from './customer-state';
import { deriveCustomer, DerivedCustomer } from './customer-profile';
import { complaintRow, chatRow, orderRow, surveyRow, transitionRows } from './read-model-rows';
import {
  insertOutbox,
  lifecycleStageMessage,
  MembershipCause,
  membershipChangeId,
  MembershipChange,
  OutboxMessage,
  segmentMembershipMessage,
  Traits,
} from '@tessera/outbox';
import {
  ActiveSegment,
  builtInMemberships,
  customMemberships,
  loadActiveSegments,
  loadCustomMemberships,
  membershipChanges,
  writeMembershipChanges,
  SegmentsService,
} from '@tessera/segments';
import { daysToBirthday } from './birthday';

const COUNTED_TYPES = new Set(['ProductViewed', 'CartItemAdded']);
const CUSTOMER_STREAM = 'customer-';

/** The facts of a batch touched, per customer: only their rows are rewritten. */
type Touched = {
  state: CustomerState;
  existed: boolean;
  changed: boolean;
  digest: string | null;
  /** Built-in segments before this batch. */
  segments: string[];
  /** The customer's events of this batch as folded, in log order: the causes of its segment changes. */
  steps: { event: RecordedEvent; fold: FoldEvent }[];
  /** The state before the batch, kept (live only) when the batch has several events of the customer. */
  before: CustomerState | null;
  orders: Set<string>;
  surveys: Set<string>;
  complaints: Set<string>;
  chats: Set<string>;
};

export const CUSTOMER_360 = 'customer-360';
export const CUSTOMER_360_SCHEMA = 'customer_360';

/**
 * Folds each batch into per-customer states, derives the profile, orders, lifecycle history and
 * satisfaction facts, and writes the customers it touched with one statement per table.
 */
@Injectable()
@ProjectionProvider()
export class Customer360Projector implements Projection {
  readonly name = CUSTOMER_360;
  readonly schema = CUSTOMER_360_SCHEMA;

  private readonly topics: ReturnType<typeof topicsFor>;

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: Pick<TesseraConfig, 'timezone' | 'rules' | 'topicPrefix' | 'publishWindowMs'>,
    @Optional() private readonly segments?: SegmentsService,
  ) {
    this.topics = topicsFor(config.topicPrefix);
  }

  /** Backfills, time passes and deletions that ran during a rebuild wrote to the old copy: redo them. */
  async afterRebuild(): Promise<void> {
    await this.segments?.reconcile();
  }

  async apply(events: readonly RecordedEvent[], { client, schema, now }: ApplyContext): Promise<ApplyResult> {
    const s = schemaName(schema);
    const ours = events.filter((e) => e.streamId.startsWith(CUSTOMER_STREAM));
    if (ours.length === 0) return { parked: [] };
    const counted = await stage(this.name, 'ledger', () => this.countOnce(client, s, ours));
    const touched = await stage(this.name, 'load', () => this.load(client, s, [...new Set(ours.map((e) => customerIdOf(e.streamId)))]));
    const foldStarted = performance.now();
    const publish = schema === this.schema;
    if (publish) {
      const perCustomer = new Map<string, number>();
      for (const e of ours) perCustomer.set(customerIdOf(e.streamId), (perCustomer.get(customerIdOf(e.streamId)) ?? 0) + 1);
      for (const [id, t] of touched) if ((perCustomer.get(id) ?? 0) > 1) t.before = structuredClone(t.state);
    }
    const parked: ParkedEvent[] = [];
    for (const event of ours) {
      const customer = touched.get(customerIdOf(event.streamId))!;
      try {
        // The ledger answered "first time" once per eventId; a repeat in this batch is not.
        const fold = toFoldEvent(event, !COUNTED_TYPES.has(event.type) || counted.delete(event.eventId));
        evolve(customer.state, fold);
        remember(customer, event);
        customer.steps.push({ event, fold });
        customer.changed = true;
      } catch (error) {
        parked.push({ event, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
    }
    observeStage(this.name, 'fold', (performance.now() - foldStarted) / 1000);
    await this.write(client, s, new Map([...touched].filter(([, t]) => t.changed)), now.getTime(), { publish });
    return { parked };
  }

  /**
   * Re-derives customers as of `now` (the scheduler: stages and tiers that time alone moves). A
   * customer whose derivation fails is skipped and looked at again a day later, so one bad row
   * cannot stop every pass; it is returned in `failed`.
   */
  async reevaluate(client: PoolClient, schema: string, customerIds: string[], now: Date): Promise<{ customers: number; stageChanges: number; failed: { customerId: string; error: string }[] }> {
    const s = schemaName(schema);
    const touched = await this.load(client, s, customerIds);
    const failed: { customerId: string; error: string }[] = [];
    const before = new Map([...touched].map(([id, t]) => [id, t.digest]));
    const written = await this.write(client, s, touched, now.getTime(), {
      publish: schema === this.schema,
      skip: (customerId, error) => failed.push({ customerId, error: error instanceof Error ? error.message : String(error) }),
    });
    if (failed.length > 0) {
      await client.query(`update ${s}.customers set next_review_at = $2::timestamptz + interval '1 day' where customer_id = any($1::text[])`, [failed.map((f) => f.customerId), now]);
    }
    let stageChanges = 0;
    for (const [id, derived] of written) if (before.get(id) !== digestOf(derived)) stageChanges += 1;
    return { customers: written.size, stageChanges, failed };
  }

  /**
   * Gives each change of a customer with several events in the batch the event from which it
   * held to the end of the batch (not merely the last event), by folding the events again one at
   * a time. The cause, its `at` and so the message id then do not depend on batch boundaries.
   * Live batches only: a rebuild's large batches would pay a derivation per event.
   */
  private attribute(changes: MembershipChange[], before: CustomerState, steps: Touched['steps'], segments: ActiveSegment[], now: number): MembershipChange[] {
    const state = structuredClone(before);
    const after: Set<string>[] = [];
    try {
      for (const step of steps) {
        evolve(state, step.fold);
        const p = deriveCustomer(state, now, this.config.rules).profile;
        const view = { ...p, daysToBirthday: p.birthday ? daysToBirthday(p.birthday, now, this.config.timezone) : null };
        after.push(new Set([...p.segments, ...customMemberships(view, segments, now).keys()]));
      }
    } catch {
      return changes; // an intermediate state that cannot be derived: keep the batch's last event
    }
    return changes.map((change) => {
      const member = change.kind === 'entered';
      let from = after.length - 1;
      while (from > 0 && after[from - 1].has(change.segmentId) === member) from -= 1;
      const event = steps[from].event;
      return { ...change, at: eventAt(event, now), cause: eventCause(event) };
    });
  }

  /** Views and cart adds count once per eventId, whatever the log re-delivers. */
  private async countOnce(client: PoolClient, s: string, events: readonly RecordedEvent[]): Promise<Set<string>> {
    const ids = [...new Set(events.filter((e) => COUNTED_TYPES.has(e.type)).map((e) => e.eventId))];
    if (ids.length === 0) return new Set();
    const { rows } = await client.query<{ event_id: string }>(
      `insert into ${s}.counted_events (event_id) select unnest($1::uuid[]) on conflict do nothing returning event_id`,
      [ids],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  private async load(client: PoolClient, s: string, customerIds: string[]): Promise<Map<string, Touched>> {
    const { rows } = await client.query<{ customer_id: string; state: CustomerState; transitions_digest: string; segments: string[] }>(
      `select customer_id, state, transitions_digest, segments from ${s}.customers where customer_id = any($1::text[]) order by customer_id for update`,
      [customerIds],
    );
    const found = new Map(rows.map((r) => [r.customer_id, r]));
    const touched = new Map<string, Touched>();
    for (const id of customerIds) {
      const row = found.get(id);
      touched.set(id, { state: row?.state ?? emptyState(id), existed: row !== undefined, changed: false, digest: row?.transitions_digest ?? null, segments: row?.segments ?? [], steps: [], before: null, orders: new Set(), surveys: new Set(), complaints: new Set(), chats: new Set() });
    }
    return touched;
  }

  /**
   * Derives and writes the touched customers, their segment memberships and, when `publish` (the
   * live schema, not a rebuild's shadow), the outbox messages of changes inside the publish window.
   * `skip` (scheduler only) sets aside a customer whose derivation throws instead of failing all.
   */
  private async write(
    client: PoolClient,
    s: string,
    touched: Map<string, Touched>,
    now: number,
    { publish, skip }: { publish: boolean; skip?: (customerId: string, error: unknown) => void },
  ): Promise<Map<string, DerivedCustomer>> {
    const rules: DerivationRules = this.config.rules;
    const tz = this.config.timezone;
    const derived = new Map<string, DerivedCustomer>();
    const customers: unknown[] = [];
    const orders: unknown[] = [];
    const surveys: unknown[] = [];
    const complaints: unknown[] = [];
    const chats: unknown[] = [];
    const replacedHistories: string[] = [];
    const transitions: unknown[] = [];
    const { segments, customBefore } = await stage(this.name, 'memberships-load', async () => ({
      segments: await loadActiveSegments(client),
      customBefore: await loadCustomMemberships(client, s, [...touched.keys()]),
    }));
    const names = new Map(segments.map((segment) => [segment.id, segment.name]));
    const deriveStarted = performance.now();
    let attributing = 0;
    const changes: MembershipChange[] = [];
    const outbox: OutboxMessage[] = [];
    const publishedSince = now - this.config.publishWindowMs;
    for (const [id, t] of touched) {
      let d: DerivedCustomer;
      try {
        d = deriveCustomer(t.state, now, rules);
      } catch (error) {
        if (!skip) throw error;
        skip(id, error);
        continue;
      }
      derived.set(id, d);
      const digest = digestOf(d);
      const p = d.profile;
      customers.push({
        customer_id: id,
        state: t.state,
        profile: p,
        transitions_digest: digest,
        name: p.name,
        phone: p.phone,
        email: p.email,
        lifecycle_stage: p.lifecycleStage,
        value_tier: p.valueTier,
        membership_tier: p.membershipTier,
        tags: p.tags,
        interests: p.interests,
        segments: p.segments,
        net_spend_365d: p.netSpend365d,
        last_seen_at: p.lastSeenAt,
        registered_at: p.registeredAt,
        birth_month: p.birthday?.month ?? null,
        birth_day: p.birthday?.day ?? null,
        next_review_at: d.nextReviewAt === null ? null : new Date(d.nextReviewAt).toISOString(),
      });
      if (digest !== t.digest) {
        if (t.existed) replacedHistories.push(id);
        transitions.push(...transitionRows(id, d.transitions));
      }
      const traits: Traits = { lifecycleStage: p.lifecycleStage, valueTier: p.valueTier, consent: p.consent };
      const event = t.steps.at(-1)?.event;
      const at = event ? eventAt(event, now) : now;
      const cause = (ruleVersion: number): MembershipCause => (event ? eventCause(event) : { kind: 'time', ruleVersion });
      const view = { ...p, daysToBirthday: p.birthday ? daysToBirthday(p.birthday, now, tz) : null };
      let customerChanges = [
        ...membershipChanges(id, builtInMemberships(t.segments), builtInMemberships(p.segments), { at, nameOf: (segmentId) => segmentId, cause }),
        ...membershipChanges(id, activeOnly(customBefore.get(id), names), customMemberships(view, segments, now), { at, nameOf: (segmentId) => names.get(segmentId)!, cause }),
      ];
      if (t.before && t.steps.length > 1 && customerChanges.length > 0) {
        const attributeStarted = performance.now();
        customerChanges = this.attribute(customerChanges, t.before, t.steps, segments, now);
        attributing += performance.now() - attributeStarted;
      }
      changes.push(...customerChanges);
      if (publish) {
        for (const transition of newTransitions(t.digest, d)) {
          if (transition.at >= publishedSince) outbox.push(lifecycleStageMessage(this.topics.lifecycleStage, { customerId: id, ...transition }, traits));
        }
        for (const change of customerChanges) {
          if (change.at >= publishedSince) outbox.push(segmentMembershipMessage(this.topics.segmentMembership, change, traits));
        }
      }
      for (const orderId of t.orders) orders.push(orderRow(id, orderId, t.state.orders[orderId]));
      for (const key of t.surveys) surveys.push(surveyRow(id, key, t.state.surveys[key], tz));
      for (const complaintId of t.complaints) complaints.push(complaintRow(id, complaintId, t.state.complaints[complaintId], tz));
      for (const chatId of t.chats) chats.push(chatRow(id, chatId, t.state.chats[chatId], tz));
    }
    observeStage(this.name, 'derive', (performance.now() - deriveStarted - attributing) / 1000);
    if (attributing > 0) observeStage(this.name, 'attribute', attributing / 1000);
    await stage(this.name, 'write-customers', () => client.query(
      `insert into ${s}.customers (customer_id, state, profile, transitions_digest, name, phone, email, lifecycle_stage, value_tier, membership_tier,
         tags, interests, segments, net_spend_365d, last_seen_at, registered_at, birth_month, birth_day, next_review_at, updated_at)
       select customer_id, state, profile, transitions_digest, name, phone, email, lifecycle_stage, value_tier, membership_tier,
         array(select jsonb_array_elements_text(tags)), array(select jsonb_array_elements_text(interests)), array(select jsonb_array_elements_text(segments)),
         net_spend_365d, last_seen_at, registered_at, birth_month, birth_day, next_review_at, now()
       from json_to_recordset($1::json) as r(customer_id text, state json, profile json, transitions_digest text, name text, phone text, email text,
         lifecycle_stage text, value_tier text, membership_tier text, tags jsonb, interests jsonb, segments jsonb, net_spend_365d bigint,
         last_seen_at timestamptz, registered_at timestamptz, birth_month smallint, birth_day smallint, next_review_at timestamptz)
       on conflict (customer_id) do update set state = excluded.state, profile = excluded.profile, transitions_digest = excluded.transitions_digest,
         name = excluded.name, phone = excluded.phone, email = excluded.email, lifecycle_stage = excluded.lifecycle_stage, value_tier = excluded.value_tier,
         membership_tier = excluded.membership_tier, tags = excluded.tags, interests = excluded.interests, segments = excluded.segments,
         net_spend_365d = excluded.net_spend_365d, last_seen_at = excluded.last_seen_at, registered_at = excluded.registered_at,
         birth_month = excluded.birth_month, birth_day = excluded.birth_day, next_review_at = excluded.next_review_at, updated_at = now()`,
      [JSON.stringify(customers)],
    ));
    await stage(this.name, 'write-transitions', async () => {
      if (replacedHistories.length > 0) await client.query(`delete from ${s}.lifecycle_transitions where customer_id = any($1::text[])`, [replacedHistories]);
      if (transitions.length === 0) return;
      await client.query(
        `insert into ${s}.lifecycle_transitions (customer_id, seq, from_stage, to_stage, at, cause)
         select customer_id, seq, from_stage, to_stage, at, cause
         from json_to_recordset($1::json) as r(customer_id text, seq integer, from_stage text, to_stage text, at timestamptz, cause jsonb)`,
        [JSON.stringify(transitions)],
      );
    });
    await stage(this.name, 'write-memberships', () => writeMembershipChanges(client, s, changes, (change) => membershipChangeId(this.topics.segmentMembership, change)));
    await stage(this.name, 'write-outbox', () => insertOutbox(client, outbox));
    await stage(this.name, 'write-facts', () => this.writeFacts(client, s, orders, surveys, complaints, chats));
    return derived;
  }

  /** The orders, surveys, complaints and chats the batch touched, one upsert per table. */
  private async writeFacts(client: PoolClient, s: string, orders: unknown[], surveys: unknown[], complaints: unknown[], chats: unknown[]): Promise<void> {
    await upsert(client, `${s}.orders`, ['customer_id', 'order_id'], orders, {
      status: 'text', total: 'bigint', currency: 'text', refunded: 'bigint', items: 'jsonb', history: 'jsonb', channel: 'text', placed_at: 'timestamptz',
    }, 'updated_at');
    await upsert(client, `${s}.surveys`, ['customer_id', 'survey_key'], surveys, { kind: 'text', score: 'smallint', channel: 'text', answered_at: 'timestamptz', day: 'date' });
    await upsert(client, `${s}.complaints`, ['customer_id', 'complaint_id'], complaints, {
      category: 'text', severity: 'text', filed_at: 'timestamptz', filed_channel: 'text', filed_day: 'date',
      resolved_at: 'timestamptz', resolved_channel: 'text', resolved_day: 'date', resolution_hours: 'numeric',
    });
    await upsert(client, `${s}.chats`, ['customer_id', 'chat_id'], chats, {
      started_at: 'timestamptz', started_channel: 'text', started_day: 'date', ended_at: 'timestamptz', ended_channel: 'text', ended_day: 'date', resolved: 'boolean',
    });
  }
}

/** Rows of one table upserted by primary key from a JSON array, in one statement. */
async function upsert(client: PoolClient, table: string, keys: [string, string], rows: unknown[], columns: Record<string, string>, touchedAt?: string): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns);
  const all = [...keys, ...names];
  const definition = [...keys.map((k) => `${k} text`), ...names.map((n) => `${n} ${columns[n]}`)].join(', ');
  const stamp = touchedAt ? `, ${touchedAt}` : '';
  await client.query(
    `insert into ${table} (${all.join(', ')}${stamp}) select ${all.join(', ')}${touchedAt ? ', now()' : ''} from json_to_recordset($1::json) as r(${definition})
     on conflict (${keys.join(', ')}) do update set ${names.map((n) => `${n} = excluded.${n}`).join(', ')}${touchedAt ? `, ${touchedAt} = now()` : ''}`,
    [JSON.stringify(rows)],
  );
}

export function toFoldEvent(event: RecordedEvent, countable: boolean): FoldEvent {
  return { eventId: event.eventId, position: event.position, type: event.type, at: Date.parse(event.occurredAt), rev: Number(event.streamRevision), channel: event.channel, data: event.data, countable };
}

/** Which read-model rows an event touches besides the customer's own row. */
function remember(customer: Touched, event: RecordedEvent): void {
  const data = event.data;
  if (event.type.startsWith('Order')) customer.orders.add(String(data.orderId));
  else if (event.type === 'SurveyAnswered') customer.surveys.add(surveyKey(String(data.surveyId), data.subjectId == null ? undefined : String(data.subjectId)));
  else if (event.type.startsWith('Complaint')) customer.complaints.add(String(data.complaintId));
  else if (event.type.startsWith('ServiceChat')) customer.chats.add(String(data.chatId));
}

function eventCause(event: RecordedEvent): MembershipCause {
  return { kind: 'event', eventId: event.eventId, eventType: event.type, position: event.position };
}

/** A change caused by an event happened when the event did (never later than now: clock skew). */
function eventAt(event: RecordedEvent, now: number): number {
  return Math.min(Date.parse(event.occurredAt), now);
}

/** Members of segments being deleted are left to the deletion pass, which exits them all. */
function activeOnly(memberships: Map<string, number> | undefined, active: Map<string, string>): Map<string, number> {
  return new Map([...(memberships ?? [])].filter(([segmentId]) => active.has(segmentId)));
}

/** The transitions of `derived` that the history of digest `before` did not have. */
function newTransitions(before: string | null, derived: DerivedCustomer): DerivedCustomer['transitions'] {
  const known = new Set(before ? before.split(',') : []);
  return derived.transitions.filter((t) => !known.has(transitionKey(t)));
}

function transitionKey(t: DerivedCustomer['transitions'][number]): string {
  return `${t.to}@${t.at}:${t.cause.kind === 'event' ? t.cause.eventId : `time/${t.cause.basedOn.eventId}`}`;
}

/** Changes whenever the lifecycle history does; the projector rewrites the history only then. */
function digestOf(derived: DerivedCustomer): string {
  return derived.transitions.map(transitionKey).join(',');
}
