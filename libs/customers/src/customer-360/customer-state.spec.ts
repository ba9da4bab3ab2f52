import { deriveCustomer } from './customer-profile';
import { CustomerState, emptyState, evolve, FoldEvent, UnfoldableEventError } from './customer-state';
import { DEFAULT_RULES } from '@tessera/platform';
import { DAY_MS } from './time';

const T0 = Date.parse('2025-01-01T10:00:00+08:00');
const NOW = T0 + 60 * DAY_MS;
const day = (n: number) => T0 + n * DAY_MS;

/** One stored event: `rev` is its stream revision, and names its eventId and position unless overridden. */
function fact(rev: number, type: string, atDay: number, data: Record<string, unknown>, options: Partial<FoldEvent> = {}): FoldEvent {
  return { eventId: `ev-${rev}`, position: `pos-${rev}`, type, at: day(atDay), rev, channel: 'app', data, countable: true, ...options };
}
const order = (orderId: string, category: string, total: number) => ({ orderId, items: [{ sku: `${category}-1`, category, quantity: 1, unitPrice: total }], total, currency: 'CNY' });
const address = (addressId: string, line1: string, isDefault = false) => ({ addressId, province: '江苏省', city: '南京市', district: '玄武区', line1, isDefault });
const fold = (events: readonly FoldEvent[], state: CustomerState = emptyState('c-1')) => events.reduce(evolve, state);
const derive = (events: readonly FoldEvent[]) => deriveCustomer(fold(events), NOW, DEFAULT_RULES);

/** A customer's story, listed in recorded order (which is not occurred order). */
const STORY: readonly FoldEvent[] = [
  fact(0, 'OrderCancelled', 12, { orderId: 'o2', reason: 'changed mind' }),
  fact(1, 'CustomerRegistered', 0, { name: '张伟', email: 'zw@example.cn', phone: '+8613800138000' }, { channel: 'web' }),
  fact(2, 'OrderPlaced', 11, order('o2', 'digital', 300_000)),
  fact(3, 'ProfileUpdated', 5, { email: null, gender: 'male' }),
  fact(4, 'AddressSaved', 1, address('a1', '中山路 1 号', true)),
  fact(5, 'AddressSaved', 2, address('a2', '北京东路 2 号')),
  fact(6, 'AddressRemoved', 6, { addressId: 'a1' }),
  fact(7, 'CustomerTagged', 3, { tag: 'vip' }),
  fact(8, 'CustomerUntagged', 8, { tag: 'vip' }),
  fact(9, 'CustomerTagged', 4, { tag: 'student' }),
  fact(10, 'OrderPlaced', 10, order('o1', 'books', 5_000)),
  fact(11, 'OrderPlaced', 20, order('o3', 'household', 8_000)),
  fact(12, 'OrderRefunded', 25, { orderId: 'o3', amount: 3_000, currency: 'CNY' }),
  fact(13, 'SurveyAnswered', 22, { surveyId: 's1', kind: 'NPS', score: 9 }),
  fact(14, 'SurveyAnswered', 21, { surveyId: 's1', kind: 'NPS', score: 6 }),
  fact(15, 'ProductViewed', 26, { sku: 'b-2', category: 'books' }),
  fact(16, 'CartItemAdded', 27, { sku: 'b-2', category: 'books', quantity: 1 }),
  fact(17, 'ConsentChanged', 7, { marketingEmail: true }),
  fact(18, 'CareMessageSent', 40, { kind: 'coupon' }, { channel: 'sms' }),
  fact(19, 'ComplaintFiled', 30, { complaintId: 'k1', category: 'delivery', severity: 'low' }),
  fact(20, 'ComplaintResolved', 31, { complaintId: 'k1' }, { channel: 'call_center' }),
  fact(21, 'ServiceChatEnded', 29, { chatId: 'ch1', resolved: true }),
];

