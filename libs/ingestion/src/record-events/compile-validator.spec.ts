import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { ClassType, EVENT_CATALOG, EventEnvelope, OrderItem, isEventType } from '@tessera/catalog';
import { VALID_DATA } from '@tessera/catalog/testing';
import { FieldError } from '@tessera/platform';
import { compileValidator } from './compile-validator';

/** class-validator itself, the source of truth the compiled validator must reproduce. */
function reference(type: ClassType, plain: Record<string, unknown>): FieldError[] {
  const flatten = (error: ValidationError, base: string): FieldError[] => {
    const pointer = `${base}/${error.property.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return [
      ...Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ pointer, rule, message })),
      ...(error.children ?? []).flatMap((child) => flatten(child, pointer)),
    ];
  };
  const instance = plainToInstance(type as ClassConstructor<object>, plain);
  return validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }).flatMap((e) => flatten(e, ''));
}

const ODD_VALUES: unknown[] = [undefined, null, 0, -1, 1.5, 11, 1e13, '', 'x', 'Books!', '张'.repeat(101), 'a'.repeat(2049), '2026-02-30', '+8613800138000', 'CSAT', true, false, [], ['x'], {}, { a: 1 }];

/** Every field of a valid sample replaced by every odd value, plus an unknown field. */
function mutations(sample: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [sample, { ...sample, unexpected: 1 }, {}];
  for (const key of Object.keys(sample)) {
    for (const value of ODD_VALUES) {
      const copy: Record<string, unknown> = { ...sample, [key]: value };
      if (value === undefined) delete copy[key];
      out.push(copy);
    }
  }
  return out;
}

const item = { sku: 'B-1', name: '三体', category: 'books', quantity: 2, unitPrice: 3900 };

const CASES: [string, ClassType, Record<string, unknown>][] = [
  ...VALID_DATA.filter(([type]) => isEventType(type)).flatMap(([type, data]) =>
    mutations(data).map((plain): [string, ClassType, Record<string, unknown>] => [type, EVENT_CATALOG[type as keyof typeof EVENT_CATALOG], plain]),
  ),
  ...mutations(item).map((plain): [string, ClassType, Record<string, unknown>] => ['OrderItem', OrderItem, plain]),
  ...[...mutations(item), 'x', null, 7].map((element): [string, ClassType, Record<string, unknown>] => ['OrderPlaced.items', EVENT_CATALOG.OrderPlaced, { orderId: 'o-1', items: [item, element], total: 1, currency: 'CNY' }]),
  ...mutations({ eventId: '0b9e4f6e-3f0c-4a57-9d0e-8d7c1c3a2b10', type: 'PageViewed', customerId: 'c-1', occurredAt: '2026-11-24T09:30:00+08:00', channel: 'app', data: { url: '/' }, metadata: { source: 'crm', correlationId: 'c' } }).map(
    (plain): [string, ClassType, Record<string, unknown>] => ['EventEnvelope', EventEnvelope, plain],
  ),
  ...mutations({ source: 'crm', correlationId: 'c', causationId: 'x' }).map((metadata): [string, ClassType, Record<string, unknown>] => ['EventEnvelope.metadata', EventEnvelope, { type: 'PageViewed', customerId: 'c', occurredAt: '2026-11-24T09:30:00Z', channel: 'web', data: {}, metadata }]),
];

describe('compileValidator agrees with class-validator', () => {
  it(`on ${CASES.length} generated objects: same rules, messages, pointers and order`, () => {
    const disagreements = CASES.filter(([, type, plain]) => JSON.stringify(compileValidator(type)(plain, '')) !== JSON.stringify(reference(type, plain)));
    expect(disagreements.slice(0, 3).map(([name, type, plain]) => ({ name, plain, compiled: compileValidator(type)(plain, ''), reference: reference(type, plain) }))).toEqual([]);
    expect(CASES.length).toBeGreaterThan(2000);
  });

  it('finds errors at all (the generated input is not all valid)', () => {
    expect(CASES.filter(([, type, plain]) => compileValidator(type)(plain, '').length > 0).length).toBeGreaterThan(1500);
  });
});
