import { DEFAULT_RULES } from '@tessera/platform';
import { lifecycleHistory, nextPurchaseBoundary, Stage, stageAt, Transition } from './lifecycle';
import { Purchase } from './orders';
import { DAY_MS } from './time';

const HOUR_MS = 3_600_000;
const NOW = Date.parse('2025-06-01T12:00:00+08:00');
/** An origin that is not a midnight, so `at` values are not accidentally round. */
const T0 = Date.parse('2024-01-01T09:30:00+08:00');
const ago = (days: number) => NOW - Math.round(days * DAY_MS);
const day = (n: number) => T0 + n * DAY_MS;

function purchase(at: number, orderId: string): Purchase {
  return { orderId, at, rev: 0, total: 10_000, refunded: 0, items: [{ sku: 'b-1', category: 'books', quantity: 1, unitPrice: 10_000 }], eventId: `ev-${orderId}`, position: `pos-${orderId}` };
}
/** Purchases at the given instants, sorted as purchasesOf returns them, named o1, o2, … oldest first. */
const purchasesAt = (instants: number[]) => [...instants].sort((a, b) => a - b).map((at, i) => purchase(at, `o${i + 1}`));
const purchasesAgo = (...days: number[]) => purchasesAt(days.map(ago));
const purchasesOnDays = (...days: number[]) => purchasesAt(days.map(day));

describe('stageAt (DESIGN §4, ages in whole days per §11)', () => {
  it.each<[description: string, daysAgo: number[], stage: Stage]>([
    ['no purchase ever', [], 'prospect'],
    ['a purchase dated after now is not counted yet', [-1], 'prospect'],
    ['one purchase today', [0], 'new'],
    ['one purchase just under 91 days ago (90 whole days)', [90.99], 'new'],
    ['one purchase exactly 91 days ago', [91], 'at_risk'],
    ['two purchases, the last 90 days ago', [200, 90], 'active'],
    ['two purchases, the last 91 days ago', [200, 91], 'at_risk'],
    ['one purchase yesterday vs …', [1], 'new'],
    ['… two purchases, the last yesterday', [2, 1], 'active'],
    ['last purchase just under 181 days ago', [180.99], 'at_risk'],
    ['last purchase 181 days ago', [181], 'churned'],
    ['last purchase two years ago', [730], 'churned'],
    ['exactly 5 purchases within the last 365 days', [364, 300, 200, 100, 10], 'loyal'],
    ['5 purchases, the oldest exactly 365 days ago (out of the window)', [365, 300, 200, 100, 10], 'active'],
    ['6 purchases of which 5 in the window', [400, 364, 300, 200, 100, 10], 'loyal'],
    ['4 purchases in the window', [300, 200, 100, 10], 'active'],
    ['5 purchases in the window but the last 91 days ago', [364, 300, 200, 100, 91], 'at_risk'],
    ['5 purchases in the window but the last 181 days ago', [364, 300, 250, 200, 181], 'churned'],
  ])('%s: purchases %j days ago → %s', (_, daysAgo, stage) => {
    expect(stageAt(purchasesAgo(...daysAgo), NOW, DEFAULT_RULES)).toBe(stage);
  });

  it.each<[description: string, rules: Partial<typeof DEFAULT_RULES>, daysAgo: number[], stage: Stage]>([
    ['activeDays 30: a purchase 31 days ago', { activeDays: 30 }, [31], 'at_risk'],
    ['atRiskDays 100: a purchase 101 days ago', { atRiskDays: 100 }, [101], 'churned'],
    ['loyalPurchases 3: three purchases this year', { loyalPurchases: 3 }, [50, 20, 10], 'loyal'],
  ])('thresholds are configurable: %s (%j), purchases %j days ago → %s', (_, rules, daysAgo, stage) => {
    expect(stageAt(purchasesAgo(...daysAgo), NOW, { ...DEFAULT_RULES, ...rules })).toBe(stage);
  });
});

type Expected = [from: Stage, to: Stage, atDay: number, cause: 'event' | 'time', orderId: string];
const asTransitions = (expected: Expected[]): Transition[] =>
  expected.map(([from, to, atDay, kind, orderId]) => ({
    from,
    to,
    at: day(atDay),
    cause: kind === 'event' ? { kind, eventId: `ev-${orderId}`, position: `pos-${orderId}`, eventType: 'OrderPlaced' } : { kind, basedOn: { eventId: `ev-${orderId}`, position: `pos-${orderId}` } },
  }));