describe('the story folded in recorded order', () => {
  it('gives the profile its events say (so the properties below are not vacuous)', () => {
    expect(derive(STORY).profile).toMatchObject({
      name: '张伟',
      email: null,
      gender: 'male',
      phone: '+8613800138000',
      addresses: [{ addressId: 'a2', isDefault: false }],
      tags: ['student'],
      consent: { marketingEmail: true, marketingSms: false },
      orderCount: 2,
      netSpend: 10_000,
      lifecycleStage: 'active',
      categoryActivity: { books: { purchases: 1, views: 1, cartAdds: 1 }, household: { purchases: 1, views: 0, cartAdds: 0 } },
      satisfaction: { lastNps: 9, npsClass: 'promoter', complaintsOpen: 0, complaintsTotal: 1, chatsTotal: 1, chatResolvedShare: 1 },
      lastSeenAt: new Date(day(31)).toISOString(),
      channels: ['app', 'call_center', 'web'],
    });
  });
});

describe('property 1: arrival order does not matter (DESIGN §2)', () => {
  const expected = derive(STORY);

  it('gives the same state and customer for 500 random fold orders', () => {
    const shuffle = shuffler(20250101);
    const baseline = fold(STORY);
    for (let run = 0; run < 500; run += 1) {
      const events = shuffle(STORY);
      expect(fold(events)).toEqual(baseline);
      expect(deriveCustomer(fold(events), NOW, DEFAULT_RULES)).toEqual(expected);
    }
  });

  it('gives the same customer when the arrival order also assigns the stream revisions', () => {
    const shuffle = shuffler(42);
    for (let run = 0; run < 500; run += 1) {
      const events = shuffle(STORY).map((event, rev) => ({ ...event, rev }));
      expect(derive(events)).toEqual(expected);
    }
  });

  it('gives the same customer for every order of the order and survey facts (5040 permutations)', () => {
    const [first, ...others] = permutations(STORY.filter((e) => /^(Order|Survey)/.test(e.type)));
    expect(first).toHaveLength(7);
    const rest = STORY.filter((e) => !/^(Order|Survey)/.test(e.type));
    const baseline = derive([...rest, ...first]);
    expect(others).toHaveLength(5039);
    for (const events of others) expect(derive([...rest, ...events])).toEqual(baseline);
  });
});

describe('property 2: a duplicate the ledger marks as not countable changes nothing (DESIGN §10)', () => {
  const once = fold(STORY);

  it.each(STORY.map((event) => [`${event.rev} ${event.type}`, event] as const))('folding %s again', (_, event) => {
    expect(evolve(fold(STORY), { ...event, countable: false })).toEqual(once);
  });

  it('replaying the whole stream as duplicates, in reverse, changes nothing', () => {
    const twice = fold([...STORY].reverse().map((event) => ({ ...event, countable: false })), fold(STORY));
    expect(twice).toEqual(once);
    expect(deriveCustomer(twice, NOW, DEFAULT_RULES)).toEqual(deriveCustomer(once, NOW, DEFAULT_RULES));
  });

  it('counts a browsing event twice when it is marked countable: the ledger flag is what keeps counters exact', () => {
    const viewed = fact(15, 'ProductViewed', 26, { sku: 'b-2', category: 'books' });
    expect(fold([viewed, viewed]).browsing.books.views).toBe(2);
    expect(fold([viewed, { ...viewed, countable: false }]).browsing.books.views).toBe(1);
    expect(fold([viewed, viewed]).browsing.books.recent).toEqual([[day(26), 'ev-15']]);
  });
});

