import { DerivationRules } from '@tessera/platform';
import { netSpend, Purchase } from './orders';
import { withinDays } from './time';

export const VALUE_TIERS = ['high', 'medium', 'low', 'none'] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];

/** Purchases placed in the last `windowDays` (their refunds whenever made). */
export function purchasesInWindow(purchases: readonly Purchase[], now: number, rules: DerivationRules): Purchase[] {
  return purchases.filter((p) => p.at <= now && withinDays(p.at, now, rules.windowDays));
}

/** Value tier over the last 365 days (DESIGN §4): by net spend or by purchase count. */
export function valueTier(purchases: readonly Purchase[], now: number, rules: DerivationRules): ValueTier {
  const recent = purchasesInWindow(purchases, now, rules);
  const spend = netSpend(recent);
  if (spend >= rules.highTierSpend || recent.length >= rules.highTierPurchases) return 'high';
  if (spend >= rules.mediumTierSpend || recent.length >= rules.mediumTierPurchases) return 'medium';
  return recent.length >= 1 ? 'low' : 'none';
}