describe('lifecycleHistory (DESIGN §11: transitions on the occurredAt timeline)', () => {
  it.each<[description: string, purchaseDays: number[], nowDay: number, transitions: Expected[]]>([
    ['no purchases', [], 500, []],
    ['one purchase, then silence', [0], 400, [
      ['prospect', 'new', 0, 'event', 'o1'],
      ['new', 'at_risk', 91, 'time', 'o1'],
      ['at_risk', 'churned', 181, 'time', 'o1'],
    ]],
    ['first → new, second → active, fifth within a year → loyal, then silence', [0, 20, 40, 60, 80], 300, [
      ['prospect', 'new', 0, 'event', 'o1'],
      ['new', 'active', 20, 'event', 'o2'],
      ['active', 'loyal', 80, 'event', 'o5'],
      ['loyal', 'at_risk', 171, 'time', 'o5'],
      ['at_risk', 'churned', 261, 'time', 'o5'],
    ]],
    ['same timeline seen on day 170: at_risk has not happened yet', [0, 20, 40, 60, 80], 170, [
      ['prospect', 'new', 0, 'event', 'o1'],
      ['new', 'active', 20, 'event', 'o2'],
      ['active', 'loyal', 80, 'event', 'o5'],
    ]],
    ['churned, then won back by a purchase', [0, 50, 400], 420, [
      ['prospect', 'new', 0, 'event', 'o1'],
      ['new', 'active', 50, 'event', 'o2'],
      ['active', 'at_risk', 141, 'time', 'o2'],
      ['at_risk', 'churned', 231, 'time', 'o2'],
      ['churned', 'active', 400, 'event', 'o3'],
    ]],
    ['at_risk, then won back before churning', [0, 100], 120, [
      ['prospect', 'new', 0, 'event', 'o1'],
      ['new', 'at_risk', 91, 'time', 'o1'],
      ['at_risk', 'active', 100, 'event', 'o2'],
    ]],
    ['loyal → active when the oldest purchase leaves the 365-day window', [0, 80, 160, 240, 320], 400, [
      ['prospect', 'new', 0, 'event', 'o1'],
      ['new', 'active', 80, 'event', 'o2'],
      ['active', 'loyal', 320, 'event', 'o5'],
      ['loyal', 'active', 365, 'time', 'o5'],
    ]],
  ])('%s', (_, purchaseDays, nowDay, expected) => {
    expect(lifecycleHistory(purchasesOnDays(...purchaseDays), day(nowDay), DEFAULT_RULES)).toEqual(asTransitions(expected));
  });

  it('ends, for random histories and instants, in the stage stageAt gives', () => {
    const random = seeded(7);
    for (let run = 0; run < 300; run += 1) {
      const days = Array.from({ length: Math.floor(random() * 9) }, () => Math.floor(random() * 900));
      const purchases = purchasesOnDays(...days);
      const now = day(Math.floor(random() * 1000));
      const history = lifecycleHistory(purchases, now, DEFAULT_RULES);
      expect(history.at(-1)?.to ?? 'prospect').toBe(stageAt(purchases, now, DEFAULT_RULES));
      for (const [i, t] of history.entries()) {
        expect(t.from).toBe(i === 0 ? 'prospect' : history[i - 1].to);
        expect(t.to).not.toBe(t.from);
        expect(t.at).toBeLessThanOrEqual(now);
        expect(stageAt(purchases, t.at, DEFAULT_RULES)).toBe(t.to);
        expect(stageAt(purchases, t.at - 1, DEFAULT_RULES)).toBe(t.from);
      }
    }
  });
});

describe('nextPurchaseBoundary', () => {
  it.each<[description: string, purchaseDays: number[], nowDay: number, nextDay: number | null]>([
    ['no purchases', [], 10, null],
    ['one purchase: next is the at_risk instant', [0], 10, 91],
    ['on the at_risk instant itself: next is churn', [0], 91, 181],
    ['after churn: next is leaving the 365-day window', [0], 200, 365],
    ['after leaving the window: none', [0], 365, null],
    ['two purchases: the earliest of all their boundaries still ahead', [0, 50], 100, 141],
    ['a purchase dated after now still has boundaries', [30], 10, 121],
  ])('%s: purchases on days %j, now day %d → day %s', (_, purchaseDays, nowDay, nextDay) => {
    expect(nextPurchaseBoundary(purchasesOnDays(...purchaseDays), day(nowDay), DEFAULT_RULES)).toBe(nextDay === null ? null : day(nextDay));
  });

  it('is exactly lastPurchase + 91 days to the millisecond', () => {
    const at = day(0) + 7 * HOUR_MS + 123;
    expect(nextPurchaseBoundary([purchase(at, 'o1')], at, DEFAULT_RULES)).toBe(at + 91 * DAY_MS);
    expect(stageAt([purchase(at, 'o1')], at + 91 * DAY_MS - 1, DEFAULT_RULES)).toBe('new');
    expect(stageAt([purchase(at, 'o1')], at + 91 * DAY_MS, DEFAULT_RULES)).toBe('at_risk');
  });
});

/** mulberry32: a small deterministic generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
