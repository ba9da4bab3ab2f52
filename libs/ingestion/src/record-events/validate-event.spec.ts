import { EVENT_TYPES } from '@tessera/catalog';
import { contentHash } from './content-hash';
import { ValidEvent, validateEvent } from './validate-event';

const now = new Date('2026-11-24T02:00:00Z');
const context = { now, currency: 'CNY' };

const envelope = (type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  eventId: '0b9e4f6e-3f0c-4a57-9d0e-8d7c1c3a2b10',
  type,
  customerId: 'c-1',
  occurredAt: '2026-11-24T09:30:00+08:00',
  channel: 'app',
  data,
  ...extra,
});

const VALID: [string, Record<string, unknown>][] = [
  ['CustomerRegistered', { name: '张伟', gender: 'male', birthDate: '1990-05-01', email: 'zhang.wei@example.cn', phone: '+8613800138000', referredBy: 'c-0' }],
  ['ProfileUpdated', { name: null, phone: '+8613912345678' }],
  ['AddressSaved', { addressId: 'a1', province: '江苏省', city: '南京市', district: '玄武区', line1: '中山路 1 号 2 单元', postalCode: '210000', isDefault: true }],
  ['AddressRemoved', { addressId: 'a1' }],
  ['ConsentChanged', { marketingEmail: true, marketingSms: false }],
  ['CustomerTagged', { tag: '高价值' }],
  ['CustomerUntagged', { tag: 'vip' }],
  ['MembershipTierChanged', { tier: 'gold' }],
  ['IdentityLinked', { anonymousId: 'anon-42' }],
  ['OrderPlaced', { orderId: 'o-1', items: [{ sku: 'B-1', name: '三体', category: 'books', quantity: 2, unitPrice: 3900 }], total: 7800, currency: 'CNY' }],
  ['OrderPaid', { orderId: 'o-1', amount: 7800, currency: 'CNY', method: 'alipay' }],
  ['OrderShipped', { orderId: 'o-1', carrier: '顺丰', trackingNumber: 'SF123' }],
  ['OrderDelivered', { orderId: 'o-1' }],
  ['OrderCancelled', { orderId: 'o-1', reason: '不想要了' }],
  ['OrderRefunded', { orderId: 'o-1', amount: 3900, currency: 'CNY' }],
  ['PageViewed', { url: 'https://shop.example.cn/books?q=三体', referrer: 'https://www.baidu.com/' }],
  ['ProductViewed', { sku: 'B-1', category: 'books', price: 3900 }],
  ['SearchPerformed', { query: '空气净化器', resultCount: 12 }],
  ['CartItemAdded', { sku: 'A-9', category: 'appliances', quantity: 1, unitPrice: 129900 }],
  ['CartItemRemoved', { sku: 'A-9' }],
  ['ServiceChatStarted', { chatId: 'ch-1', topic: '退货' }],
  ['ServiceChatEnded', { chatId: 'ch-1', resolved: true, durationSeconds: 300 }],
  ['ComplaintFiled', { complaintId: 'k-1', category: 'delivery', severity: 'high', orderId: 'o-1', description: '快递员态度差，包裹破损' }],
  ['ComplaintResolved', { complaintId: 'k-1', resolution: '已补发', compensation: '20 元优惠券' }],
  ['SurveyAnswered', { surveyId: 's-1', kind: 'NPS', score: 0, comment: '一般', subject: 'order', subjectId: 'o-1' }],
  ['CareMessageSent', { kind: 'birthday', campaignId: 'bday-2026' }],
  ['ReferralRewarded', { referredCustomerId: 'c-2', reward: '积分 500' }],
];

