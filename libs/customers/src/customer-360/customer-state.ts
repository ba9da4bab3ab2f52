import { PoisonEventError } from '@tessera/projections';

/**
 * Everything the customer 360 read models are derived from, folded from one customer's events.
 *
 * Each fact is a last-writer-wins register stamped with (occurredAt, stream revision), keyed by
 * its business key (orderId, complaintId, chatId, surveyId + subjectId, addressId, tag, field).
 * Folding is therefore commutative and idempotent: the same facts in any arrival order, or a fact
 * re-sent under a new eventId, give the same state (DESIGN §2, §11). The only counters — views
 * and cart adds per category — are protected by the projector's counted-event ledger.
 */
export type Stamp = { at: number; rev: number };
export type Reg<T> = Stamp & { v: T };

export type ProfileField = 'name' | 'gender' | 'birthDate' | 'email' | 'phone' | 'referredBy' | 'membershipTier';
export type ConsentFlag = 'marketingEmail' | 'marketingSms' | 'marketingPush' | 'personalization';
export const CONSENT_FLAGS: readonly ConsentFlag[] = ['marketingEmail', 'marketingSms', 'marketingPush', 'personalization'];

export type Address = { addressId: string; province: string; city: string; district?: string; line1: string; postalCode?: string; isDefault: boolean };
export type OrderItem = { sku: string; name?: string; category: string; quantity: number; unitPrice: number };

export type OrderFacts = {
  placed?: Reg<{ items: OrderItem[]; total: number; currency: string; channel: string; eventId: string; position: string }>;
  paid?: Reg<{ amount: number; method?: string }>;
  shipped?: Reg<{ carrier?: string; trackingNumber?: string }>;
  delivered?: Reg<Record<string, never>>;
  cancelled?: Reg<{ reason?: string }>;
  /** One fact per refund instant: partial refunds add up, a re-sent one (same instant) does not. */
  refunds?: Record<string, Reg<{ amount: number; reason?: string }>>;
};

export type SurveyFact = { surveyId: string; subjectId?: string; kind: 'CSAT' | 'NPS'; score: number; channel: string };
export type ComplaintFacts = {
  filed?: Reg<{ category: string; severity: string; orderId?: string; channel: string }>;
  resolved?: Reg<{ channel: string }>;
};
export type ChatFacts = {
  started?: Reg<{ topic?: string; channel: string }>;
  ended?: Reg<{ resolved: boolean; durationSeconds?: number; channel: string }>;
};
/** All-time counts, and the latest few browsing events (enough to decide the browsing interest). */
export type Browsing = { views: number; cartAdds: number; recent: [at: number, eventId: string][] };

export type CustomerState = {
  customerId: string;
  registration: Reg<{ channel: string }> | null;
  fields: Partial<Record<ProfileField, Reg<unknown>>>;
  consent: Partial<Record<ConsentFlag, Reg<boolean>>>;
  addresses: Record<string, Reg<Address | null>>;
  tags: Record<string, Reg<boolean>>;
  referrals: Record<string, true>;
  orders: Record<string, OrderFacts>;
  surveys: Record<string, Reg<SurveyFact>>;
  complaints: Record<string, ComplaintFacts>;
  chats: Record<string, ChatFacts>;
  browsing: Record<string, Browsing>;
  firstSeenAt: number | null;
  lastSeenAt: number | null;
  channels: string[];
};

/** One stored event as the fold sees it: `at` is occurredAt in epoch ms, `rev` the stream revision. */
export type FoldEvent = {
  eventId: string;
  position: string;
  type: string;
  at: number;
  rev: number;
  channel: string;
  data: Record<string, unknown>;
  /** False for a duplicate the counted-event ledger has seen: counters must not move again. */
  countable: boolean;
};

/** Thrown for an event the fold cannot apply; the runner parks it with this message. */
export class UnfoldableEventError extends PoisonEventError {
  constructor(message: string) {
    super(message);
    this.name = 'UnfoldableEventError';
  }
}

export function emptyState(customerId: string): CustomerState {
  return {
    customerId,
    registration: null,
    fields: {},
    consent: {},
    addresses: {},
    tags: {},
    referrals: {},
    orders: {},
    surveys: {},
    complaints: {},
    chats: {},
    browsing: {},
    firstSeenAt: null,
    lastSeenAt: null,
    channels: [],
  };
}

/** Not initiated by the customer: these move neither lastSeenAt nor channels (DESIGN §11). */
const NOT_CUSTOMER_INITIATED = new Set(['CareMessageSent', 'CustomerTagged', 'CustomerUntagged', 'MembershipTierChanged', 'ReferralRewarded']);
const PROFILE_FIELDS: readonly ProfileField[] = ['name', 'gender', 'birthDate', 'email', 'phone'];
const RECENT_BROWSING_KEPT = 8;

