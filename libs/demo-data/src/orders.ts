import type { Channel } from '@tessera/catalog';
import { DAY, HOUR, MINUTE, SECOND, dayStamp, wholeSecond, workingHours } from './clock';
import { Customer } from './customer-plan';
import { History } from './history';
import { Category, PRODUCTS_BY_CATEGORY, TYPICAL_QUANTITY } from './merchandise';
import { Random } from './random';

export type OrderItem = { sku: string; name: string; category: Category; quantity: number; unitPrice: number };

/** What later facts (complaints, surveys, tiers, tags) need to know about an order. */
export type OrderFact = {
  orderId: string;
  placedAt: number;
  channel: Channel;
  items: OrderItem[];
  total: number;
  cancelled: boolean;
  paidAt: number | undefined;
  deliveredAt: number | undefined;
  refunded: number;
};

const CURRENCY = 'CNY';
const CANCELLED_SHARE = 0.09;
const REFUNDED_SHARE = 0.055;

const CARRIERS: readonly (readonly [readonly [string, string, number], number])[] = [
  [['顺丰速运', 'SF', 12], 30], [['京东物流', 'JDV', 12], 25], [['中通快递', '75', 12], 15],
  [['圆通速递', 'YT', 13], 12], [['韵达快递', '43', 13], 10], [['申通快递', '77', 13], 5], [['中国邮政 EMS', '11', 11], 3],
];
const ONLINE_PAYMENT: readonly (readonly [string, number])[] = [['alipay', 42], ['wechat_pay', 42], ['unionpay', 6], ['credit_card', 5], ['huabei', 5]];
const STORE_PAYMENT: readonly (readonly [string, number])[] = [['wechat_pay', 45], ['alipay', 35], ['unionpay', 12], ['cash', 8]];
const CANCEL_REASONS = ['不想要了', '拍错了', '地址填错了', '重复下单', '想换个型号', '找到更便宜的了'];
const REFUND_REASONS = ['七天无理由退货', '商品质量问题', '尺码不合适', '少发漏发', '与描述不符', '价格保护退差价'];

/**
 * Every kept order of the plan goes placed → paid → shipped → delivered as far as `now` allows;
 * about 9% are preceded by an order that gets cancelled, about 5.5% are refunded in full or in
 * part (refunds never add up to more than the total).
 */
export function addOrders(history: History, customer: Customer): OrderFact[] {
  const { rng, purchases, registeredAt } = customer;
  const orders: OrderFact[] = [];
  let sequence = 0;
  for (const placedAt of purchases) {
    if (rng.chance(CANCELLED_SHARE)) {
      const earlier = wholeSecond(Math.max(registeredAt + 5 * MINUTE, placedAt - rng.float(10 * MINUTE, 2 * DAY)));
      if (earlier < placedAt) orders.push(cancelledOrder(history, customer, orderId(customer, earlier, ++sequence), earlier));
    }
    orders.push(keptOrder(history, customer, orderId(customer, placedAt, ++sequence), placedAt));
  }
  return orders;
}

function orderId(customer: Customer, placedAt: number, sequence: number): string {
  return `SO${dayStamp(placedAt)}-${customer.index}-${sequence}`;
}

function keptOrder(history: History, customer: Customer, orderId: string, placedAt: number): OrderFact {
  const { rng } = customer;
  const order = placeOrder(history, customer, orderId, placedAt);
  const store = order.channel === 'store';
  const paidAt = wholeSecond(placedAt + (store ? rng.float(20, 180) * SECOND : rng.float(1, 25) * MINUTE));
  const method = rng.weighted(store ? STORE_PAYMENT : ONLINE_PAYMENT);
  if (!history.add('OrderPaid', paidAt, order.channel, { orderId, amount: order.total, currency: CURRENCY, method }, 'oms')) return order;
  order.paidAt = paidAt;
  let deliveredAt: number;
  if (store && !(order.items.some((item) => item.category === 'appliances') && rng.chance(0.8))) {
    deliveredAt = wholeSecond(paidAt + rng.float(1, 10) * MINUTE);
  } else {
    const shippedAt = workingHours(rng, paidAt + rng.float(2, 48) * HOUR);
    const [carrier, prefix, digits] = rng.weighted(CARRIERS);
    if (!history.add('OrderShipped', shippedAt, order.channel, { orderId, carrier, trackingNumber: `${prefix}${rng.digits(digits)}` }, 'oms')) return order;
    deliveredAt = workingHours(rng, shippedAt + rng.float(18, 96) * HOUR);
  }
  if (!history.add('OrderDelivered', deliveredAt, order.channel, { orderId }, 'oms')) return order;
  order.deliveredAt = deliveredAt;
  if (rng.chance(REFUNDED_SHARE)) refund(history, rng, order, deliveredAt);
  return order;
}

