import { OrderFacts, OrderItem } from './customer-state';

export type OrderStatus = 'placed' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'refunded' | 'partially_refunded' | 'unknown';
export type StatusChange = { status: Exclude<OrderStatus, 'partially_refunded' | 'unknown'>; at: number; amount?: number; reason?: string };

/** A purchase: an order placed and not cancelled (DESIGN §4). */
export type Purchase = {
  orderId: string;
  at: number;
  rev: number;
  total: number;
  /** Refunds counted against it: capped at its total. */
  refunded: number;
  items: OrderItem[];
  eventId: string;
  position: string;
};

const PROGRESS = ['placed', 'paid', 'shipped', 'delivered'] as const;

/**
 * Status = the furthest of placed < paid < shipped < delivered; cancelled is terminal; a refund
 * makes it refunded (all of the total) or partially_refunded (DESIGN §11).
 */
export function orderStatus(order: OrderFacts): OrderStatus {
  if (order.cancelled) return 'cancelled';
  if (refundsOf(order).length > 0) {
    if (order.placed && refundCounted(order) >= order.placed.v.total) return 'refunded';
    return 'partially_refunded';
  }
  for (let i = PROGRESS.length - 1; i >= 0; i -= 1) if (order[PROGRESS[i]]) return PROGRESS[i];
  return 'unknown';
}

/** Every recorded step, in occurredAt order (ties in the natural order of the steps). */
export function statusHistory(order: OrderFacts): StatusChange[] {
  const changes: StatusChange[] = [];
  if (order.placed) changes.push({ status: 'placed', at: order.placed.at, amount: order.placed.v.total });
  if (order.paid) changes.push({ status: 'paid', at: order.paid.at, amount: order.paid.v.amount });
  if (order.shipped) changes.push({ status: 'shipped', at: order.shipped.at });
  if (order.delivered) changes.push({ status: 'delivered', at: order.delivered.at });
  if (order.cancelled) changes.push({ status: 'cancelled', at: order.cancelled.at, ...(order.cancelled.v.reason ? { reason: order.cancelled.v.reason } : {}) });
  for (const refund of refundsOf(order)) changes.push({ status: 'refunded', at: refund.at, amount: refund.v.amount, ...(refund.v.reason ? { reason: refund.v.reason } : {}) });
  return changes.sort((a, b) => a.at - b.at);
}

/**
 * What counts against net spend: the order's refunds added up and capped at its total, none on a
 * cancelled order. Refunds are one fact per (orderId, occurredAt instant) (DESIGN §11 reading).
 */
export function refundCounted(order: OrderFacts): number {
  if (order.cancelled) return 0;
  const refunded = refundsOf(order).reduce((sum, r) => sum + r.v.amount, 0);
  return Math.min(refunded, order.placed?.v.total ?? 0);
}

function refundsOf(order: OrderFacts) {
  return Object.values(order.refunds ?? {}).sort((a, b) => a.at - b.at);
}

/** Purchases in (occurredAt, revision) order. */
export function purchasesOf(orders: Record<string, OrderFacts>): Purchase[] {
  const purchases: Purchase[] = [];
  for (const [orderId, order] of Object.entries(orders)) {
    if (!order.placed || order.cancelled) continue;
    const placed = order.placed;
    purchases.push({ orderId, at: placed.at, rev: placed.rev, total: placed.v.total, refunded: refundCounted(order), items: placed.v.items, eventId: placed.v.eventId, position: placed.v.position });
  }
  return purchases.sort((a, b) => a.at - b.at || a.rev - b.rev || (a.orderId < b.orderId ? -1 : 1));
}

/** Σ purchase totals − their counted refunds. */
export function netSpend(purchases: readonly Purchase[]): number {
  return purchases.reduce((sum, p) => sum + p.total - p.refunded, 0);
}

export function averageOrderValue(purchases: readonly Purchase[]): number {
  return purchases.length === 0 ? 0 : Math.round(netSpend(purchases) / purchases.length);
}
