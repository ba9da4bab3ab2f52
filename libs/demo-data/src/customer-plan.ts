import type { Channel } from '@tessera/catalog';
import { DAY, HOUR, MINUTE, momentBetween } from './clock';
import { CATEGORIES, Category } from './merchandise';
import { Person, makePerson } from './people';
import { Random, seedFor } from './random';

/** The lifecycle a customer is generated for (DESIGN §4); the platform derives it back from the facts. */
export type Stage = 'prospect' | 'new' | 'active' | 'loyal' | 'at_risk' | 'churned';

/** What every customer of one generated population shares. */
export type World = { seed: number; customers: number | undefined; now: number; start: number };

export type Customer = {
  index: number;
  id: string;
  rng: Random;
  now: number;
  registeredAt: number;
  stage: Stage;
  person: Person;
  /** Where this customer shops (orders) and browses, weighted. */
  channels: readonly (readonly [Channel, number])[];
  browseChannels: readonly (readonly [Channel, number])[];
  interests: readonly (readonly [Category, number])[];
  /** Instants of the orders that are kept (not cancelled), ascending. */
  purchases: number[];
  /** After this the customer no longer browses. */
  activeUntil: number;
  referredBy: string | undefined;
};

const STAGE_WEIGHTS: readonly (readonly [Stage, number])[] = [
  ['prospect', 15], ['new', 10], ['active', 25], ['loyal', 12], ['at_risk', 13], ['churned', 25],
];

/** A stage needs some history: nobody churns a week after registering. */
const MIN_AGE_DAYS: Record<Stage, number> = { prospect: 0, new: 0, active: 2, loyal: 45, at_risk: 95, churned: 185 };

export function demoCustomerId(index: number): string {
  return `c-${String(index).padStart(6, '0')}`;
}

export function planCustomer(rng: Random, index: number, world: World): Customer {
  const now = world.now;
  const registeredAt = registeredAtOf(world, index);
  const ageDays = (now - registeredAt) / DAY;
  const stage = rng.weighted(STAGE_WEIGHTS.filter(([candidate]) => ageDays >= MIN_AGE_DAYS[candidate]));
  const person = makePerson(rng);
  const purchases = purchaseTimes(rng, stage, registeredAt, now);
  const last = purchases[purchases.length - 1] ?? registeredAt;
  const young = person.birthDate.year >= 1985;
  const referrer = referrerOf(world, index);
  return {
    index,
    id: demoCustomerId(index),
    rng,
    now,
    registeredAt,
    stage,
    person,
    channels: young
      ? [['app', 45], ['mini_program', 28], ['web', 14], ['store', 11], ['call_center', 2]]
      : [['app', 24], ['mini_program', 22], ['web', 28], ['store', 22], ['call_center', 4]],
    browseChannels: young ? [['app', 55], ['mini_program', 30], ['web', 15]] : [['app', 30], ['mini_program', 30], ['web', 40]],
    interests: interestsOf(rng, person),
    purchases,
    activeUntil: activeUntil(rng, stage, registeredAt, last, now),
    referredBy: referrer === undefined ? undefined : demoCustomerId(referrer),
  };
}

