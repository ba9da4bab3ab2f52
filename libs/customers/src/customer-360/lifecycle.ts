import { DerivationRules } from '@tessera/platform';
import { Purchase } from './orders';
import { ageInDays, DAY_MS } from './time';

export const STAGES = ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'] as const;
export type Stage = (typeof STAGES)[number];

export type TransitionCause =
  | { kind: 'event'; eventId: string; position: string; eventType: 'OrderPlaced' }
  | { kind: 'time'; basedOn: { eventId: string; position: string } };

export type Transition = { from: Stage; to: Stage; at: number; cause: TransitionCause };

/**
 * The stage at instant `now` given the purchases made up to then (DESIGN §4), `purchases` sorted
 * by occurredAt. Purchases after `now` are ignored.
 */
export function stageAt(purchases: readonly Purchase[], now: number, rules: DerivationRules): Stage {
  let count = 0;
  let inWindow = 0;
  let last = -Infinity;
  for (const p of purchases) {
    if (p.at > now) break;
    count += 1;
    last = p.at;
    if (now - p.at < rules.windowDays * DAY_MS) inWindow += 1;
  }
  return stageFrom(count, inWindow, last, now, rules);
}

function stageFrom(count: number, inWindow: number, last: number, now: number, rules: DerivationRules): Stage {
  if (count === 0) return 'prospect';
  const age = ageInDays(last, now);
  if (age > rules.atRiskDays) return 'churned';
  if (age > rules.activeDays) return 'at_risk';
  if (inWindow >= rules.loyalPurchases) return 'loyal';
  return count === 1 ? 'new' : 'active';
}

/** The instants after a purchase at which time alone may change a stage, tier or window sum. */
function boundariesOf(p: Purchase, rules: DerivationRules): number[] {
  return [p.at + (rules.activeDays + 1) * DAY_MS, p.at + (rules.atRiskDays + 1) * DAY_MS, p.at + rules.windowDays * DAY_MS];
}

/**
 * Every stage transition on the occurredAt timeline up to `now` (DESIGN §11): a pure function of
 * the purchases, so a rebuild reproduces the same history. `at` is the instant the rule says the
 * stage changed; a change at a purchase is caused by it, any other by time.
 */
export function lifecycleHistory(purchases: readonly Purchase[], now: number, rules: DerivationRules): Transition[] {
  const points = new Set<number>();
  for (const p of purchases) {
    if (p.at <= now) points.add(p.at);
    for (const b of boundariesOf(p, rules)) if (b <= now) points.add(b);
  }
  const transitions: Transition[] = [];
  let stage: Stage = 'prospect';
  let included = 0;
  let windowStart = 0;
  for (const t of [...points].sort((a, b) => a - b)) {
    while (included < purchases.length && purchases[included].at <= t) included += 1;
    while (windowStart < included && t - purchases[windowStart].at >= rules.windowDays * DAY_MS) windowStart += 1;
    if (included === 0) continue;
    const last = purchases[included - 1];
    const next = stageFrom(included, included - windowStart, last.at, t, rules);
    if (next === stage) continue;
    const cause: TransitionCause =
      last.at === t ? { kind: 'event', eventId: last.eventId, position: last.position, eventType: 'OrderPlaced' } : { kind: 'time', basedOn: { eventId: last.eventId, position: last.position } };
    transitions.push({ from: stage, to: next, at: t, cause });
    stage = next;
  }
  return transitions;
}

/** The next instant after `now` at which time alone may change a purchase-based figure, if any. */
export function nextPurchaseBoundary(purchases: readonly Purchase[], now: number, rules: DerivationRules): number | null {
  let next: number | null = null;
  for (const p of purchases) for (const b of boundariesOf(p, rules)) if (b > now && (next === null || b < next)) next = b;
  return next;
}
