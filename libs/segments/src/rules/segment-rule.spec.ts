import { evaluateRule } from './evaluate-rule';
import { durationMs } from '@tessera/platform';
import { checkRule, Rule } from './segment-rule';

const DAY = 86_400_000;
const now = Date.parse('2026-11-24T12:00:00Z');
const profile = {
  lifecycleStage: 'active',
  valueTier: 'medium',
  membershipTier: null,
  orderCount: 3,
  netSpend365d: 520_000,
  daysToBirthday: 7,
  lastPurchaseAt: new Date(now - 10 * DAY).toISOString(),
  lastSeenAt: new Date(now - 40 * DAY).toISOString(),
  tags: ['vip'],
  interests: ['books', 'digital'],
  consent: { marketingEmail: true, marketingSms: false },
  satisfaction: { csatAverage: 4.5, lastNps: null },
};

describe('checkRule: every error names the path of the bad node', () => {
  it.each<[description: string, rule: unknown, pointer: string, ruleName: string]>([
    ['not an object', 'netSpend > 5', '/rule', 'isObject'],
    ['unknown field', { field: 'password', op: 'eq', value: 'x' }, '/rule/field', 'isIn'],
    ['SQL in a field name', { field: "netSpend365d; drop table customer_360.customers; --", op: 'gt', value: 1 }, '/rule/field', 'isIn'],
    ['unknown operator', { field: 'orderCount', op: 'like', value: 1 }, '/rule/op', 'isIn'],
    ['unknown key', { field: 'orderCount', op: 'gt', value: 1, sql: 'true' }, '/rule/sql', 'unknownKey'],
    ['value of the wrong type, deep', { all: [{ field: 'orderCount', op: 'gt', value: 1 }, { any: [{ field: 'orderCount', op: 'gt', value: '1' }] }] }, '/rule/all/1/any/0/value', 'isNumber'],
    ['contains on a single value', { field: 'valueTier', op: 'contains', value: 'high' }, '/rule/op', 'opForField'],
    // values PostgreSQL refuses in the backfill are refused on save (issue 9)
    ['an impossible day', { field: 'lastPurchaseAt', op: 'gt', value: '2024-02-30T00:00Z' }, '/rule/value', 'isInstant'],
    ['an offset timestamptz refuses', { field: 'lastPurchaseAt', op: 'gt', value: '2024-02-01T00:00+23:59' }, '/rule/value', 'isInstant'],
    ['year 0000', { any: [{ field: 'lastSeenAt', op: 'lt', value: '0000-01-01T00:00Z' }] }, '/rule/any/0/value', 'isInstant'],
    ['an impossible day in a list', { field: 'lastPurchaseAt', op: 'in', value: ['2024-01-01T00:00Z', '2023-02-29T00:00Z'] }, '/rule/value/1', 'isOfFieldType'],
    ['a number beyond any profile figure', { field: 'netSpend365d', op: 'gte', value: 1e300 }, '/rule/value', 'isNumber'],
    ['a NUL in a compared string', { field: 'membershipTier', op: 'eq', value: 'gold\u0000' }, '/rule/value', 'isOfFieldType'],
    ['a lone surrogate in contains', { field: 'tags', op: 'contains', value: 'v\ud800' }, '/rule/value', 'isString'],
    ['within on a number', { field: 'orderCount', op: 'within', value: 'P30D' }, '/rule/op', 'opForField'],
    ['a month is not a fixed duration', { field: 'lastSeenAt', op: 'within', value: 'P1M' }, '/rule/value', 'isDuration'],
    ['empty all', { all: [] }, '/rule/all', 'nonEmptyArray'],
    ['in with a bad element', { field: 'lifecycleStage', op: 'in', value: ['active', 3] }, '/rule/value/1', 'isOfFieldType'],
    ['extra key beside not', { not: { field: 'orderCount', op: 'exists' }, all: [] }, '/rule', 'onlyKey'],
    ['instant without offset', { field: 'lastSeenAt', op: 'gt', value: '2026-11-01T00:00:00' }, '/rule/value', 'isInstant'],
  ])('%s', (_, rule, pointer, ruleName) => {
    const result = checkRule(rule);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([expect.objectContaining({ pointer, rule: ruleName })]);
  });

  it('refuses rules nested too deep or too large', () => {
    let deep: unknown = { field: 'orderCount', op: 'exists' };
    for (let i = 0; i < 10; i += 1) deep = { not: deep };
    expect(checkRule(deep)).toMatchObject({ ok: false, errors: [{ rule: 'maxDepth' }] });
    const wide = { any: Array.from({ length: 250 }, () => ({ field: 'orderCount', op: 'exists' })) };
    expect(checkRule(wide)).toMatchObject({ ok: false, errors: [{ rule: 'maxNodes' }] });
  });

  it('accepts the example of DESIGN §5', () => {
    const rule = { all: [{ field: 'netSpend365d', op: 'gte', value: 500000 }, { any: [{ field: 'interests', op: 'contains', value: 'books' }, { field: 'tags', op: 'contains', value: 'vip' }] }, { field: 'lastPurchaseAt', op: 'within', value: 'P30D' }] };
    expect(checkRule(rule)).toEqual({ ok: true, rule });
  });
});

