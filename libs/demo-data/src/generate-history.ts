import { addBrowsing } from './browsing';
import { DAY } from './clock';
import { Stage, World, planCustomer } from './customer-plan';
import { EventBody, History, deliveryOrder } from './history';
import { addCare, addMembership, addReferralRewards, addTags } from './loyalty';
import { addOrders } from './orders';
import { addProfile } from './profile';
import { Random, seedFor } from './random';
import { addService } from './service';

export type HistoryOptions = {
  now: Date;
  /** How far back histories reach; default 2. */
  years?: number;
  /**
   * The average size of a history, reached by adding browsing; default 20. Profile, orders and
   * service alone make about 18 events a customer, so smaller values change little.
   */
  eventsPerCustomer?: number;
  /** Share of facts delivered 1–12 places late; default 0.05. */
  lateShare?: number;
  /** Share of facts with a business key sent again under a new eventId; default 0.02 (about 1% of all events). */
  resendShare?: number;
  /** World seed: registration dates and referrals between customers depend on it; default 0. */
  seed?: number;
  /** Population size: referrals only point inside it; without it nobody is referred. */
  customers?: number;
};

export type HistoriesOptions = HistoryOptions & { seed: number; customers: number; firstIndex?: number };

/** Heavier users generate more events than light ones; weighted by the stage mix the factors average 0.9. */
const STAGE_ACTIVITY: Record<Stage, number> = { prospect: 0.5, new: 0.6, active: 1, loyal: 1.8, at_risk: 0.9, churned: 0.75 };

/**
 * One customer's history (customer id `c-000042` for index 42) in delivery order: mostly
 * chronological, a few facts late and a few re-sent (see `deliveryOrder`). Every `occurredAt`
 * is in +08:00 and never later than `now`. Deterministic for the same rng state and options.
 */
export function generateCustomerHistory(rng: Random, customerIndex: number, options: HistoryOptions): EventBody[] {
  const world = worldOf(options);
  const customer = planCustomer(rng, customerIndex, world);
  const history = new History(world.now);
  const marketing = addProfile(history, customer);
  const orders = addOrders(history, customer);
  addMembership(history, customer, orders);
  addTags(history, customer, orders);
  addService(history, customer, orders);
  addCare(history, customer, marketing);
  addReferralRewards(history, customer, world);
  const target = (options.eventsPerCustomer ?? 20) * STAGE_ACTIVITY[customer.stage] * rng.float(0.5, 1.5);
  addBrowsing(history, customer, orders, Math.max(1, Math.round(target - history.size)));
  return deliveryOrder(rng, customer.id, history.drafts, { lateShare: options.lateShare ?? 0.05, resendShare: options.resendShare ?? 0.02 });
}

/**
 * Customers `firstIndex` (default 1) to `customers`, one history at a time, so millions of events
 * stream with flat memory. Each customer has its own generator seeded from (seed, index).
 */
export function* generateHistories(options: HistoriesOptions): Generator<EventBody[], void, undefined> {
  for (let index = options.firstIndex ?? 1; index <= options.customers; index++) {
    yield generateCustomerHistory(customerRandom(options.seed, index), index, options);
  }
}

export function customerRandom(seed: number, customerIndex: number): Random {
  return new Random(seedFor(seed, customerIndex));
}

function worldOf(options: HistoryOptions): World {
  const now = options.now.getTime();
  return { seed: options.seed ?? 0, customers: options.customers, now, start: now - (options.years ?? 2) * 365 * DAY };
}
