import { Address, CONSENT_FLAGS, ConsentFlag, CustomerState, ProfileField } from './customer-state';
import { DerivationRules } from '@tessera/platform';
import { categoryActivity, CategoryActivity, interests } from './interests';
import { lifecycleHistory, nextPurchaseBoundary, Stage, Transition } from './lifecycle';
import { averageOrderValue, netSpend, Purchase, purchasesOf } from './orders';
import { customerSatisfaction, CustomerSatisfaction } from './satisfaction';
import { iso } from './time';
import { purchasesInWindow, valueTier, ValueTier } from './value-tier';

/** The customer 360 document of `GET /v1/customers/:id` (DESIGN §6), before masking. */
export type CustomerProfile = {
  customerId: string;
  name: string | null;
  gender: string | null;
  birthDate: string | null;
  birthday: { month: number; day: number } | null;
  email: string | null;
  phone: string | null;
  addresses: Address[];
  consent: Record<ConsentFlag, boolean>;
  tags: string[];
  membershipTier: string | null;
  registeredAt: string | null;
  registrationChannel: string | null;
  referredBy: string | null;
  referralCount: number;
  orderCount: number;
  netSpend: number;
  netSpend365d: number;
  averageOrderValue: number;
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  lastSeenAt: string | null;
  channels: string[];
  interests: string[];
  categoryActivity: CategoryActivity;
  lifecycleStage: Stage;
  lifecycleStageSince: string | null;
  valueTier: ValueTier;
  satisfaction: CustomerSatisfaction;
  segments: string[];
};

export type DerivedCustomer = {
  profile: CustomerProfile;
  transitions: Transition[];
  /** When time alone may next change a stage, tier, window sum or interest; null: never. */
  nextReviewAt: number | null;
};

/**
 * Derives the profile and the lifecycle history from the folded state as of `now`. Pure: the
 * projector and the scheduler call it with the wall clock, tests with a fixed instant.
 */
export function deriveCustomer(state: CustomerState, now: number, rules: DerivationRules): DerivedCustomer {
  const allPurchases = purchasesOf(state.orders);
  const purchases = allPurchases.filter((p) => p.at <= now);
  const recent = purchasesInWindow(purchases, now, rules);
  const transitions = lifecycleHistory(purchases, now, rules);
  const last = transitions.at(-1);
  const stage = last?.to ?? 'prospect';
  const tier = valueTier(purchases, now, rules);
  const interest = interests(purchases, state.browsing, now, rules);
  const satisfaction = customerSatisfaction(state.surveys, state.complaints, state.chats);
  const field = <T>(name: ProfileField) => (state.fields[name]?.v ?? null) as T | null;
  const birthDate = field<string>('birthDate');
  const tags = Object.entries(state.tags).filter(([, r]) => r.v).map(([tag]) => tag).sort();
  const consent = Object.fromEntries(CONSENT_FLAGS.map((flag) => [flag, state.consent[flag]?.v ?? false])) as Record<ConsentFlag, boolean>;

  const profile: CustomerProfile = {
    customerId: state.customerId,
    name: field('name'),
    gender: field('gender'),
    birthDate,
    birthday: birthdayOf(birthDate),
    email: field('email'),
    phone: field('phone'),
    addresses: addressesOf(state),
    consent,
    tags,
    membershipTier: field('membershipTier'),
    registeredAt: iso(state.registration?.at),
    registrationChannel: state.registration?.v.channel ?? null,
    referredBy: field('referredBy'),
    referralCount: Object.keys(state.referrals).length,
    orderCount: purchases.length,
    netSpend: netSpend(purchases),
    netSpend365d: netSpend(recent),
    averageOrderValue: averageOrderValue(purchases),
    firstPurchaseAt: iso(purchases[0]?.at),
    lastPurchaseAt: iso(purchases.at(-1)?.at),
    lastSeenAt: iso(state.lastSeenAt),
    channels: state.channels,
    interests: interest.interests,
    categoryActivity: categoryActivity(purchases, state.browsing),
    lifecycleStage: stage,
    lifecycleStageSince: iso(last?.at ?? state.registration?.at ?? state.firstSeenAt),
    valueTier: tier,
    satisfaction,
    segments: [],
  };
  profile.segments = builtInSegments(profile);
  const boundaries = [nextPurchaseBoundary(allPurchases, now, rules), interest.expiresAt, firstFutureFact(allPurchases, state, now)].filter((b): b is number => b !== null && b > now);
  return { profile, transitions, nextReviewAt: boundaries.length === 0 ? null : Math.min(...boundaries) };
}

/** Built-in segments (DESIGN §5, §11); custom segments join them in the segments issue. */
export function builtInSegments(profile: CustomerProfile): string[] {
  const segments = [`stage:${profile.lifecycleStage}`];
  if (profile.valueTier !== 'none') segments.push(`value:${profile.valueTier}`);
  for (const category of profile.interests) segments.push(`interest:${category}`);
  for (const tag of profile.tags) segments.push(`tag:${tag}`);
  if (profile.satisfaction.npsClass === 'promoter' || profile.satisfaction.npsClass === 'detractor') segments.push(`nps:${profile.satisfaction.npsClass}`);
  if (profile.satisfaction.complaintsOpen > 0) segments.push('complaint:open');
  if (profile.consent.marketingEmail) segments.push('consent:marketing-email');
  if (profile.consent.marketingSms) segments.push('consent:marketing-sms');
  if (profile.consent.marketingPush) segments.push('consent:marketing-push');
  return segments;
}

/** Default address first, then the most recently saved; only the latest default keeps the flag. */
function addressesOf(state: CustomerState): Address[] {
  const saved = Object.values(state.addresses).filter((r) => r.v !== null).sort((a, b) => b.at - a.at || b.rev - a.rev);
  const defaultIndex = saved.findIndex((r) => r.v!.isDefault);
  const ordered = defaultIndex < 0 ? saved : [saved[defaultIndex], ...saved.filter((_, i) => i !== defaultIndex)];
  return ordered.map((r, i) => ({ ...r.v!, isDefault: defaultIndex >= 0 && i === 0 }));
}

function birthdayOf(birthDate: string | null): { month: number; day: number } | null {
  const match = birthDate === null ? null : /^\d{4}-(\d{2})-(\d{2})/.exec(birthDate);
  return match ? { month: Number(match[1]), day: Number(match[2]) } : null;
}

/** A purchase or browsing dated in the future (clock skew allowance) counts when its time comes. */
function firstFutureFact(purchases: readonly Purchase[], state: CustomerState, now: number): number | null {
  const future = [...purchases.map((p) => p.at), ...Object.values(state.browsing).flatMap((b) => b.recent.map(([at]) => at))].filter((at) => at > now);
  return future.length === 0 ? null : Math.min(...future);
}
