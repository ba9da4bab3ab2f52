import { generateHistories } from './generate-history';
import { freshNamespace, inNamespace, isNamespace } from './namespace';

const NOW = new Date('2026-11-20T12:00:00+08:00');
const histories = [...generateHistories({ seed: 42, customers: 40, now: NOW })];
const events = histories.flat();

describe('inNamespace', () => {
  it('moves every customer id, referral and eventId into the namespace', () => {
    const moved = histories.flatMap((history) => inNamespace(history, 'run1'));
    expect(moved.every((event) => event.customerId.startsWith('run1-c-'))).toBe(true);
    const references = moved.flatMap((event) => [event.data.referredBy, event.data.referredCustomerId]).filter((id) => id !== undefined);
    expect(references.length).toBeGreaterThan(0);
    expect(references.every((id) => String(id).startsWith('run1-c-'))).toBe(true);
    expect(new Set(moved.map((event) => event.eventId)).size).toBe(events.length);
    expect(moved.every((event) => /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(event.eventId))).toBe(true);
  });

  it('keeps two runs of the same seed apart, and one namespace re-sent identical', () => {
    const [a, b, again] = ['run1', 'run2', 'run1'].map((ns) => histories.flatMap((history) => inNamespace(history, ns)));
    const ids = (list: typeof a, pick: (e: (typeof a)[number]) => string) => new Set(list.map(pick));
    for (const pick of [(e: (typeof a)[number]) => e.customerId, (e: (typeof a)[number]) => e.eventId]) {
      const inA = ids(a, pick);
      expect([...ids(b, pick)].filter((id) => inA.has(id))).toEqual([]);
      expect([...ids(events, pick)].filter((id) => inA.has(id))).toEqual([]);
    }
    expect(again).toEqual(a);
    expect(a.map((e) => ({ ...e, eventId: '', customerId: '', data: {} }))).toEqual(events.map((e) => ({ ...e, eventId: '', customerId: '', data: {} })));
  });

  it('makes fresh namespaces that are valid and distinct', () => {
    const made = Array.from({ length: 100 }, freshNamespace);
    expect(made.every(isNamespace)).toBe(true);
    expect(new Set(made).size).toBe(100);
    expect(isNamespace('has space')).toBe(false);
    expect(isNamespace('')).toBe(false);
  });
});
