import { createHash } from 'node:crypto';
import { ValidEvent } from './validate-event';

/**
 * The idempotency fingerprint (DESIGN §11): sha-256 of the canonical (type, customerId,
 * occurredAt instant, channel, data). Metadata is ignored; object keys are sorted, so the same
 * fact in another key order or another offset is the same content.
 */
export function contentHash(event: ValidEvent): string {
  const canonical = canonicalJson([event.type, event.customerId, new Date(event.occurredAt).toISOString(), event.channel, event.data]);
  return createHash('sha256').update(canonical).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