describe('property 3: a fact re-sent under a new eventId (DESIGN §11 re-sent facts)', () => {
  it.each<[fact: string, first: FoldEvent, second: FoldEvent, read: (state: CustomerState) => unknown, winner: unknown]>([
    ['order: the later occurredAt wins over the later revision',
      fact(2, 'OrderPlaced', 10, order('o1', 'books', 5_000)), fact(1, 'OrderPlaced', 11, order('o1', 'books', 6_000)),
      (s) => [s.orders.o1.placed?.v.total, s.orders.o1.placed?.at], [6_000, day(11)]],
    ['order: a tie on occurredAt goes to the later revision',
      fact(1, 'OrderPlaced', 10, order('o1', 'books', 5_000)), fact(2, 'OrderPlaced', 10, order('o1', 'books', 6_000)),
      (s) => s.orders.o1.placed?.v.eventId, 'ev-2'],
    ['refund re-sent for the same instant: the later revision wins',
      fact(1, 'OrderRefunded', 10, { orderId: 'o1', amount: 1_000, currency: 'CNY' }), fact(2, 'OrderRefunded', 10, { orderId: 'o1', amount: 2_000, currency: 'CNY' }),
      (s) => Object.values(s.orders.o1.refunds ?? {}).map((r) => r.v.amount), [2_000]],
    ['two refunds at two instants are two partial refunds',
      fact(2, 'OrderRefunded', 10, { orderId: 'o1', amount: 1_000, currency: 'CNY' }), fact(1, 'OrderRefunded', 11, { orderId: 'o1', amount: 2_000, currency: 'CNY' }),
      (s) => Object.values(s.orders.o1.refunds ?? {}).map((r) => r.v.amount).sort(), [1_000, 2_000]],
    ['survey answer (same surveyId and subjectId)',
      fact(2, 'SurveyAnswered', 10, { surveyId: 's1', subjectId: 'o1', kind: 'NPS', score: 3 }), fact(1, 'SurveyAnswered', 11, { surveyId: 's1', subjectId: 'o1', kind: 'NPS', score: 8 }),
      (s) => Object.values(s.surveys).map((r) => r.v.score), [8]],
    ['survey answer: a tie on occurredAt goes to the later revision',
      fact(1, 'SurveyAnswered', 10, { surveyId: 's1', kind: 'CSAT', score: 1 }), fact(2, 'SurveyAnswered', 10, { surveyId: 's1', kind: 'CSAT', score: 5 }),
      (s) => Object.values(s.surveys).map((r) => r.v.score), [5]],
    ['two subjects of one survey are two facts',
      fact(2, 'SurveyAnswered', 10, { surveyId: 's1', subjectId: 'o1', kind: 'NPS', score: 3 }), fact(1, 'SurveyAnswered', 11, { surveyId: 's1', subjectId: 'o2', kind: 'NPS', score: 8 }),
      (s) => Object.values(s.surveys).map((r) => r.v.score).sort(), [3, 8]],
    ['chat outcome',
      fact(2, 'ServiceChatEnded', 10, { chatId: 'ch1', resolved: false }), fact(1, 'ServiceChatEnded', 11, { chatId: 'ch1', resolved: true }),
      (s) => s.chats.ch1.ended?.v.resolved, true],
    ['complaint filing',
      fact(2, 'ComplaintFiled', 10, { complaintId: 'k1', category: 'delivery', severity: 'low' }), fact(1, 'ComplaintFiled', 11, { complaintId: 'k1', category: 'delivery', severity: 'high' }),
      (s) => s.complaints.k1.filed?.v.severity, 'high'],
    ['address',
      fact(2, 'AddressSaved', 10, address('a1', '旧地址')), fact(1, 'AddressSaved', 11, address('a1', '新地址')),
      (s) => s.addresses.a1.v?.line1, '新地址'],
  ])('%s: the same winner in both arrival orders', (_, a, b, read, winner) => {
    expect(read(fold([a, b]))).toEqual(winner);
    expect(read(fold([b, a]))).toEqual(winner);
  });
});

