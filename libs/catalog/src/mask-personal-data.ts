import { EVENT_CATALOG, isEventType } from './event-catalog';
import { PersonalKind, personalFieldsOf } from './personal-data';

/**
 * The one masking function (DESIGN §11) for every place that shows customer data to a key
 * without `pii:read`. It reads the `@Personal` marks of the catalog, never a list of its own.
 */
export function maskPersonalValue(kind: PersonalKind, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const text = String(value);
  switch (kind) {
    case 'name': {
      const [first, ...rest] = Array.from(text);
      return `${first ?? ''}${'*'.repeat(rest.length)}`;
    }
    case 'phone':
      return maskPhone(text);
    case 'email': {
      const at = text.lastIndexOf('@');
      return at < 1 ? '***' : `${Array.from(text)[0]}***@${text.slice(at + 1)}`;
    }
    case 'address':
      return '***';
    case 'birthDate':
      return null;
    case 'freeText':
      return '[redacted]';
    case 'url':
      return maskUrl(text);
    case 'identifier':
      return '***';
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/** Masks the personal fields of one event's data; other fields are returned as they are. */
export function maskEventData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  if (!isEventType(type)) return data;
  const marks = personalFieldsOf(EVENT_CATALOG[type]);
  const masked: Record<string, unknown> = { ...data };
  for (const [field, kind] of Object.entries(marks)) {
    if (field in masked) masked[field] = maskPersonalValue(kind, masked[field]);
  }
  return masked;
}

/**
 * Keeps scheme, host and path (what analysts need); drops user info, and replaces the query
 * string and the fragment (where e-mails, phones and search words travel) by `[redacted]`.
 */
function maskUrl(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const query = beforeHash.indexOf('?');
  const base = (query < 0 ? beforeHash : beforeHash.slice(0, query)).replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, '$1');
  return `${base}${query < 0 ? '' : '?[redacted]'}${hash < 0 ? '' : '#[redacted]'}`;
}

const ONE_DIGIT_CODES = new Set(['1', '7']);
const TWO_DIGIT_CODES = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(' '),
);

/** Keeps the country code, the next 3 digits and the last 4: +8613812345678 → +86138****5678. */
function maskPhone(phone: string): string {
  const digits = phone.replace(/^\+/, '');
  if (!/^\d{7,15}$/.test(digits)) return '***';
  const codeLength = ONE_DIGIT_CODES.has(digits[0]) ? 1 : TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
  const kept = codeLength + 3;
  const hidden = Math.max(digits.length - kept - 4, 0);
  return `+${digits.slice(0, kept)}${'*'.repeat(hidden)}${digits.slice(kept + hidden)}`;
}
