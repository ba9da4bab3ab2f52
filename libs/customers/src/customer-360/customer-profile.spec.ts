import { deriveCustomer } from './customer-profile';
import { emptyState, evolve, FoldEvent } from './customer-state';
import { DEFAULT_RULES } from '@tessera/platform';
import { Stage } from './lifecycle';
import { DAY_MS } from './time';
import { ValueTier } from './value-tier';

const NOW = Date.parse('2025-06-01T12:00:00+08:00');
const ago = (days: number) => NOW - days * DAY_MS;
const later = (days: number) => NOW + days * DAY_MS;
const iso = (at: number) => new Date(at).toISOString();

type Row = [type: string, daysAgo: number, channel: string, data: Record<string, unknown>];
/** Folds the rows as one stream: the row index is the stream revision. */
const customer = (...rows: Row[]) =>
  rows
    .map(([type, daysAgo, channel, data], rev): FoldEvent => ({ eventId: `ev-${rev}`, position: `pos-${rev}`, type, at: ago(daysAgo), rev, channel, data, countable: true }))
    .reduce(evolve, emptyState('c-1'));
const order = (orderId: string, total: number, ...items: [category: string, quantity: number][]) => ({
  orderId,
  items: items.map(([category, quantity]) => ({ sku: `${category}-1`, category, quantity, unitPrice: Math.round(total / quantity) })),
  total,
  currency: 'CNY',
});
const address = (addressId: string, province: string, city: string, isDefault: boolean) => ({ addressId, province, city, district: '中心区', line1: `${addressId} 路 1 号`, isDefault });

/** 张伟: registered 420 days ago, one old purchase, churned, won back 60 days ago. */
const zhangWei = () =>
  customer(
    ['CustomerRegistered', 420, 'app', { name: '张伟', gender: 'male', birthDate: '1990-05-01', email: 'zw@example.cn', phone: '+8613800138000', referredBy: 'c-0' }],
    ['AddressSaved', 410, 'app', address('a1', '江苏省', '南京市', true)],
    ['OrderPlaced', 400, 'web', order('o0', 20_000, ['household', 1])],
    ['AddressSaved', 100, 'app', address('a2', '上海市', '上海市', true)],
    ['AddressSaved', 50, 'app', address('a3', '广东省', '深圳市', false)],
    ['OrderPlaced', 60, 'app', order('o1', 60_000, ['books', 2])],
    ['OrderPlaced', 20, 'app', order('o2', 79_900, ['books', 1], ['digital', 1])],
    ['OrderRefunded', 10, 'app', { orderId: 'o2', amount: 10_000, currency: 'CNY' }],
    ['OrderPlaced', 15, 'web', order('o3', 500_000, ['appliances', 1])],
    ['OrderCancelled', 14, 'web', { orderId: 'o3' }],
    ['ProductViewed', 5, 'app', { sku: 'toys-1', category: 'toys' }],
    ['ProductViewed', 4, 'web', { sku: 'toys-2', category: 'toys' }],
    ['CartItemAdded', 3, 'app', { sku: 'toys-2', category: 'toys', quantity: 1 }],
    ['SurveyAnswered', 55, 'app', { surveyId: 's1', kind: 'CSAT', score: 5, subject: 'order', subjectId: 'o1' }],
    ['SurveyAnswered', 18, 'app', { surveyId: 's1', kind: 'CSAT', score: 4, subject: 'order', subjectId: 'o2' }],
    ['SurveyAnswered', 9, 'app', { surveyId: 's2', kind: 'NPS', score: 9 }],
    ['ComplaintFiled', 12, 'call_center', { complaintId: 'k1', category: 'delivery', severity: 'medium', orderId: 'o2' }],
    ['ComplaintResolved', 11, 'call_center', { complaintId: 'k1' }],
    ['ComplaintFiled', 2, 'mini_program', { complaintId: 'k2', category: 'quality', severity: 'low' }],
    ['ServiceChatStarted', 30, 'app', { chatId: 'ch1' }],
    ['ServiceChatEnded', 30, 'app', { chatId: 'ch1', resolved: true }],
    ['ServiceChatEnded', 8, 'web', { chatId: 'ch2', resolved: false }],
    ['CustomerTagged', 200, 'other', { tag: 'vip' }],
    ['ConsentChanged', 400, 'app', { marketingSms: true }],
    ['MembershipTierChanged', 100, 'other', { tier: 'gold' }],
    ['ReferralRewarded', 90, 'other', { referredCustomerId: 'c-7' }],
    ['CareMessageSent', 1, 'sms', { kind: 'birthday' }],
  );