/** (at, rev) later than the register's stamp? Later occurredAt wins; ties go to the later revision. */
export function isLater(stamp: Stamp, register: Stamp | undefined | null): boolean {
  return !register || stamp.at > register.at || (stamp.at === register.at && stamp.rev >= register.rev);
}

/**
 * Folds one event into the state, in place (the projector owns the state for the batch), and
 * returns it. Throws `UnfoldableEventError` for data it cannot read.
 */
export function evolve(state: CustomerState, event: FoldEvent): CustomerState {
  const stamp: Stamp = { at: event.at, rev: event.rev };
  const data = event.data;
  const put = <T>(registers: Record<string, Reg<T> | undefined>, key: string, value: T) => {
    if (isLater(stamp, registers[key])) registers[key] = { ...stamp, v: value };
  };
  if (!Number.isFinite(event.at)) throw new UnfoldableEventError(`occurredAt of ${event.eventId} is not a date`);
  // Every case reads and checks the event's data before it writes, so an event that throws
  // leaves the state as it was.
  switch (event.type) {
    case 'CustomerRegistered':
      if (isLater(stamp, state.registration)) state.registration = { ...stamp, v: { channel: event.channel } };
      for (const field of [...PROFILE_FIELDS, 'referredBy'] as ProfileField[]) if (field in data) put(state.fields, field, data[field]);
      break;
    case 'ProfileUpdated':
      for (const field of PROFILE_FIELDS) if (field in data) put(state.fields, field, data[field]);
      break;
    case 'MembershipTierChanged':
      put<unknown>(state.fields, 'membershipTier', text(data, 'tier'));
      break;
    case 'AddressSaved': {
      const addressId = text(data, 'addressId');
      put(state.addresses, addressId, {
        addressId,
        province: text(data, 'province'),
        city: text(data, 'city'),
        ...(data.district == null ? {} : { district: String(data.district) }),
        line1: text(data, 'line1'),
        ...(data.postalCode == null ? {} : { postalCode: String(data.postalCode) }),
        isDefault: data.isDefault === true,
      });
      break;
    }
    case 'AddressRemoved':
      put(state.addresses, text(data, 'addressId'), null);
      break;
    case 'ConsentChanged':
      for (const flag of CONSENT_FLAGS) if (typeof data[flag] === 'boolean') put(state.consent, flag, data[flag] as boolean);
      break;
    case 'CustomerTagged':
    case 'CustomerUntagged':
      put(state.tags, text(data, 'tag'), event.type === 'CustomerTagged');
      break;
    case 'ReferralRewarded':
      state.referrals[text(data, 'referredCustomerId')] = true;
      break;
    case 'OrderPlaced':
    case 'OrderPaid':
    case 'OrderShipped':
    case 'OrderDelivered':
    case 'OrderCancelled':
    case 'OrderRefunded':
      foldOrder(state, event, stamp);
      break;
    case 'ProductViewed':
    case 'CartItemAdded':
      foldBrowsing(state, event);
      break;
    case 'ServiceChatStarted': {
      const started = { channel: event.channel, ...optional(data, 'topic') };
      const chat = (state.chats[text(data, 'chatId')] ??= {});
      if (isLater(stamp, chat.started)) chat.started = { ...stamp, v: started };
      break;
    }
    case 'ServiceChatEnded': {
      if (typeof data.resolved !== 'boolean') throw new UnfoldableEventError('resolved must be a boolean');
      const ended = { resolved: data.resolved, channel: event.channel, ...optional(data, 'durationSeconds') };
      const chat = (state.chats[text(data, 'chatId')] ??= {});
      if (isLater(stamp, chat.ended)) chat.ended = { ...stamp, v: ended };
      break;
    }
    case 'ComplaintFiled': {
      const filed = { category: text(data, 'category'), severity: text(data, 'severity'), channel: event.channel, ...optional(data, 'orderId') };
      const complaint = (state.complaints[text(data, 'complaintId')] ??= {});
      if (isLater(stamp, complaint.filed)) complaint.filed = { ...stamp, v: filed };
      break;
    }
    case 'ComplaintResolved': {
      const complaint = (state.complaints[text(data, 'complaintId')] ??= {});
      if (isLater(stamp, complaint.resolved)) complaint.resolved = { ...stamp, v: { channel: event.channel } };
      break;
    }
    case 'SurveyAnswered': {
      const surveyId = text(data, 'surveyId');
      const subjectId = data.subjectId == null ? undefined : String(data.subjectId);
      const kind = data.kind === 'CSAT' || data.kind === 'NPS' ? data.kind : unfoldable('SurveyAnswered.kind must be CSAT or NPS');
      put(state.surveys, surveyKey(surveyId, subjectId), { surveyId, ...(subjectId === undefined ? {} : { subjectId }), kind, score: amount(data, 'score'), channel: event.channel });
      break;
    }
    default:
      // IdentityLinked, PageViewed, SearchPerformed, CartItemRemoved, CareMessageSent: seen only.
      break;
  }
  state.firstSeenAt = state.firstSeenAt === null ? event.at : Math.min(state.firstSeenAt, event.at);
  if (!NOT_CUSTOMER_INITIATED.has(event.type)) {
    state.lastSeenAt = state.lastSeenAt === null ? event.at : Math.max(state.lastSeenAt, event.at);
    if (!state.channels.includes(event.channel)) state.channels = [...state.channels, event.channel].sort();
  }
  return state;
}

