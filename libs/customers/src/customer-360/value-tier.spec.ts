import { OrderFacts } from './customer-state';
import { DEFAULT_RULES } from '@tessera/platform';
import { Purchase, purchasesOf } from './orders';
import { DAY_MS } from './time';
import { purchasesInWindow, valueTier, ValueTier } from './value-tier';

const NOW = Date.parse('2025-06-01T12:00:00+08:00');
const ago = (days: number) => NOW - days * DAY_MS;

/** A purchase as [days ago, total, refund counted against it]. */
type P = [daysAgo: number, total: number, refunded?: number];
const purchases = (...rows: P[]): Purchase[] =>
  rows
    .map(([daysAgo, total, refunded = 0], i) => ({ orderId: `o${i + 1}`, at: ago(daysAgo), rev: i, total, refunded, items: [], eventId: `ev-${i}`, position: `${i}` }))
    .sort((a, b) => a.at - b.at);
const times = (n: number, row: P): P[] => Array.from({ length: n }, () => row);

describe('valueTier (DESIGN §4: over the last 365 days)', () => {
  it.each<[description: string, purchases: P[], tier: ValueTier]>([
    ['no purchases', [], 'none'],
    ['one small purchase', [[10, 100]], 'low'],
    ['a free order is still a purchase', [[10, 0]], 'low'],
    ['spend 199,999', [[10, 199_999]], 'low'],
    ['spend 200,000', [[10, 200_000]], 'medium'],
    ['spend 999,999', [[10, 600_000], [20, 399_999]], 'medium'],
    ['spend 1,000,000', [[10, 1_000_000]], 'high'],
    ['3 purchases', times(3, [10, 100]), 'low'],
    ['4 purchases', times(4, [10, 100]), 'medium'],
    ['11 purchases', times(11, [10, 100]), 'medium'],
    ['12 purchases', times(12, [10, 100]), 'high'],
    ['a refund lowers spend below high', [[10, 1_000_000, 1]], 'medium'],
    ['a refund lowers spend below medium', [[10, 250_000, 50_001]], 'low'],
    ['a fully refunded purchase still counts as a purchase', [[10, 250_000, 250_000]], 'low'],
    ['a purchase 364 days ago counts', [[364, 1_000_000]], 'high'],
    ['a purchase exactly 365 days ago does not', [[365, 1_000_000]], 'none'],
    ['12 purchases, one of them 365 days ago', [...times(11, [10, 100]), [365, 100]], 'medium'],
    ['old big spend does not lift recent small spend', [[400, 5_000_000], [10, 100]], 'low'],
    ['a purchase dated after now does not count yet', [[-1, 1_000_000]], 'none'],
  ])('%s: %j → %s', (_, rows, tier) => {
    expect(valueTier(purchases(...rows), NOW, DEFAULT_RULES)).toBe(tier);
  });

  it.each<[description: string, rules: Partial<typeof DEFAULT_RULES>, purchases: P[], tier: ValueTier]>([
    ['highTierSpend 500,000', { highTierSpend: 500_000 }, [[10, 500_000]], 'high'],
    ['mediumTierPurchases 2', { mediumTierPurchases: 2 }, times(2, [10, 100]), 'medium'],
    ['windowDays 30', { windowDays: 30 }, [[30, 1_000_000]], 'none'],
  ])('thresholds are configurable: %s (%j): %j → %s', (_, rules, rows, tier) => {
    expect(valueTier(purchases(...rows), NOW, { ...DEFAULT_RULES, ...rules })).toBe(tier);
  });

  it('caps each order’s refunds at its total (refunds from orders, through purchasesOf)', () => {
    const order = (daysAgo: number, total: number, refund?: number): OrderFacts => ({
      placed: { at: ago(daysAgo), rev: daysAgo, v: { items: [], total, currency: 'CNY', channel: 'web', eventId: `ev-${daysAgo}`, position: `${daysAgo}` } },
      ...(refund === undefined ? {} : { refunded: { at: ago(daysAgo - 1), rev: 1000 + daysAgo, v: { amount: refund } } }),
    });
    // Uncapped, the 500,000 refund would leave 50,000 (low); capped at 300,000 it leaves 250,000.
    const orders = { big: order(20, 300_000, 500_000), small: order(10, 250_000) };
    expect(valueTier(purchasesOf(orders), NOW, DEFAULT_RULES)).toBe('medium');
  });
});

describe('purchasesInWindow', () => {
  it('keeps purchases less than 365 days old and not after now, with their refunds', () => {
    const all = purchases([400, 1], [365, 2], [364, 3, 1], [0, 4], [-1, 5]);
    expect(purchasesInWindow(all, NOW, DEFAULT_RULES).map((p) => [p.total, p.refunded])).toEqual([[3, 1], [4, 0]]);
  });
});
