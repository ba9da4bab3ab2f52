import type { Channel } from '@tessera/catalog';
import { MINUTE, SECOND, momentBetween, wholeSecond } from './clock';
import { Customer } from './customer-plan';
import { History } from './history';
import { Category, PRODUCTS_BY_CATEGORY, Product, SEARCHES } from './merchandise';
import { OrderFact } from './orders';
import { Random } from './random';

const REFERRERS = ['https://www.baidu.com/', 'https://weibo.com/', 'https://www.xiaohongshu.com/', 'https://www.douyin.com/', 'https://www.zhihu.com/'];
const PROMOTIONS = ['618', 'double11', 'new-year', 'member-day'];

/** A browsing session: events a minute or two apart on one channel, stopping when the budget is spent. */
class Session {
  private at: number;

  constructor(private readonly history: History, private readonly rng: Random, start: number, readonly channel: Channel, private budget: { left: number }) {
    this.at = start;
  }

  emit(type: 'PageViewed' | 'ProductViewed' | 'SearchPerformed' | 'CartItemAdded' | 'CartItemRemoved', data: Record<string, unknown>): void {
    if (this.budget.left <= 0) return;
    if (this.history.add(type, wholeSecond(this.at), this.channel, data, `${this.channel}-sdk`)) this.budget.left--;
    this.at += this.rng.int(15, 180) * SECOND;
  }

  view(product: Product): void {
    this.emit('ProductViewed', { sku: product.sku, category: product.category, price: product.price });
  }

  addToCart(product: Product, quantity: number, unitPrice = product.price): void {
    this.emit('CartItemAdded', { sku: product.sku, category: product.category, quantity, unitPrice });
  }

  search(category: Category): void {
    this.emit('SearchPerformed', { query: this.rng.pick(SEARCHES[category]), resultCount: this.rng.chance(0.03) ? 0 : this.rng.int(3, 2000) });
  }
}

/**
 * About `budget` browsing events: first sessions that lead up to online orders (the ordered items
 * viewed and put in the cart), then free sessions between registration and `activeUntil`, mostly
 * in the customer's favourite categories.
 */
export function addBrowsing(history: History, customer: Customer, orders: readonly OrderFact[], budget: number): void {
  const { rng, registeredAt, activeUntil } = customer;
  const left = { left: budget };
  for (const order of orders) {
    if (left.left <= 0) return;
    if (order.channel === 'store' || order.channel === 'call_center' || !rng.chance(0.55)) continue;
    const lines = order.items.slice(0, 3);
    const start = Math.max(registeredAt + MINUTE, order.placedAt - (lines.length * 2 + rng.int(1, 30)) * 3 * MINUTE);
    const session = new Session(history, rng, start, order.channel, left);
    if (rng.chance(0.3)) session.search(lines[0].category);
    for (const line of lines) {
      const product = PRODUCTS_BY_CATEGORY[line.category].find((p) => p.sku === line.sku);
      if (!product) continue;
      session.view(product);
      session.addToCart(product, line.quantity, line.unitPrice);
    }
  }
  while (left.left > 0) freeSession(new Session(history, rng, momentBetween(rng, registeredAt, activeUntil), rng.weighted(customer.browseChannels), left), rng, customer);
}

function freeSession(session: Session, rng: Random, customer: Customer): void {
  const category = rng.weighted(customer.interests);
  if (rng.chance(0.6)) session.emit('PageViewed', landing(rng, session.channel, category));
  if (rng.chance(0.35)) session.search(category);
  const viewed = rng.shuffle([...PRODUCTS_BY_CATEGORY[category]]).slice(0, rng.weighted([[1, 35], [2, 30], [3, 20], [4, 15]] as const));
  for (const product of viewed) session.view(product);
  if (!rng.chance(0.25)) return;
  const product = rng.pick(viewed);
  session.addToCart(product, rng.chance(0.85) ? 1 : rng.int(2, 3));
  if (rng.chance(0.35)) session.emit('CartItemRemoved', { sku: product.sku });
}

function landing(rng: Random, channel: Channel, category: Category): Record<string, unknown> {
  const page = rng.weighted([['home', 50], ['category', 35], ['promo', 15]] as const);
  const promo = rng.pick(PROMOTIONS);
  if (channel === 'web') {
    const path = page === 'home' ? '/' : page === 'category' ? `/c/${category}` : `/promo/${promo}`;
    return { url: `https://shop.example.cn${path}`, ...(rng.chance(0.5) && { referrer: rng.pick(REFERRERS) }) };
  }
  if (channel === 'mini_program') {
    return { url: page === 'home' ? '/pages/index/index' : page === 'category' ? `/pages/category/index?c=${category}` : `/pages/promo/index?id=${promo}` };
  }
  return { url: page === 'home' ? 'tessera-app://home' : page === 'category' ? `tessera-app://category/${category}` : `tessera-app://promo/${promo}` };
}