describe('evaluateRule (DESIGN §11)', () => {
  it.each<[rule: Rule, expected: boolean]>([
    [{ field: 'lifecycleStage', op: 'eq', value: 'active' }, true],
    [{ field: 'lifecycleStage', op: 'neq', value: 'active' }, false],
    [{ field: 'netSpend365d', op: 'gte', value: 520_000 }, true],
    [{ field: 'netSpend365d', op: 'gt', value: 520_000 }, false],
    [{ field: 'lifecycleStage', op: 'in', value: ['loyal', 'active'] }, true],
    [{ field: 'interests', op: 'contains', value: 'books' }, true],
    [{ field: 'tags', op: 'contains', value: 'student' }, false],
    [{ field: 'lastPurchaseAt', op: 'within', value: 'P10D' }, true],
    [{ field: 'lastPurchaseAt', op: 'within', value: 'P9D' }, false],
    [{ field: 'lastSeenAt', op: 'before', value: 'P30D' }, true],
    [{ field: 'lastSeenAt', op: 'before', value: 'P40D' }, false],
    [{ field: 'daysToBirthday', op: 'lte', value: 7 }, true],
    [{ field: 'consent.marketingEmail', op: 'eq', value: true }, true],
    [{ field: 'satisfaction.csatAverage', op: 'gte', value: 4.5 }, true],
    // missing values: every operator is false, exists tests for them, and not() sees false
    [{ field: 'membershipTier', op: 'neq', value: 'gold' }, false],
    [{ field: 'satisfaction.lastNps', op: 'lt', value: 7 }, false],
    [{ field: 'membershipTier', op: 'exists' }, false],
    [{ field: 'membershipTier', op: 'exists', value: false }, true],
    [{ not: { field: 'membershipTier', op: 'eq', value: 'gold' } }, true],
    [{ all: [{ field: 'orderCount', op: 'gte', value: 3 }, { any: [{ field: 'tags', op: 'contains', value: 'vip' }, { field: 'gender', op: 'eq', value: 'female' }] }] }, true],
  ])('%j → %p', (rule, expected) => {
    expect(checkRule(rule).ok).toBe(true);
    expect(evaluateRule(rule, profile, now)).toBe(expected);
  });

  it.each<[text: string, ms: number | undefined]>([
    ['P30D', 30 * DAY],
    ['PT12H', 12 * 3_600_000],
    ['P1W', 7 * DAY],
    ['P1DT30M', DAY + 30 * 60_000],
    ['P1M', undefined],
    ['P', undefined],
    ['PT', undefined],
    ['30D', undefined],
  ])('duration %s → %p ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });
});
