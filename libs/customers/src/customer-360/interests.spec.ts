import { Browsing, OrderItem } from './customer-state';
import { DEFAULT_RULES } from '@tessera/platform';
import { categoryActivity, interests } from './interests';
import { Purchase } from './orders';
import { DAY_MS } from './time';

const NOW = Date.parse('2025-06-01T12:00:00+08:00');
const ago = (days: number) => NOW - days * DAY_MS;
const after = (days: number) => NOW + days * DAY_MS;

const item = (category: string, quantity = 1): OrderItem => ({ sku: `${category}-1`, category, quantity, unitPrice: 1_000 });
const purchase = (at: number, ...items: OrderItem[]): Purchase => ({ orderId: `o-${at}`, at, rev: 0, total: 1_000, refunded: 0, items, eventId: `ev-${at}`, position: '0' });
/** Browsing as the fold keeps it: counts, and the latest events newest first. */
const browsed = (...daysAgo: number[]): Browsing => ({
  views: daysAgo.length,
  cartAdds: 0,
  recent: daysAgo.map((d, i) => [ago(d), `ev-b${i}`] as [number, string]).sort((a, b) => b[0] - a[0]),
});

describe('interests from purchases (DESIGN §11: within the last 365 days)', () => {
  it.each<[description: string, daysAgo: number, categories: string[], expiresAt: number | null]>([
    ['bought yesterday', 1, ['books'], after(364)],
    ['bought 364 days ago', 364, ['books'], after(1)],
    ['bought exactly 365 days ago', 365, [], null],
    ['bought two years ago', 730, [], null],
    ['bought after now (not yet)', -1, [], null],
  ])('%s: bought %d days ago → %j', (_, daysAgo, categories, expiresAt) => {
    expect(interests([purchase(ago(daysAgo), item('books'))], {}, NOW, DEFAULT_RULES)).toEqual({ interests: categories, expiresAt });
  });

  it('takes every category of the order’s items, sorted, expiring with the earliest purchase', () => {
    const purchases = [purchase(ago(100), item('toys')), purchase(ago(10), item('digital'), item('appliances', 2))];
    expect(interests(purchases, {}, NOW, DEFAULT_RULES)).toEqual({ interests: ['appliances', 'digital', 'toys'], expiresAt: after(265) });
  });
});

describe('interests from browsing (DESIGN §11: ≥ 3 views and cart adds within the last 30 days)', () => {
  it.each<[description: string, daysAgo: number[], categories: string[], expiresAt: number | null]>([
    ['3 events within 30 days', [1, 5, 29], ['books'], after(1)],
    ['2 events', [1, 5], [], null],
    ['3 events, one exactly 30 days ago', [1, 5, 30], [], null],
    ['4 events: expires when the 3rd-latest leaves the window', [1, 2, 10, 40], ['books'], after(20)],
    ['5 recent events: the 3rd-latest, not the oldest, sets the expiry', [1, 2, 10, 20, 25], ['books'], after(20)],
    ['an event dated after now does not count yet', [-1, 1, 2], [], null],
  ])('%s: events %j days ago → %j', (_, daysAgo, categories, expiresAt) => {
    expect(interests([], { books: browsed(...daysAgo) }, NOW, DEFAULT_RULES)).toEqual({ interests: categories, expiresAt });
  });

  it('holds until the moment the 3rd-latest event is 30 days old, and not after', () => {
    const browsing = { books: browsed(1, 2, 10) };
    const { expiresAt } = interests([], browsing, NOW, DEFAULT_RULES);
    expect(expiresAt).toBe(ago(10) + 30 * DAY_MS);
    expect(interests([], browsing, expiresAt! - 1, DEFAULT_RULES).interests).toEqual(['books']);
    expect(interests([], browsing, expiresAt!, DEFAULT_RULES).interests).toEqual([]);
  });

  it('gives the earliest expiry of purchase and browsing interests', () => {
    const result = interests([purchase(ago(300), item('books'))], { toys: browsed(1, 2, 3) }, NOW, DEFAULT_RULES);
    expect(result).toEqual({ interests: ['books', 'toys'], expiresAt: after(27) });
  });

  it('follows configured thresholds', () => {
    const rules = { ...DEFAULT_RULES, browsingInterestEvents: 2, browsingDays: 7 };
    expect(interests([], { books: browsed(1, 6), toys: browsed(1, 7) }, NOW, rules).interests).toEqual(['books']);
  });
});

describe('categoryActivity (all-time counts, purchases per item quantity)', () => {
  it('adds purchases by quantity and browsing counts, per category, sorted', () => {
    const purchases = [purchase(ago(1_000), item('books', 2), item('digital')), purchase(ago(1), item('books', 3))];
    const browsing: Record<string, Browsing> = { toys: { views: 2, cartAdds: 0, recent: [] }, books: { views: 4, cartAdds: 1, recent: [] } };
    const activity = categoryActivity(purchases, browsing);
    expect(activity).toEqual({
      books: { purchases: 5, views: 4, cartAdds: 1 },
      digital: { purchases: 1, views: 0, cartAdds: 0 },
      toys: { purchases: 0, views: 2, cartAdds: 0 },
    });
    expect(Object.keys(activity)).toEqual(['books', 'digital', 'toys']);
  });

  it('is empty without purchases or browsing', () => {
    expect(categoryActivity([], {})).toEqual({});
  });
});
