import type { Channel } from '@tessera/catalog';
import { DAY, HOUR, MINUTE, SECOND, momentBetween } from './clock';
import { Customer } from './customer-plan';
import { History } from './history';
import { addressLine, formatDate, makePerson, mobilePhone, postalCode } from './people';

/** A channel the customer allowed marketing on, and for how long. */
export type MarketingWindow = { channel: Channel; from: number; until: number };

type Flags = { marketingEmail: boolean; marketingSms: boolean; marketingPush: boolean; personalization: boolean };

const MARKETING_CHANNEL: Record<Exclude<keyof Flags, 'personalization'>, Channel> = { marketingEmail: 'email', marketingSms: 'sms', marketingPush: 'app' };

/** Registration, identity, consent, addresses and later profile edits. Returns where marketing is allowed. */
export function addProfile(history: History, customer: Customer): MarketingWindow[] {
  const { rng, person, registeredAt: at } = customer;
  const channel = rng.weighted<Channel>([['app', 35], ['mini_program', 25], ['web', 20], ['store', 15], ['social', 3], ['call_center', 2]]);
  const hasEmail = rng.chance(0.55);
  history.add('CustomerRegistered', at, channel, {
    ...(rng.chance(0.92) && { name: person.name }),
    ...(person.gender !== 'unknown' && rng.chance(0.9) && { gender: person.gender }),
    ...(rng.chance(0.6) && { birthDate: formatDate(person.birthDate) }),
    ...(hasEmail && { email: person.email }),
    ...(rng.chance(0.95) && { phone: person.phone }),
    ...(customer.referredBy !== undefined && { referredBy: customer.referredBy }),
  }, 'crm');
  if (rng.chance(0.2)) history.add('IdentityLinked', at + 5 * SECOND, channel, { anonymousId: `anon-${rng.hex(16)}` }, 'crm');
  addAddresses(history, customer, channel);
  addProfileUpdates(history, customer);
  return addConsent(history, customer, channel, hasEmail);
}

function addConsent(history: History, customer: Customer, channel: Channel, hasEmail: boolean): MarketingWindow[] {
  const { rng, registeredAt, now } = customer;
  if (!rng.chance(0.9)) return [];
  const flags: Flags = {
    marketingEmail: hasEmail && rng.chance(0.5),
    marketingSms: rng.chance(0.55),
    marketingPush: rng.chance(0.45),
    personalization: rng.chance(0.7),
  };
  history.add('ConsentChanged', registeredAt + 30 * SECOND, channel, flags, 'crm');
  const windows = new Map<keyof typeof MARKETING_CHANNEL, MarketingWindow>();
  for (const key of Object.keys(MARKETING_CHANNEL) as (keyof typeof MARKETING_CHANNEL)[]) {
    if (flags[key]) windows.set(key, { channel: MARKETING_CHANNEL[key], from: registeredAt, until: now });
  }
  if (rng.chance(0.15)) {
    const key = rng.pick(Object.keys(MARKETING_CHANNEL) as (keyof typeof MARKETING_CHANNEL)[]);
    const when = momentBetween(rng, registeredAt + DAY, now);
    if (history.add('ConsentChanged', when, rng.pick<Channel>(['app', 'web', 'mini_program']), { [key]: !flags[key] }, 'crm')) {
      const open = windows.get(key);
      if (open) open.until = when;
      else windows.set(key, { channel: MARKETING_CHANNEL[key], from: when, until: now });
    }
  }
  return [...windows.values()];
}

/** A default address soon after registering (before the first order); sometimes a second one, and the first removed. */
function addAddresses(history: History, customer: Customer, channel: Channel): void {
  const { rng, person, registeredAt, purchases, now } = customer;
  if (purchases.length === 0 && !rng.chance(0.4)) return;
  const first = Math.min(registeredAt + rng.float(1, 72) * HOUR, (purchases[0] ?? now) - 2 * MINUTE);
  const firstAt = Math.max(registeredAt + MINUTE, Math.floor(first / SECOND) * SECOND);
  history.add('AddressSaved', firstAt, channel, {
    addressId: 'addr-1',
    province: person.city.province,
    city: person.city.city,
    district: rng.pick(person.city.districts),
    line1: addressLine(rng, person.city),
    ...(rng.chance(0.7) && { postalCode: postalCode(rng, person.city) }),
    isDefault: true,
  }, 'crm');
  if (!rng.chance(0.2)) return;
  const moved = rng.chance(0.6);
  const city = moved && rng.chance(0.5) ? makePerson(rng).city : person.city;
  const secondAt = momentBetween(rng, firstAt + DAY, now);
  const saved = history.add('AddressSaved', secondAt, rng.pick<Channel>(['app', 'mini_program', 'web']), {
    addressId: 'addr-2',
    province: city.province,
    city: city.city,
    district: rng.pick(city.districts),
    line1: addressLine(rng, city),
    isDefault: moved,
  }, 'crm');
  if (saved && moved && rng.chance(0.5)) history.add('AddressRemoved', secondAt + rng.int(1, 600) * SECOND, 'app', { addressId: 'addr-1' }, 'crm');
}

/** About a quarter of customers edit their profile once or twice; an explicit null clears a field. */
function addProfileUpdates(history: History, customer: Customer): void {
  const { rng, person, registeredAt, now } = customer;
  const edits = rng.weighted([[0, 75], [1, 20], [2, 5]] as const);
  for (let i = 0; i < edits; i++) {
    const at = momentBetween(rng, registeredAt + DAY, now);
    const data = rng.weighted<Record<string, unknown>>([
      [{ phone: mobilePhone(rng) }, 30],
      [{ email: person.email.replace(/@.*/, `@${rng.pick(['163.com', 'outlook.com', 'qq.com', 'icloud.com'])}`) }, 25],
      [{ birthDate: formatDate(person.birthDate) }, 20],
      [{ name: person.name, gender: person.gender }, 15],
      [{ email: null }, 5],
      [{ name: person.name, birthDate: formatDate(person.birthDate), phone: person.phone }, 5],
    ]);
    history.add('ProfileUpdated', at, rng.weighted<Channel>([['app', 50], ['mini_program', 25], ['web', 20], ['call_center', 5]]), data, 'crm');
  }
}