describe('deriveCustomer: the profile document (DESIGN §6)', () => {
  it('derives every field of 张伟’s profile', () => {
    expect(deriveCustomer(zhangWei(), NOW, DEFAULT_RULES).profile).toEqual({
      customerId: 'c-1',
      name: '张伟',
      gender: 'male',
      birthDate: '1990-05-01',
      birthday: { month: 5, day: 1 },
      email: 'zw@example.cn',
      phone: '+8613800138000',
      addresses: [
        { ...address('a2', '上海市', '上海市', true), isDefault: true },
        { ...address('a3', '广东省', '深圳市', false), isDefault: false },
        { ...address('a1', '江苏省', '南京市', true), isDefault: false },
      ],
      consent: { marketingEmail: false, marketingSms: true, marketingPush: false, personalization: false },
      tags: ['vip'],
      membershipTier: 'gold',
      registeredAt: iso(ago(420)),
      registrationChannel: 'app',
      referredBy: 'c-0',
      referralCount: 1,
      orderCount: 3,
      netSpend: 20_000 + 60_000 + 79_900 - 10_000,
      netSpend365d: 60_000 + 79_900 - 10_000,
      averageOrderValue: 49_967,
      firstPurchaseAt: iso(ago(400)),
      lastPurchaseAt: iso(ago(20)),
      lastSeenAt: iso(ago(2)),
      channels: ['app', 'call_center', 'mini_program', 'web'],
      interests: ['books', 'digital', 'toys'],
      categoryActivity: {
        books: { purchases: 3, views: 0, cartAdds: 0 },
        digital: { purchases: 1, views: 0, cartAdds: 0 },
        household: { purchases: 1, views: 0, cartAdds: 0 },
        toys: { purchases: 0, views: 2, cartAdds: 1 },
      },
      lifecycleStage: 'active',
      lifecycleStageSince: iso(ago(60)),
      valueTier: 'low',
      satisfaction: {
        csatAverage: 4.5,
        csatSatisfiedShare: 1,
        csatResponses: 2,
        lastNps: 9,
        npsClass: 'promoter',
        complaintsOpen: 1,
        complaintsTotal: 2,
        chatsTotal: 2,
        chatResolvedShare: 0.5,
      },
      segments: ['stage:active', 'value:low', 'interest:books', 'interest:digital', 'interest:toys', 'tag:vip', 'nps:promoter', 'complaint:open', 'consent:marketing-sms'],
    });
  });

  it('gives the lifecycle history that leads to the stage', () => {
    const { transitions } = deriveCustomer(zhangWei(), NOW, DEFAULT_RULES);
    expect(transitions.map((t) => [t.from, t.to, t.at, t.cause.kind])).toEqual([
      ['prospect', 'new', ago(400), 'event'],
      ['new', 'at_risk', ago(400 - 91), 'time'],
      ['at_risk', 'churned', ago(400 - 181), 'time'],
      ['churned', 'active', ago(60), 'event'],
    ]);
    expect(transitions[3].cause).toEqual({ kind: 'event', eventId: 'ev-5', position: 'pos-5', eventType: 'OrderPlaced' });
    expect(transitions[1].cause).toEqual({ kind: 'time', basedOn: { eventId: 'ev-2', position: 'pos-2' } });
  });

  it.each<[daysLater: number, stage: Stage, tier: ValueTier, netSpend365d: number, interests: string[], nextReviewDaysLater: number | null]>([
    [0, 'active', 'low', 129_900, ['books', 'digital', 'toys'], 25],
    [25, 'active', 'low', 129_900, ['books', 'digital'], 31],
    [71, 'at_risk', 'low', 129_900, ['books', 'digital'], 121],
    [161, 'churned', 'low', 129_900, ['books', 'digital'], 305],
    [305, 'churned', 'low', 69_900, ['books', 'digital'], 345],
    [345, 'churned', 'none', 0, [], null],
  ])('%d days later: %s, value %s, net spend 365d %d, interests %j, next review %s days later', (daysLater, stage, tier, spend365d, categories, next) => {
    const { profile, nextReviewAt } = deriveCustomer(zhangWei(), later(daysLater), DEFAULT_RULES);
    expect([profile.lifecycleStage, profile.valueTier, profile.netSpend365d, profile.interests]).toEqual([stage, tier, spend365d, categories]);
    expect(nextReviewAt).toBe(next === null ? null : later(next));
  });
});

