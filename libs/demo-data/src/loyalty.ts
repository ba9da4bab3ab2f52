import type { Channel } from '@tessera/catalog';
import { DAY, HOUR, MINUTE, momentBetween, shanghaiTime, shanghaiYear, wholeSecond } from './clock';
import { Customer, World, demoCustomerId, refereesOf, registeredAtOf } from './customer-plan';
import { History } from './history';
import { OrderFact } from './orders';
import { daysInMonth } from './people';
import { MarketingWindow } from './profile';

const TIERS: readonly (readonly [string, number])[] = [['silver', 200_000], ['gold', 500_000], ['platinum', 2_000_000], ['diamond', 5_000_000]];

/** Member tiers follow cumulative paid spend; a year without a purchase costs one tier. */
export function addMembership(history: History, customer: Customer, orders: readonly OrderFact[]): void {
  const { rng, purchases, now } = customer;
  let spent = 0;
  let tier = -1;
  for (const order of orders) {
    if (order.cancelled || order.paidAt === undefined) continue;
    spent += order.total;
    const reached = TIERS.reduce((best, [, threshold], i) => (spent >= threshold ? i : best), -1);
    if (reached > tier && history.add('MembershipTierChanged', wholeSecond(order.paidAt + rng.float(1, 30) * MINUTE), 'other', { tier: TIERS[reached][0] }, 'crm')) tier = reached;
  }
  const last = purchases[purchases.length - 1];
  if (tier > 0 && last !== undefined && last + 395 * DAY < now) {
    history.add('MembershipTierChanged', momentBetween(rng, last + 366 * DAY, last + 395 * DAY), 'other', { tier: TIERS[tier - 1][0] }, 'crm');
  }
}

export function addTags(history: History, customer: Customer, orders: readonly OrderFact[]): void {
  const { rng, person, registeredAt, purchases, now } = customer;
  const tag = (at: number, value: string) => history.add('CustomerTagged', wholeSecond(at), 'other', { tag: value }, 'crm');
  const untag = (at: number, value: string) => history.add('CustomerUntagged', wholeSecond(at), 'other', { tag: value }, 'crm');
  const vipAt = purchases.find((at, i) => i >= 4 && at - purchases[i - 4] <= 365 * DAY);
  if (vipAt !== undefined && rng.chance(0.85) && tag(vipAt + rng.float(1, 48) * HOUR, 'vip')) {
    const last = purchases[purchases.length - 1];
    if (last + 230 * DAY < now && rng.chance(0.6)) untag(momentBetween(rng, last + 200 * DAY, last + 230 * DAY), 'vip');
  }
  const studentAt = registeredAt + rng.float(1, 720) * HOUR;
  const graduated = shanghaiTime(person.birthDate.year + 23, 7, 1, 3);
  if (person.birthDate.year >= 2002 && studentAt < graduated && rng.chance(0.5) && tag(studentAt, 'student')) untag(graduated, 'student');
  const baby = orders.find((order) => !order.cancelled && order.items.some((item) => item.category === 'baby'));
  if (baby && rng.chance(0.6)) tag(baby.placedAt + rng.float(1, 3) * DAY, 'new-parent');
  const bargainAt = momentBetween(rng, registeredAt, now);
  if (rng.chance(0.1) && tag(bargainAt, 'price-sensitive') && rng.chance(0.3)) untag(momentBetween(rng, bargainAt + HOUR, now), 'price-sensitive');
  if (rng.chance(0.01)) tag(registeredAt + rng.float(1, 10) * DAY, 'employee');
}

const SPRING_FESTIVAL: Record<number, [number, number]> = {
  2020: [1, 25], 2021: [2, 12], 2022: [2, 1], 2023: [1, 22], 2024: [2, 10], 2025: [1, 29],
  2026: [2, 17], 2027: [2, 6], 2028: [1, 26], 2029: [2, 13], 2030: [2, 3],
};

/** Birthday, holiday, coupon and win-back messages, only on channels the customer opted in to at that time. */
export function addCare(history: History, customer: Customer, marketing: readonly MarketingWindow[]): void {
  const { rng, person, registeredAt, stage, purchases, now } = customer;
  if (marketing.length === 0) return;
  const send = (at: number, kind: string, campaignId: string) => {
    const open = marketing.filter((window) => window.from <= at && at <= window.until);
    if (open.length > 0 && at >= registeredAt) history.add('CareMessageSent', wholeSecond(at), rng.pick(open).channel, { kind, campaignId }, 'crm');
  };
  for (let year = shanghaiYear(registeredAt); year <= shanghaiYear(now); year++) {
    const { month, day } = person.birthDate;
    if (rng.chance(0.5)) send(shanghaiTime(year, month, Math.min(day, daysInMonth(year, month)), 9, rng.int(0, 30)), 'birthday', `birthday-${year}`);
    const spring = SPRING_FESTIVAL[year];
    if (spring && rng.chance(0.15)) send(shanghaiTime(year, spring[0], spring[1], 10) - 2 * DAY, 'holiday', `spring-festival-${year}`);
    if (rng.chance(0.15)) send(shanghaiTime(year, 6, 15, 20), 'holiday', `618-${year}`);
    if (rng.chance(0.2)) send(shanghaiTime(year, 11, 8, 20), 'holiday', `double11-${year}`);
  }
  if (rng.chance(0.15)) {
    const at = momentBetween(rng, registeredAt, now);
    send(at, 'coupon', `coupon-${new Date(at).toISOString().slice(0, 7).replace('-', '')}`);
  }
  const last = purchases[purchases.length - 1];
  if ((stage === 'at_risk' || stage === 'churned') && last !== undefined && rng.chance(0.6)) {
    const at = momentBetween(rng, last + 95 * DAY, last + 150 * DAY);
    send(at, 'winback', `winback-${shanghaiYear(at)}`);
  }
}

const REWARDS = ['20元无门槛优惠券', '积分 500', '10元现金红包'];

/** The reward for each customer this one referred, a little after that customer registered. */
export function addReferralRewards(history: History, customer: Customer, world: World): void {
  const { rng } = customer;
  for (const referee of refereesOf(world, customer.index)) {
    const at = wholeSecond(registeredAtOf(world, referee) + rng.float(1, 72) * HOUR);
    const channel: Channel = 'app';
    history.add('ReferralRewarded', at, channel, { referredCustomerId: demoCustomerId(referee), reward: rng.pick(REWARDS) }, 'crm');
  }
}
