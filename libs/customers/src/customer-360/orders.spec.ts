import { OrderFacts } from './customer-state';
import { averageOrderValue, netSpend, orderStatus, OrderStatus, purchasesOf, refundCounted, statusHistory } from './orders';
import { DAY_MS } from './time';

const T0 = Date.parse('2025-03-01T10:00:00+08:00');
const day = (n: number) => T0 + n * DAY_MS;
const TOTAL = 10_000;

const placed = (d = 0, total = TOTAL): Pick<OrderFacts, 'placed'> => ({
  placed: { at: day(d), rev: 1, v: { items: [{ sku: 's1', category: 'books', quantity: 1, unitPrice: total }], total, currency: 'CNY', channel: 'web', eventId: `ev-placed-${d}`, position: `${d}` } },
});
const paid = (d = 1, amount = TOTAL): Pick<OrderFacts, 'paid'> => ({ paid: { at: day(d), rev: 2, v: { amount } } });
const shipped = (d = 2): Pick<OrderFacts, 'shipped'> => ({ shipped: { at: day(d), rev: 3, v: { carrier: 'SF' } } });
const delivered = (d = 3): Pick<OrderFacts, 'delivered'> => ({ delivered: { at: day(d), rev: 4, v: {} } });
const cancelled = (d = 1, reason?: string): Pick<OrderFacts, 'cancelled'> => ({ cancelled: { at: day(d), rev: 5, v: reason ? { reason } : {} } });
const refunded = (amount: number, d = 4, reason?: string): Pick<OrderFacts, 'refunds'> => ({ refunds: { [String(day(d))]: { at: day(d), rev: 6, v: reason ? { amount, reason } : { amount } } } });
const twoRefunds = (first: number, second: number): Pick<OrderFacts, 'refunds'> => ({ refunds: { ...refunded(first, 4).refunds, ...refunded(second, 6).refunds } });

describe('orderStatus (DESIGN §11)', () => {
  it.each<[description: string, status: OrderStatus, order: OrderFacts]>([
    ['placed', 'placed', { ...placed() }],
    ['paid', 'paid', { ...placed(), ...paid() }],
    ['shipped', 'shipped', { ...placed(), ...paid(), ...shipped() }],
    ['delivered', 'delivered', { ...placed(), ...paid(), ...shipped(), ...delivered() }],
    ['delivered without a recorded payment (the furthest step wins)', 'delivered', { ...placed(), ...delivered() }],
    ['shipped, whatever the step timestamps say', 'shipped', { ...placed(5), ...paid(4), ...shipped(3) }],
    ['cancelled', 'cancelled', { ...placed(), ...cancelled() }],
    ['cancelled, then paid and shipped later: stays cancelled', 'cancelled', { ...placed(0), ...cancelled(1), ...paid(2), ...shipped(3) }],
    ['cancelled arriving before its OrderPlaced', 'cancelled', { ...cancelled() }],
    ['refunded in full', 'refunded', { ...placed(), ...paid(), ...refunded(TOTAL) }],
    ['refunded more than the total', 'refunded', { ...placed(), ...paid(), ...refunded(TOTAL + 1) }],
    ['refunded in part', 'partially_refunded', { ...placed(), ...paid(), ...shipped(), ...refunded(TOTAL - 1) }],
    ['two partial refunds adding up to the total', 'refunded', { ...placed(), ...paid(), ...twoRefunds(TOTAL / 2, TOTAL / 2) }],
    ['two partial refunds short of the total', 'partially_refunded', { ...placed(), ...paid(), ...twoRefunds(TOTAL / 4, TOTAL / 4) }],
    ['refund on a cancelled order', 'cancelled', { ...placed(), ...cancelled(), ...refunded(TOTAL) }],
    ['nothing known yet', 'unknown', {}],
  ])('%s → %s', (_, status, order) => {
    expect(orderStatus(order)).toBe(status);
  });
});

describe('refundCounted', () => {
  it.each<[description: string, counted: number, order: OrderFacts]>([
    ['no refund', 0, { ...placed() }],
    ['a partial refund', 4_000, { ...placed(), ...refunded(4_000) }],
    ['a refund above the total is capped at it', TOTAL, { ...placed(), ...refunded(15_000) }],
    ['two partial refunds add up', 7_000, { ...placed(), ...twoRefunds(4_000, 3_000) }],
    ['two partial refunds above the total are capped together', TOTAL, { ...placed(), ...twoRefunds(6_000, 6_000) }],
    ['a refund on a cancelled order is ignored', 0, { ...placed(), ...cancelled(), ...refunded(4_000) }],
    ['a refund whose order has not arrived counts nothing yet', 0, { ...refunded(4_000) }],
  ])('%s → %d', (_, counted, order) => {
    expect(refundCounted(order)).toBe(counted);
  });
});

describe('statusHistory', () => {
  it('lists every recorded step by occurredAt, not by step order', () => {
    const order = { ...placed(0), ...paid(2, 9_000), ...shipped(1), ...delivered(5), ...refunded(3_000, 7, 'damaged') };
    expect(statusHistory(order)).toEqual([
      { status: 'placed', at: day(0), amount: TOTAL },
      { status: 'shipped', at: day(1) },
      { status: 'paid', at: day(2), amount: 9_000 },
      { status: 'delivered', at: day(5) },
      { status: 'refunded', at: day(7), amount: 3_000, reason: 'damaged' },
    ]);
  });

  it('keeps the natural order of steps recorded at the same instant, and shows a cancellation', () => {
    const order = { ...placed(0), ...paid(0), ...cancelled(0, 'changed mind') };
    expect(statusHistory(order).map((c) => [c.status, c.reason])).toEqual([
      ['placed', undefined],
      ['paid', undefined],
      ['cancelled', 'changed mind'],
    ]);
  });
});

describe('purchasesOf, netSpend and averageOrderValue (DESIGN §11)', () => {
  it('keeps placed, not cancelled orders in occurredAt order, with capped refunds', () => {
    const orders: Record<string, OrderFacts> = {
      late: { ...placed(9, 20_000), ...refunded(25_000) },
      early: { ...placed(1, 10_000) },
      gone: { ...placed(5, 50_000), ...cancelled(6), ...refunded(50_000) },
      orphanRefund: { ...refunded(1_000) },
    };
    expect(purchasesOf(orders).map((p) => [p.orderId, p.total, p.refunded])).toEqual([
      ['early', 10_000, 0],
      ['late', 20_000, 20_000],
    ]);
  });

  it.each<[description: string, orders: [total: number, refund?: number][], netSpend: number, average: number]>([
    ['no purchases', [], 0, 0],
    ['one purchase', [[10_000]], 10_000, 10_000],
    ['refunds lower spend', [[10_000], [20_001, 1]], 30_000, 15_000],
    ['half a minor unit rounds up', [[10_000], [10_001]], 20_001, 10_001],
    ['a third rounds down', [[10_000], [10_000], [10_001]], 30_001, 10_000],
    ['fully refunded orders still count in the average', [[10_000, 10_000], [30_000]], 30_000, 15_000],
    ['refunds above a total are capped', [[10_000, 99_999], [30_000]], 30_000, 15_000],
  ])('%s: orders %j → net spend %d, average %d', (_, rows, spend, average) => {
    const orders = Object.fromEntries(rows.map(([total, refund], i) => [`o${i}`, { ...placed(i, total), ...(refund === undefined ? {} : refunded(refund)) }]));
    const purchases = purchasesOf(orders);
    expect(netSpend(purchases)).toBe(spend);
    expect(averageOrderValue(purchases)).toBe(average);
  });
});