function refund(history: History, rng: Random, order: OrderFact, deliveredAt: number): void {
  const full = rng.chance(0.4);
  const line = rng.pick(order.items);
  const first = full ? order.total : Math.min(order.total, rng.chance(0.6) ? line.unitPrice : Math.round(order.total * rng.float(0.1, 0.5)));
  let at = workingHours(rng, deliveredAt + rng.float(1, 15) * DAY);
  const reason = full ? rng.pick(REFUND_REASONS.slice(0, 5)) : rng.pick(REFUND_REASONS);
  if (!history.add('OrderRefunded', at, order.channel, { orderId: order.orderId, amount: first, currency: CURRENCY, reason }, 'oms')) return;
  order.refunded = first;
  const left = order.total - first;
  if (left <= 0 || !rng.chance(0.2)) return;
  const second = Math.max(1, Math.round(left * rng.float(0.2, 1)));
  at = workingHours(rng, at + rng.float(1, 10) * DAY);
  if (history.add('OrderRefunded', at, order.channel, { orderId: order.orderId, amount: second, currency: CURRENCY, reason: '补退差价' }, 'oms')) order.refunded += second;
}

/** Cancelled unpaid, cancelled after paying (refunded), or cancelled by the system; now and then a payment lands after the cancellation. */
function cancelledOrder(history: History, customer: Customer, orderId: string, placedAt: number): OrderFact {
  const { rng } = customer;
  const order = placeOrder(history, customer, orderId, placedAt);
  order.cancelled = true;
  const flavour = rng.weighted([['unpaid', 60], ['paid', 25], ['timeout', 15]] as const);
  const amount = { orderId, amount: order.total, currency: CURRENCY };
  let cancelledAt: number;
  if (flavour === 'paid') {
    const paidAt = wholeSecond(placedAt + rng.float(1, 20) * MINUTE);
    history.add('OrderPaid', paidAt, order.channel, { ...amount, method: rng.weighted(ONLINE_PAYMENT) }, 'oms');
    cancelledAt = wholeSecond(paidAt + rng.float(10 * MINUTE, 6 * HOUR));
    history.add('OrderCancelled', cancelledAt, order.channel, { orderId, reason: rng.pick(CANCEL_REASONS) }, 'oms');
    history.add('OrderRefunded', wholeSecond(cancelledAt + rng.float(1, 120) * MINUTE), order.channel, { ...amount, reason: '订单取消退款' }, 'oms');
    return order;
  }
  cancelledAt = wholeSecond(placedAt + (flavour === 'timeout' ? 30 * MINUTE : rng.float(2, 30) * MINUTE));
  history.add('OrderCancelled', cancelledAt, order.channel, { orderId, reason: flavour === 'timeout' ? '超时未支付，系统自动取消' : rng.pick(CANCEL_REASONS) }, 'oms');
  if (rng.chance(0.05)) history.add('OrderPaid', wholeSecond(cancelledAt + rng.float(5, 120) * SECOND), order.channel, { ...amount, method: 'alipay' }, 'oms');
  return order;
}

function placeOrder(history: History, customer: Customer, orderId: string, placedAt: number): OrderFact {
  const { rng } = customer;
  const channel = rng.weighted(customer.channels);
  const items = basket(rng, customer);
  const subtotal = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  const coupon = rng.chance(0.2) ? rng.pick([500, 1000, 2000, 3000, 5000, 10000].filter((c) => c <= subtotal * 0.3)) ?? 0 : 0;
  const total = subtotal - coupon;
  history.add('OrderPlaced', placedAt, channel, { orderId, items, total, currency: CURRENCY }, 'oms');
  return { orderId, placedAt, channel, items, total, cancelled: false, paidAt: undefined, deliveredAt: undefined, refunded: 0 };
}

/** One to four different products, mostly from the customer's favourite categories, at list price or a promotion. */
function basket(rng: Random, customer: Customer): OrderItem[] {
  const lines = rng.weighted([[1, 60], [2, 25], [3, 10], [4, 5]] as const);
  const items = new Map<string, OrderItem>();
  let category = rng.weighted(customer.interests);
  for (let i = 0; i < lines; i++) {
    if (i > 0 && rng.chance(0.5)) category = rng.weighted(customer.interests);
    const product = rng.pick(PRODUCTS_BY_CATEGORY[category]);
    const typical = TYPICAL_QUANTITY[category];
    const quantity = typical === 1 ? (rng.chance(0.9) ? 1 : 2) : rng.int(1, typical + 1);
    const discount = rng.weighted([[1, 60], [0.95, 10], [0.9, 15], [0.85, 8], [0.8, 7]] as const);
    items.set(product.sku, { sku: product.sku, name: product.name, category, quantity, unitPrice: Math.round(product.price * discount) });
  }
  return [...items.values()];
}