describe('property 4: profile folding (DESIGN §11)', () => {
  it.each<[description: string, events: FoldEvent[], profile: Record<string, unknown>]>([
    ['an update after the registration wins',
      [fact(1, 'CustomerRegistered', 0, { name: '张伟' }), fact(2, 'ProfileUpdated', 1, { name: '张小伟' })], { name: '张小伟' }],
    ['an update recorded before an older registration still wins',
      [fact(1, 'ProfileUpdated', 1, { name: '张小伟' }), fact(2, 'CustomerRegistered', 0, { name: '张伟' })], { name: '张小伟' }],
    ['an explicit null clears the field',
      [fact(1, 'CustomerRegistered', 0, { email: 'zw@example.cn' }), fact(2, 'ProfileUpdated', 1, { email: null })], { email: null }],
    ['an older null does not clear a newer value',
      [fact(1, 'ProfileUpdated', 2, { email: 'new@example.cn' }), fact(2, 'ProfileUpdated', 1, { email: null })], { email: 'new@example.cn' }],
    ['a field left out is left alone',
      [fact(1, 'CustomerRegistered', 0, { email: 'zw@example.cn', phone: '+8613800138000' }), fact(2, 'ProfileUpdated', 1, { gender: 'male' })],
      { email: 'zw@example.cn', phone: '+8613800138000', gender: 'male' }],
    ['a tie on occurredAt goes to the later revision',
      [fact(2, 'ProfileUpdated', 1, { name: '李娜' }), fact(1, 'ProfileUpdated', 1, { name: '王芳' })], { name: '李娜' }],
    ['membership tier by occurredAt',
      [fact(1, 'MembershipTierChanged', 2, { tier: 'gold' }), fact(2, 'MembershipTierChanged', 1, { tier: 'silver' })], { membershipTier: 'gold' }],
    ['referredBy from the registration',
      [fact(1, 'CustomerRegistered', 0, { referredBy: 'c-0' })], { referredBy: 'c-0', referralCount: 0 }],
    ['consent per flag, by occurredAt',
      [fact(1, 'ConsentChanged', 2, { marketingSms: false }), fact(2, 'ConsentChanged', 1, { marketingEmail: true, marketingSms: true })],
      { consent: { marketingEmail: true, marketingSms: false, marketingPush: false, personalization: false } }],
    ['a tag removed later is gone',
      [fact(1, 'CustomerUntagged', 2, { tag: 'vip' }), fact(2, 'CustomerTagged', 1, { tag: 'vip' })], { tags: [] }],
    ['a tag added again after its removal is back',
      [fact(1, 'CustomerTagged', 3, { tag: 'vip' }), fact(2, 'CustomerUntagged', 2, { tag: 'vip' }), fact(3, 'CustomerTagged', 1, { tag: 'vip' })], { tags: ['vip'] }],
    ['an address saved again after its removal is back, with its new content',
      [fact(1, 'AddressSaved', 3, address('a1', '新地址')), fact(2, 'AddressRemoved', 2, { addressId: 'a1' }), fact(3, 'AddressSaved', 1, address('a1', '旧地址'))],
      { addresses: [{ ...address('a1', '新地址') }] }],
    ['a referral rewarded twice for the same customer counts once',
      [fact(1, 'ReferralRewarded', 1, { referredCustomerId: 'c-9' }), fact(2, 'ReferralRewarded', 2, { referredCustomerId: 'c-9' }), fact(3, 'ReferralRewarded', 2, { referredCustomerId: 'c-8' })],
      { referralCount: 2 }],
    ['no registration: a profile with registeredAt null',
      [fact(1, 'PageViewed', 3, { url: '/' })], { registeredAt: null, registrationChannel: null, name: null, lifecycleStageSince: new Date(day(3)).toISOString() }],
    ['the registration’s instant and channel',
      [fact(1, 'PageViewed', 3, { url: '/' }, { channel: 'app' }), fact(2, 'CustomerRegistered', 1, {}, { channel: 'store' })],
      { registeredAt: new Date(day(1)).toISOString(), registrationChannel: 'store' }],
  ])('%s (in both arrival orders)', (_, events, profile) => {
    expect(derive(events).profile).toMatchObject(profile);
    expect(derive([...events].reverse()).profile).toMatchObject(profile);
  });

  const registered = fact(1, 'CustomerRegistered', 0, {}, { channel: 'web' });
  it.each<[type: string, channel: string, lastSeenDay: number, channels: string[], data: Record<string, unknown>]>([
    ['CareMessageSent', 'sms', 0, ['web'], { kind: 'birthday' }],
    ['CustomerTagged', 'call_center', 0, ['web'], { tag: 'vip' }],
    ['CustomerUntagged', 'call_center', 0, ['web'], { tag: 'vip' }],
    ['MembershipTierChanged', 'other', 0, ['web'], { tier: 'gold' }],
    ['ReferralRewarded', 'other', 0, ['web'], { referredCustomerId: 'c-2' }],
    ['PageViewed', 'app', 10, ['app', 'web'], { url: '/' }],
    ['SurveyAnswered', 'sms', 10, ['sms', 'web'], { surveyId: 's1', kind: 'CSAT', score: 5 }],
    ['OrderPlaced', 'store', 10, ['store', 'web'], order('o1', 'books', 100)],
  ])('registered on day 0 via web, then %s on day 10 via %s → lastSeenAt day %d, channels %j', (type, channel, lastSeenDay, channels, data) => {
    const profile = derive([registered, fact(2, type, 10, data, { channel })]).profile;
    expect(profile.lastSeenAt).toBe(new Date(day(lastSeenDay)).toISOString());
    expect(profile.channels).toEqual(channels);
  });

  it('takes lastSeenAt from the latest occurredAt, not the last arrival', () => {
    const profile = derive([fact(1, 'PageViewed', 10, { url: '/a' }), fact(2, 'PageViewed', 5, { url: '/b' }, { channel: 'web' })]).profile;
    expect(profile.lastSeenAt).toBe(new Date(day(10)).toISOString());
    expect(profile.channels).toEqual(['app', 'web']);
  });
});