function foldOrder(state: CustomerState, event: FoldEvent, stamp: Stamp): void {
  const data = event.data;
  const orderId = text(data, 'orderId');
  if (event.type === 'OrderPaid' || event.type === 'OrderRefunded') amount(data, 'amount');
  const placed = event.type === 'OrderPlaced' ? placedFacts(event) : undefined;
  const order = (state.orders[orderId] ??= {});
  switch (event.type) {
    case 'OrderPlaced':
      if (isLater(stamp, order.placed)) order.placed = { ...stamp, v: placed! };
      break;
    case 'OrderPaid':
      if (isLater(stamp, order.paid)) order.paid = { ...stamp, v: { amount: amount(data, 'amount'), ...optional(data, 'method') } };
      break;
    case 'OrderShipped':
      if (isLater(stamp, order.shipped)) order.shipped = { ...stamp, v: { ...optional(data, 'carrier'), ...optional(data, 'trackingNumber') } };
      break;
    case 'OrderDelivered':
      if (isLater(stamp, order.delivered)) order.delivered = { ...stamp, v: {} };
      break;
    case 'OrderCancelled':
      if (isLater(stamp, order.cancelled)) order.cancelled = { ...stamp, v: { ...optional(data, 'reason') } };
      break;
    case 'OrderRefunded':
    {
      const refunds = (order.refunds ??= {});
      const key = String(stamp.at);
      if (isLater(stamp, refunds[key])) refunds[key] = { ...stamp, v: { amount: amount(data, 'amount'), ...optional(data, 'reason') } };
      break;
    }
  }
}

function placedFacts(event: FoldEvent): NonNullable<OrderFacts['placed']>['v'] {
  const data = event.data;
  if (!Array.isArray(data.items) || data.items.length === 0) throw new UnfoldableEventError('items must be a non-empty array');
  const items = data.items.map((item: Record<string, unknown>) => ({
    sku: text(item, 'sku'),
    ...(item.name == null ? {} : { name: String(item.name) }),
    category: text(item, 'category'),
    quantity: amount(item, 'quantity'),
    unitPrice: amount(item, 'unitPrice'),
  }));
  return { items, total: amount(data, 'total'), currency: text(data, 'currency'), channel: event.channel, eventId: event.eventId, position: event.position };
}

function foldBrowsing(state: CustomerState, event: FoldEvent): void {
  const category = text(event.data, 'category');
  const browsing = (state.browsing[category] ??= { views: 0, cartAdds: 0, recent: [] });
  if (!event.countable) return;
  if (event.type === 'ProductViewed') browsing.views += 1;
  else browsing.cartAdds += 1;
  if (browsing.recent.some(([, eventId]) => eventId === event.eventId)) return;
  browsing.recent = [...browsing.recent, [event.at, event.eventId] as [number, string]]
    .sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : 1))
    .slice(0, RECENT_BROWSING_KEPT);
}

function text(data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value !== 'string' || value === '') throw new UnfoldableEventError(`${field} must be a non-empty string`);
  return value;
}

function amount(data: Record<string, unknown>, field: string): number {
  const value = data[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UnfoldableEventError(`${field} must be a number`);
  return value;
}

function optional<K extends string>(data: Record<string, unknown>, field: K): Partial<Record<K, never>> {
  return data[field] == null ? {} : ({ [field]: data[field] } as Partial<Record<K, never>>);
}

function unfoldable(message: string): never {
  throw new UnfoldableEventError(message);
}

/** Surveys are one fact per (surveyId, subjectId) (DESIGN §11); ids never contain a space. */
export function surveyKey(surveyId: string, subjectId: string | undefined): string {
  return subjectId === undefined ? surveyId : `${surveyId} ${subjectId}`;
}