describe('validateEvent', () => {
  it('covers every type of the catalog', () => {
    expect(VALID.map(([type]) => type).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(VALID)('accepts a valid %s with Chinese text', (type, data) => {
    const result = validateEvent(envelope(type, data), context);
    expect(result).toEqual({ ok: true, event: expect.objectContaining({ type, data }) });
  });

  it.each([
    ['an unknown type, naming the valid ones', envelope('OrderTeleported', {}), '/type', 'isIn', /one of CustomerRegistered, .*ReferralRewarded/],
    ['a bad customerId', envelope('PageViewed', { url: '/' }, { customerId: 'c 1/x' }), '/customerId', 'matches', /customerId/],
    ['an occurredAt without offset', envelope('PageViewed', { url: '/' }, { occurredAt: '2026-11-24T09:30:00' }), '/occurredAt', 'matches', /offset/],
    ['an occurredAt more than 5 minutes ahead', envelope('PageViewed', { url: '/' }, { occurredAt: '2026-11-24T02:05:01Z' }), '/occurredAt', 'notInFuture', /5 minutes/],
    ['an hour 24', envelope('PageViewed', { url: '/' }, { occurredAt: '2026-11-20T24:00:00Z' }), '/occurredAt', 'matches', /ISO-8601/],
    ['unknown metadata', envelope('PageViewed', { url: '/' }, { metadata: { tenant: 't' } }), '/metadata/tenant', 'unknownField', /not a field/],
    ['an impossible date', envelope('PageViewed', { url: '/' }, { occurredAt: '2026-02-30T10:00:00Z' }), '/occurredAt', 'isDateTime', /real date/],
    ['an unknown channel', envelope('PageViewed', { url: '/' }, { channel: 'fax' }), '/channel', 'isIn', /web, app/],
    ['a non-UUID eventId', envelope('PageViewed', { url: '/' }, { eventId: '42' }), '/eventId', 'isUuid', /UUID/],
    ['an unknown envelope field', envelope('PageViewed', { url: '/' }, { tenant: 'x' }), '/tenant', 'unknownField', /not a field/],
    ['an unknown data field', envelope('PageViewed', { url: '/', secret: 1 }), '/data/secret', 'unknownField', /not a field/],
    ['another currency', envelope('OrderPaid', { orderId: 'o', amount: 1, currency: 'USD' }), '/data/currency', 'baseCurrency', /CNY/],
    ['money that is not an integer', envelope('OrderPaid', { orderId: 'o', amount: 12.5, currency: 'CNY' }), '/data/amount', 'isInt', /minor units/],
    ['money as a string', envelope('OrderPaid', { orderId: 'o', amount: '1250', currency: 'CNY' }), '/data/amount', 'isInt', /minor units/],
    ['negative money', envelope('OrderRefunded', { orderId: 'o', amount: -1, currency: 'CNY' }), '/data/amount', 'min', /amount/],
    ['an order without items', envelope('OrderPlaced', { orderId: 'o', items: [], total: 0, currency: 'CNY' }), '/data/items', 'arrayMinSize', /items/],
    ['a bad item inside an order', envelope('OrderPlaced', { orderId: 'o', items: [{ sku: 'x', category: 'Books!', quantity: 0, unitPrice: 1 }], total: 1, currency: 'CNY' }), '/data/items/0/category', 'matches', /slug/],
    ['a CSAT score above 5', envelope('SurveyAnswered', { surveyId: 's', kind: 'CSAT', score: 9 }), '/data/score', 'scoreForKind', /1–5/],
    ['an NPS score above 10', envelope('SurveyAnswered', { surveyId: 's', kind: 'NPS', score: 11 }), '/data/score', 'scoreForKind', /0–10/],
    ['a phone that is not E.164', envelope('ProfileUpdated', { phone: '138-0013-8000' }), '/data/phone', 'matches', /\+8613800138000/],
    ['an overlong name', envelope('ProfileUpdated', { name: '张'.repeat(101) }), '/data/name', 'isLength', /name/],
    ['an overlong correlationId', envelope('PageViewed', { url: '/' }, { metadata: { source: 'x', correlationId: 'y'.repeat(129) } }), '/metadata/correlationId', 'isLength', /correlationId/],
  ])('rejects %s', (_case, body, pointer, rule, message) => {
    const result = validateEvent(body, context, 7);
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toContainEqual({ index: 7, pointer, rule, message: expect.stringMatching(message) });
  });

  it('rejects an order of 501 items', () => {
    const items = Array.from({ length: 501 }, (_, i) => ({ sku: `s${i}`, category: 'books', quantity: 1, unitPrice: 1 }));
    const result = validateEvent(envelope('OrderPlaced', { orderId: 'o', items, total: 501, currency: 'CNY' }), context);
    expect(result.ok ? [] : result.errors.map((e) => e.rule)).toContain('arrayMaxSize');
  });

  it('reports every bad field at once', () => {
    const result = validateEvent({ type: 'OrderPaid', customerId: '', occurredAt: 'soon', channel: 'app', data: { orderId: 'o', amount: 1, currency: 'CNY' } }, context);
    expect(result.ok ? [] : result.errors.map((e) => e.pointer).sort()).toEqual(['/customerId', '/occurredAt']);
  });

  it.each([null, [], 'text', 42])('rejects a body that is not an object: %j', (body) => {
    expect(validateEvent(body, context)).toEqual({ ok: false, errors: [{ pointer: '', rule: 'isObject', message: expect.any(String) }] });
  });
});

describe('contentHash', () => {
  const event = (overrides: Partial<ValidEvent>): ValidEvent => ({
    eventId: undefined, type: 'PageViewed', customerId: 'c-1', occurredAt: '2026-11-24T09:30:00+08:00', channel: 'web', data: { url: '/a', referrer: '/b' }, metadata: {}, ...overrides,
  });

  it('is the same for the same fact in another key order, offset or metadata', () => {
    expect(contentHash(event({ data: { referrer: '/b', url: '/a' }, occurredAt: '2026-11-24T01:30:00Z', metadata: { source: 'crm' } }))).toBe(contentHash(event({})));
  });

  it.each([{ type: 'ProductViewed' as const }, { customerId: 'c-2' }, { channel: 'app' as const }, { occurredAt: '2026-11-24T09:30:01+08:00' }, { data: { url: '/a' } }])(
    'differs when %j differs',
    (change) => expect(contentHash(event(change))).not.toBe(contentHash(event({}))),
  );
});