describe('property 5: malformed data is refused (UnfoldableEventError)', () => {
  it.each<[description: string, type: string, data: Record<string, unknown>]>([
    ['items not an array', 'OrderPlaced', { ...order('o9', 'books', 100), items: 'books' }],
    ['no items', 'OrderPlaced', { ...order('o9', 'books', 100), items: [] }],
    ['an item quantity as text', 'OrderPlaced', { ...order('o9', 'books', 100), items: [{ sku: 's', category: 'books', quantity: '2', unitPrice: 1 }] }],
    ['an item without a category', 'OrderPlaced', { ...order('o9', 'books', 100), items: [{ sku: 's', quantity: 1, unitPrice: 1 }] }],
    ['a total as text', 'OrderPlaced', { ...order('o9', 'books', 100), total: '100' }],
    ['no orderId', 'OrderPaid', { amount: 100, currency: 'CNY' }],
    ['a paid amount as text', 'OrderPaid', { orderId: 'o9', amount: '100', currency: 'CNY' }],
    ['a refund without an amount', 'OrderRefunded', { orderId: 'o9', currency: 'CNY' }],
    ['resolved as text', 'ServiceChatEnded', { chatId: 'ch9', resolved: 'yes' }],
    ['an unknown survey kind', 'SurveyAnswered', { surveyId: 's9', kind: 'CES', score: 3 }],
    ['a survey without a score', 'SurveyAnswered', { surveyId: 's9', kind: 'NPS', score: null }],
    ['an empty tag', 'CustomerTagged', { tag: '' }],
    ['an address without line1', 'AddressSaved', { addressId: 'a9', province: '江苏省', city: '南京市' }],
    ['a complaint without a severity', 'ComplaintFiled', { complaintId: 'k9', category: 'delivery' }],
    ['a product view without a category', 'ProductViewed', { sku: 's' }],
  ])('%s (%s) throws and leaves the state as it was', (_, type, data) => {
    const state = fold(STORY);
    const before = structuredClone(state);
    expect(() => evolve(state, fact(99, type, 50, data, { channel: 'other' }))).toThrow(UnfoldableEventError);
    expect(state).toEqual(before);
  });

  it('refuses an occurredAt that is not a date', () => {
    const state = fold(STORY);
    const before = structuredClone(state);
    expect(() => evolve(state, { ...fact(99, 'PageViewed', 50, { url: '/' }), at: Number.NaN })).toThrow(UnfoldableEventError);
    expect(state).toEqual(before);
  });
});

/** A deterministic shuffler (mulberry32 + Fisher–Yates), so a failing order can be replayed. */
function shuffler(seed: number): <T>(items: readonly T[]) => T[] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (items) => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