describe('deriveCustomer for a customer who never registered nor bought', () => {
  it('gives a prospect profile with defaults', () => {
    const { profile, transitions, nextReviewAt } = deriveCustomer(customer(['PageViewed', 3, 'web', { url: '/' }]), NOW, DEFAULT_RULES);
    expect(profile).toMatchObject({
      name: null,
      addresses: [],
      consent: { marketingEmail: false, marketingSms: false, marketingPush: false, personalization: false },
      tags: [],
      registeredAt: null,
      registrationChannel: null,
      orderCount: 0,
      netSpend: 0,
      netSpend365d: 0,
      averageOrderValue: 0,
      firstPurchaseAt: null,
      lastPurchaseAt: null,
      lastSeenAt: iso(ago(3)),
      channels: ['web'],
      interests: [],
      categoryActivity: {},
      lifecycleStage: 'prospect',
      lifecycleStageSince: iso(ago(3)),
      valueTier: 'none',
      satisfaction: { csatAverage: null, lastNps: null, npsClass: null, complaintsOpen: 0, chatResolvedShare: null },
      segments: ['stage:prospect'],
    });
    expect(transitions).toEqual([]);
    expect(nextReviewAt).toBeNull();
  });

  it('does not count a purchase dated a little after now, and reviews when its time comes', () => {
    const twoMinutes = 2 * 60_000;
    const state = customer(['CustomerRegistered', 1, 'app', {}], ['OrderPlaced', -twoMinutes / DAY_MS, 'app', order('o1', 100, ['books', 1])]);
    const { profile, nextReviewAt } = deriveCustomer(state, NOW, DEFAULT_RULES);
    expect([profile.orderCount, profile.lifecycleStage, profile.lifecycleStageSince, profile.interests]).toEqual([0, 'prospect', iso(ago(1)), []]);
    expect(nextReviewAt).toBe(NOW + twoMinutes);
    expect(deriveCustomer(state, NOW + twoMinutes, DEFAULT_RULES).profile.lifecycleStage).toBe('new');
  });

  it('reviews browsing dated a little after now when its time comes, so the interest appears then', () => {
    const twoMinutes = 2 * 60_000;
    const views = [3, 2, -twoMinutes / DAY_MS].map((days, i): Row => ['ProductViewed', days, 'app', { sku: `b-${i}`, category: 'beauty' }]);
    const state = customer(['CustomerRegistered', 10, 'app', {}], ...views);
    const { profile, nextReviewAt } = deriveCustomer(state, NOW, DEFAULT_RULES);
    expect(profile.interests).toEqual([]);
    expect(nextReviewAt).toBe(NOW + twoMinutes);
    expect(deriveCustomer(state, NOW + twoMinutes, DEFAULT_RULES).profile.interests).toEqual(['beauty']);
  });
});
