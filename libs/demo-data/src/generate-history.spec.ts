import { validateEvent } from '@tessera/ingestion';
import { EventBody } from './history';
import { customerRandom, generateCustomerHistory, generateHistories } from './generate-history';

const now = new Date('2026-03-15T04:00:00Z');
const DAY = 86_400_000;
const histories = [...generateHistories({ seed: 7, customers: 500, now })];
const events = histories.flat();

const businessKey = (event: EventBody) => ['orderId', 'complaintId', 'chatId', 'surveyId'].map((key) => event.data[key]).find((value) => typeof value === 'string');

/** Purchases as DESIGN §4 counts them: orders placed and not cancelled, one per orderId. */
function purchaseTimes(history: EventBody[]): number[] {
  const cancelled = new Set(history.filter((e) => e.type === 'OrderCancelled').map((e) => e.data.orderId));
  const placed = new Map(history.filter((e) => e.type === 'OrderPlaced' && !cancelled.has(e.data.orderId)).map((e) => [e.data.orderId, Date.parse(e.occurredAt)]));
  return [...placed.values()].sort((a, b) => a - b);
}

describe('generateHistories', () => {
  it('produces events that all pass the ingestion validator', () => {
    const failures = events.flatMap((event, index) => {
      const result = validateEvent(event, { now, currency: 'CNY' }, index);
      return result.ok ? [] : [{ event, errors: result.errors }];
    });
    expect(failures.slice(0, 3)).toEqual([]);
  });

  it('keeps each customer together, ids like c-000042, about 20 events each', () => {
    histories.forEach((history, i) => expect(new Set(history.map((e) => e.customerId))).toEqual(new Set([`c-${String(i + 1).padStart(6, '0')}`])));
    expect(events.length / histories.length).toBeGreaterThan(15);
    expect(events.length / histories.length).toBeLessThan(25);
  });

  it('dates every fact in China time, never after now', () => {
    expect(events.filter((e) => !e.occurredAt.endsWith('+08:00') || Date.parse(e.occurredAt) > now.getTime())).toEqual([]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again: EventBody[][] = [];
    for (const history of generateHistories({ seed: 7, customers: 500, now })) if (again.push(history) === 40) break;
    expect(again).toEqual(histories.slice(0, 40));
    expect(generateCustomerHistory(customerRandom(7, 3), 3, { now, seed: 7, customers: 500 })).toEqual(histories[2]);
    const other = [...generateHistories({ seed: 8, customers: 40, now })];
    expect(other.flat().map((e) => e.eventId)).not.toEqual(again.flat().map((e) => e.eventId));
  });

  it('mixes lifecycle stages: prospects, churned, and loyal customers', () => {
    const purchases = histories.map(purchaseTimes);
    const ageOfLast = (times: number[]) => (now.getTime() - times[times.length - 1]) / DAY;
    const prospects = histories.filter((h) => !h.some((e) => e.type === 'OrderPlaced')).length;
    const churned = purchases.filter((t) => t.length > 0 && ageOfLast(t) > 180).length;
    const loyal = purchases.filter((t) => t.length > 0 && ageOfLast(t) <= 90 && t.filter((at) => now.getTime() - at <= 365 * DAY).length >= 5).length;
    expect(prospects / histories.length).toBeGreaterThan(0.08);
    expect(prospects / histories.length).toBeLessThan(0.25);
    expect(churned).toBeGreaterThan(50);
    expect(loyal).toBeGreaterThan(25);
  });

  it('delivers some facts after facts that occurred later', () => {
    const late = histories.filter((history) => history.some((event, i) => i > 0 && Date.parse(event.occurredAt) < Math.max(...history.slice(0, i).map((e) => Date.parse(e.occurredAt)))));
    expect(late.length).toBeGreaterThan(50);
    const shippedBeforePlaced = histories.some((history) =>
      history.some((event, i) => event.type === 'OrderPlaced' && history.slice(0, i).some((e) => e.data.orderId === event.data.orderId)),
    );
    expect(shippedBeforePlaced).toBe(true);
  });

  it('re-sends some facts under a new eventId with the same business key and content', () => {
    const seen = new Map<string, EventBody>();
    const resent = events.filter((event) => {
      const key = businessKey(event);
      if (key === undefined) return false;
      const id = `${event.customerId}|${event.type}|${key}|${String(event.data.subjectId)}`;
      const first = seen.get(id);
      seen.set(id, event);
      return first !== undefined && first.eventId !== event.eventId && JSON.stringify(first.data) === JSON.stringify(event.data);
    });
    expect(resent.length / events.length).toBeGreaterThan(0.004);
    expect(resent.length / events.length).toBeLessThan(0.03);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('never refunds more than an order total, and pays what was placed', () => {
    const placed = new Map(events.filter((e) => e.type === 'OrderPlaced').map((e) => [e.data.orderId, e.data.total as number]));
    const refunds = new Map<unknown, Map<string, number>>();
    for (const event of events.filter((e) => e.type === 'OrderRefunded')) {
      const byEvent = refunds.get(event.data.orderId) ?? new Map<string, number>();
      byEvent.set(`${event.occurredAt}|${event.data.amount}`, event.data.amount as number);
      refunds.set(event.data.orderId, byEvent);
    }
    for (const [orderId, amounts] of refunds) expect([...amounts.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(placed.get(orderId) ?? -1);
    for (const paid of events.filter((e) => e.type === 'OrderPaid')) expect(paid.data.amount).toBe(placed.get(paid.data.orderId));
  });

  it('links referrals between generated customers, rewarded in the referrer’s history', () => {
    const referred = events.filter((e) => e.type === 'CustomerRegistered' && typeof e.data.referredBy === 'string');
    expect(referred.length).toBeGreaterThan(5);
    const rewarded = new Set(events.filter((e) => e.type === 'ReferralRewarded').map((e) => `${e.customerId}>${e.data.referredCustomerId}`));
    const ids = new Set(histories.map((h) => h[0].customerId));
    for (const event of referred) expect(ids.has(event.data.referredBy as string)).toBe(true);
    expect(referred.filter((e) => rewarded.has(`${e.data.referredBy}>${e.customerId}`)).length).toBeGreaterThan(referred.length * 0.8);
  });
});
