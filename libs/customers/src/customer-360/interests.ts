import { Browsing } from './customer-state';
import { DerivationRules } from '@tessera/platform';
import { Purchase } from './orders';
import { DAY_MS, withinDays } from './time';

export type CategoryActivity = Record<string, { purchases: number; views: number; cartAdds: number }>;

/** All-time counts per category; purchases count item quantities (DESIGN §11). */
export function categoryActivity(purchases: readonly Purchase[], browsing: Record<string, Browsing>): CategoryActivity {
  const activity: CategoryActivity = {};
  const of = (category: string) => (activity[category] ??= { purchases: 0, views: 0, cartAdds: 0 });
  for (const p of purchases) for (const item of p.items) of(item.category).purchases += item.quantity;
  for (const [category, b] of Object.entries(browsing)) {
    of(category).views += b.views;
    of(category).cartAdds += b.cartAdds;
  }
  return Object.fromEntries(Object.entries(activity).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Interested in a category after a purchase in it within `windowDays`, or at least
 * `browsingInterestEvents` views and cart adds in it within `browsingDays` (DESIGN §11).
 * Returns the sorted categories and the next instant at which one of them may expire.
 */
export function interests(purchases: readonly Purchase[], browsing: Record<string, Browsing>, now: number, rules: DerivationRules): { interests: string[]; expiresAt: number | null } {
  const found = new Set<string>();
  let expiresAt: number | null = null;
  const expiry = (at: number) => (expiresAt = expiresAt === null ? at : Math.min(expiresAt, at));
  for (const p of purchases) {
    if (p.at > now || !withinDays(p.at, now, rules.windowDays)) continue;
    for (const item of p.items) found.add(item.category);
    expiry(p.at + rules.windowDays * DAY_MS);
  }
  for (const [category, b] of Object.entries(browsing)) {
    const recent = b.recent.filter(([at]) => at <= now && withinDays(at, now, rules.browsingDays));
    if (recent.length < rules.browsingInterestEvents) continue;
    found.add(category);
    expiry(recent[rules.browsingInterestEvents - 1][0] + rules.browsingDays * DAY_MS);
  }
  return { interests: [...found].sort(), expiresAt };
}
