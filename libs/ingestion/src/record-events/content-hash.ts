import { hash } from 'node:crypto';
import { ValidEvent } from './validate-event';

/**
 * The idempotency fingerprint (DESIGN §11): sha-256 of the canonical (type, customerId,
 * occurredAt instant, channel, data). Metadata is ignored; object keys are sorted, so the same
 * fact in another key order or another offset is the same content.
 */
export function contentHash(event: ValidEvent): string {
  const canonical = canonicalJson([event.type, event.customerId, new Date(event.occurredAt).toISOString(), event.channel, event.data]);
  return hash('sha256', canonical);
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(record[key])}`;
  }
  return `${out}}`;
}
