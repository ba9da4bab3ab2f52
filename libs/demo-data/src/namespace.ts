import { createHash, randomBytes } from 'node:crypto';
import { EventBody } from './history';

/** Fields of the catalog that hold another customer's id. */
const CUSTOMER_ID_FIELDS = ['referredBy', 'referredCustomerId'] as const;

/** A namespace no earlier seed run used: 12 random bits would collide, 48 will not. */
export function freshNamespace(): string {
  return `s${randomBytes(6).toString('hex')}`;
}

export function isNamespace(text: string): boolean {
  return /^[A-Za-z0-9._:@-]{1,40}$/.test(text);
}

/**
 * A generated history moved into `namespace`: customer ids (and references to other customers)
 * become `<namespace>-<id>` and every eventId a UUID derived from (namespace, eventId). Two seed
 * runs in different namespaces never share a customer or an eventId, so they can fill one
 * database side by side; one namespace re-sent is answered as duplicates.
 */
export function inNamespace(history: readonly EventBody[], namespace: string): EventBody[] {
  return history.map((event) => {
    const data = { ...event.data };
    for (const field of CUSTOMER_ID_FIELDS) if (typeof data[field] === 'string') data[field] = namespacedId(namespace, data[field]);
    return { ...event, eventId: namespacedUuid(namespace, event.eventId), customerId: namespacedId(namespace, event.customerId), data };
  });
}

export function namespacedId(namespace: string, customerId: string): string {
  return `${namespace}-${customerId}`;
}

/** A name-based UUID (version 5 layout, SHA-1 of namespace and name). */
function namespacedUuid(namespace: string, name: string): string {
  const hex = createHash('sha1').update(`${namespace}\u0000${name}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
