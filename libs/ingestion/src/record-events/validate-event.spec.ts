import { EVENT_TYPES } from '@tessera/catalog';
import { VALID_DATA as VALID } from '@tessera/catalog/testing';
import { canonicalJson, contentHash } from './content-hash';
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
    ['29 February of a common year', envelope('PageViewed', { url: '/' }, { occurredAt: '2025-02-29T10:00:00Z' }), '/occurredAt', 'isDateTime', /real date/],
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

  it.each(['2024-02-29T10:00:00Z', '2000-02-29T10:00:00Z', '2025-12-31T23:59:59.999+08:00'])('accepts the real date %s', (occurredAt) => {
    expect(validateEvent(envelope('PageViewed', { url: '/' }, { occurredAt }), context).ok).toBe(true);
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

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: [3, { d: null, c: '张伟' }], e: { g: true, f: 'x"y' } }, '{"a":[3,{"c":"张伟","d":null}],"b":1,"e":{"f":"x\\"y","g":true}}'],
    [[], '[]'],
    [{}, '{}'],
    [{ a: undefined, b: 2 }, '{"b":2}'],
    ['text', '"text"'],
    [12.5, '12.5'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});
