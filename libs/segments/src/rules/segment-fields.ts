/**
 * The profile fields a segment rule may name (DESIGN §5, §11): the whitelist. Each field says its
 * type, how to read it from a profile document in memory, and the SQL expression that reads it
 * from a `customer_360.customers` row aliased `c` — identifiers come from here only, never from
 * a rule.
 */
export type FieldType = 'string' | 'number' | 'boolean' | 'timestamp' | 'list';

export type SegmentField = {
  type: FieldType;
  description: string;
  /** From the profile document (as GET /v1/customers/:id shows it, with daysToBirthday). */
  read(profile: Record<string, unknown>): unknown;
  /** SQL over `c` (customer_360.customers); `$today` is the deployment's calendar day. */
  sql: string;
};

const path = (...keys: string[]) => (profile: Record<string, unknown>) => keys.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), profile);
const json = (type: string, ...keys: string[]) => {
  const access = keys.map((k, i) => (i === keys.length - 1 ? `->>'${k}'` : `->'${k}'`)).join('');
  return type === 'text' ? `(c.profile${access})` : `(c.profile${access})::${type}`;
};
const scalar = (type: FieldType, sqlType: string, description: string, ...keys: string[]): SegmentField => ({ type, description, read: path(...keys), sql: json(sqlType, ...keys) });
const list = (description: string, key: string): SegmentField => ({ type: 'list', description, read: path(key), sql: `(c.profile->'${key}')::jsonb` });

export const SEGMENT_FIELDS = {
  lifecycleStage: scalar('string', 'text', 'prospect, new, active, loyal, at_risk or churned', 'lifecycleStage'),
  valueTier: scalar('string', 'text', 'high, medium, low or none', 'valueTier'),
  membershipTier: scalar('string', 'text', 'the retailer’s member tier', 'membershipTier'),
  gender: scalar('string', 'text', 'as registered', 'gender'),
  registrationChannel: scalar('string', 'text', 'channel of CustomerRegistered', 'registrationChannel'),
  orderCount: scalar('number', 'numeric', 'purchases (orders placed and not cancelled)', 'orderCount'),
  netSpend: scalar('number', 'numeric', 'minor units, all time', 'netSpend'),
  netSpend365d: scalar('number', 'numeric', 'minor units, purchases of the last 365 days', 'netSpend365d'),
  averageOrderValue: scalar('number', 'numeric', 'minor units', 'averageOrderValue'),
  referralCount: scalar('number', 'numeric', 'customers this customer referred', 'referralCount'),
  daysToBirthday: { type: 'number', description: '0–365 whole days to the next birthday', read: path('daysToBirthday'), sql: 'tessera_days_to_birthday(c.birth_month, c.birth_day, $today::date)' },
  registeredAt: scalar('timestamp', 'timestamptz', 'instant', 'registeredAt'),
  firstPurchaseAt: scalar('timestamp', 'timestamptz', 'instant', 'firstPurchaseAt'),
  lastPurchaseAt: scalar('timestamp', 'timestamptz', 'instant', 'lastPurchaseAt'),
  lastSeenAt: scalar('timestamp', 'timestamptz', 'instant of the last customer-initiated event', 'lastSeenAt'),
  lifecycleStageSince: scalar('timestamp', 'timestamptz', 'instant', 'lifecycleStageSince'),
  tags: list('tags', 'tags'),
  interests: list('categories of interest', 'interests'),
  channels: list('channels used', 'channels'),
  'consent.marketingEmail': scalar('boolean', 'boolean', 'opt-in', 'consent', 'marketingEmail'),
  'consent.marketingSms': scalar('boolean', 'boolean', 'opt-in', 'consent', 'marketingSms'),
  'consent.marketingPush': scalar('boolean', 'boolean', 'opt-in', 'consent', 'marketingPush'),
  'consent.personalization': scalar('boolean', 'boolean', 'opt-in', 'consent', 'personalization'),
  'satisfaction.csatAverage': scalar('number', 'numeric', '1–5', 'satisfaction', 'csatAverage'),
  'satisfaction.lastNps': scalar('number', 'numeric', '0–10', 'satisfaction', 'lastNps'),
  'satisfaction.npsClass': scalar('string', 'text', 'promoter, passive or detractor', 'satisfaction', 'npsClass'),
  'satisfaction.complaintsOpen': scalar('number', 'numeric', 'complaints filed and not resolved', 'satisfaction', 'complaintsOpen'),
} satisfies Record<string, SegmentField>;

export type SegmentFieldName = keyof typeof SEGMENT_FIELDS;

export function isSegmentField(name: unknown): name is SegmentFieldName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(SEGMENT_FIELDS, name);
}