/** Kept orders placed so that the customer's stage at `now` is `stage`, with safety margins around every threshold. */
function purchaseTimes(rng: Random, stage: Stage, registeredAt: number, now: number): number[] {
  const ago = (days: number) => now - days * DAY;
  const after = registeredAt + 10 * MINUTE;
  const spread = (count: number, from: number, to: number) => Array.from({ length: count }, () => momentBetween(rng, from, to));
  const older = (max: number) => (registeredAt < ago(368) ? spread(rng.int(0, max), after, ago(368)) : []);
  let times: number[];
  switch (stage) {
    case 'prospect':
      times = [];
      break;
    case 'new':
      times = [momentBetween(rng, Math.max(after, ago(88)), now)];
      break;
    case 'active': {
      const last = momentBetween(rng, Math.max(after, ago(88)), now);
      times = [last, ...spread(rng.weighted([[1, 5], [2, 3], [3, 2]] as const), Math.max(after, ago(360)), last), ...older(1)];
      break;
    }
    case 'loyal': {
      const last = momentBetween(rng, Math.max(after, ago(60)), now);
      times = [last, ...spread(rng.weighted([[4, 40], [5, 25], [6, 15], [7, 10], [9, 7], [12, 3]] as const), Math.max(after, ago(360)), last), ...older(2)];
      break;
    }
    case 'at_risk': {
      const last = momentBetween(rng, Math.max(after, ago(178)), ago(93));
      times = [last, ...spread(rng.weighted([[0, 40], [1, 35], [2, 25]] as const), after, last)];
      break;
    }
    case 'churned': {
      const last = momentBetween(rng, registeredAt + HOUR, ago(183));
      times = [last, ...spread(rng.weighted([[0, 55], [1, 30], [2, 15]] as const), after, last)];
      break;
    }
    default:
      return assertNever(stage);
  }
  return times.sort((a, b) => a - b);
}

function activeUntil(rng: Random, stage: Stage, registeredAt: number, lastPurchase: number, now: number): number {
  switch (stage) {
    case 'prospect':
      return registeredAt + (now - registeredAt) * rng.float(0.2, 1);
    case 'new':
    case 'active':
    case 'loyal':
      return now;
    case 'at_risk':
      return Math.max(lastPurchase, now - rng.float(15, 80) * DAY);
    case 'churned':
      return Math.min(now, lastPurchase + rng.float(0, 120) * DAY);
    default:
      return assertNever(stage);
  }
}

const LEANING: Record<Person['gender'], Partial<Record<Category, number>>> = {
  female: { beauty: 4, apparel: 3, baby: 2, food: 2, household: 2 },
  male: { digital: 4, sports: 3, appliances: 2, books: 1 },
  unknown: {},
};

/** Every category a little, one to three favourites a lot. */
function interestsOf(rng: Random, person: Person): readonly (readonly [Category, number])[] {
  const favourites = new Set<Category>();
  const count = rng.int(1, 3);
  while (favourites.size < count) favourites.add(rng.weighted(CATEGORIES.map((c) => [c, 1 + (LEANING[person.gender][c] ?? 0)] as const)));
  return CATEGORIES.map((category) => [category, favourites.has(category) ? 12 : 1] as const);
}

/**
 * When customer `index` registered: a pure function of the world, so the customer who referred
 * them can know it without generating their history. Older registrations are more likely.
 */
export function registeredAtOf(world: World, index: number): number {
  const rng = new Random(seedFor(world.seed, index, 1));
  const ageDays = Math.max(0.05, ((world.now - world.start) / DAY) * Math.sqrt(rng.next()));
  const target = world.now - ageDays * DAY;
  return momentBetween(rng, Math.max(world.start, target - 12 * HOUR), Math.min(world.now - 10 * MINUTE, target + 12 * HOUR));
}

const REFERRAL_SHARE = 0.12;
const REFERRAL_REACH = 50;

/** Who referred customer `index`, if anyone: a neighbour in the population who registered at least a day earlier. */
export function referrerOf(world: World, index: number): number | undefined {
  if (world.customers === undefined) return undefined;
  if (seedFor(world.seed, index, 2) / 4_294_967_296 >= REFERRAL_SHARE) return undefined;
  const step = 1 + (seedFor(world.seed, index, 3) % REFERRAL_REACH);
  const referrer = seedFor(world.seed, index, 4) % 2 === 0 ? index - step : index + step;
  if (referrer < 1 || referrer > world.customers) return undefined;
  return registeredAtOf(world, referrer) < registeredAtOf(world, index) - DAY ? referrer : undefined;
}

export function refereesOf(world: World, index: number): number[] {
  const referees: number[] = [];
  if (world.customers === undefined) return referees;
  for (let other = Math.max(1, index - REFERRAL_REACH); other <= Math.min(world.customers, index + REFERRAL_REACH); other++) {
    if (other !== index && referrerOf(world, other) === index) referees.push(other);
  }
  return referees;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
