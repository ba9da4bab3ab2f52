import { Channel, ClassType, EVENT_CATALOG, EventEnvelope, EventType, isEventType } from '@tessera/catalog';
import { isCalendarDate, FieldError } from '@tessera/platform';
import { compileValidator } from './compile-validator';

/** An envelope that passed every rule; `data` is the client's plain object, unchanged. */
export type ValidEvent = {
  eventId: string | undefined;
  type: EventType;
  customerId: string;
  occurredAt: string;
  channel: Channel;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
};

export type ValidationContext = { now: Date; currency: string };

export type Validated = { ok: true; event: ValidEvent } | { ok: false; errors: FieldError[] };

const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
const METADATA_MAX_BYTES = 2048;

/** Validates one envelope and its data against the catalog (DESIGN §2, §3). Pure: `now` is passed in. */
export function validateEvent(body: unknown, context: ValidationContext, index?: number): Validated {
  const at = (errors: FieldError[]): Validated => ({ ok: false, errors: errors.map((e) => (index === undefined ? e : { index, ...e })) });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return at([{ pointer: '', rule: 'isObject', message: 'an event must be a JSON object' }]);
  }
  const envelope = body as Record<string, unknown>;
  const errors = check(EventEnvelope, envelope, '');
  if (errors.length === 0) errors.push(...timeRules(String(envelope.occurredAt), context.now));
  if (envelope.metadata !== undefined && Buffer.byteLength(JSON.stringify(envelope.metadata)) > METADATA_MAX_BYTES) {
    errors.push({ pointer: '/metadata', rule: 'maxBytes', message: `metadata must be at most ${METADATA_MAX_BYTES} bytes of JSON` });
  }
  const type = envelope.type;
  const data = envelope.data;
  if (isEventType(type) && typeof data === 'object' && data !== null && !Array.isArray(data)) {
    errors.push(...check(EVENT_CATALOG[type], data as Record<string, unknown>, '/data'));
    errors.push(...currencyRule(data as Record<string, unknown>, context.currency));
  }
  if (errors.length > 0) return at(errors);
  return {
    ok: true,
    event: {
      eventId: envelope.eventId as string | undefined,
      type: type as EventType,
      customerId: envelope.customerId as string,
      occurredAt: envelope.occurredAt as string,
      channel: envelope.channel as Channel,
      data: data as Record<string, unknown>,
      metadata: (envelope.metadata as Record<string, unknown> | undefined) ?? {},
    },
  };
}

function check(type: ClassType, plain: Record<string, unknown>, base: string): FieldError[] {
  return compileValidator(type)(plain, base).map((error) =>
    error.rule === 'whitelistValidation' ? { pointer: error.pointer, rule: 'unknownField', message: `${unescapePointer(error.pointer.split('/').pop() ?? '')} is not a field of this object` } : error,
  );
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function timeRules(occurredAt: string, now: Date): FieldError[] {
  const instant = Date.parse(occurredAt);
  if (Number.isNaN(instant) || !isCalendarDate(occurredAt.slice(0, 10))) {
    return [{ pointer: '/occurredAt', rule: 'isDateTime', message: 'occurredAt is not a real date-time' }];
  }
  if (instant > now.getTime() + FUTURE_TOLERANCE_MS) {
    return [{ pointer: '/occurredAt', rule: 'notInFuture', message: 'occurredAt must not be more than 5 minutes in the future' }];
  }
  if (instant < Date.UTC(1970, 0, 1)) {
    return [{ pointer: '/occurredAt', rule: 'notBefore1970', message: 'occurredAt must not be before 1970-01-01' }];
  }
  return [];
}


function currencyRule(data: Record<string, unknown>, currency: string): FieldError[] {
  if (typeof data.currency !== 'string' || data.currency === currency) return [];
  return [{ pointer: '/data/currency', rule: 'baseCurrency', message: `currency must be ${currency}, the deployment's base currency (got ${data.currency})` }];
}
