import { randomUUID } from 'node:crypto';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestApp, call, startTestApp } from '../support/test-app';
import { eventually } from '../support/eventually';


/** One personal value per field the catalog marks as free text, identifier or URL (README, "Event catalog"). */
const SECRETS = {
  cancelReason: 'secret-cancel-reason 电话13812345678',
  refundReason: 'secret-refund-reason',
  trackingNumber: 'SF-SECRET-7788',
  urlQuery: 'secret-url%40example.cn',
  referrerFragment: 'secret-referrer',
  searchQuery: 'secret-search 张伟',
  chatTopic: 'secret-chat-topic',
  compensation: 'secret-compensation',
  reward: 'secret-reward',
};

describe('free text, tracking numbers and URL queries stay masked without pii:read', () => {
  let database: TestDatabase;
  let app: TestApp;
  let profilesKey: string;
  let piiKey: string;
  const customerId = `c-${randomUUID()}`;
  const at = (minutes: number) => new Date(Date.now() - (120 - minutes) * 60_000).toISOString();
  const event = (minutes: number, type: string, data: Record<string, unknown>) => ({ eventId: randomUUID(), type, customerId, occurredAt: at(minutes), channel: 'web', data });
  const item = { sku: 'sku-1', category: 'books', quantity: 1, unitPrice: 5000 };
  const events = [
    event(1, 'CustomerRegistered', { name: '王芳' }),
    event(2, 'OrderPlaced', { orderId: 'o-1', items: [item], total: 5000, currency: 'CNY' }),
    event(3, 'OrderShipped', { orderId: 'o-1', carrier: '顺丰', trackingNumber: SECRETS.trackingNumber }),
    event(4, 'OrderRefunded', { orderId: 'o-1', amount: 1000, currency: 'CNY', reason: SECRETS.refundReason }),
    event(5, 'OrderPlaced', { orderId: 'o-2', items: [item], total: 5000, currency: 'CNY' }),
    event(6, 'OrderCancelled', { orderId: 'o-2', reason: SECRETS.cancelReason }),
    event(7, 'PageViewed', { url: `https://shop.example.cn/account?email=${SECRETS.urlQuery}`, referrer: `https://mail.example.cn/inbox#${SECRETS.referrerFragment}` }),
    event(8, 'SearchPerformed', { query: SECRETS.searchQuery, resultCount: 2 }),
    event(9, 'ServiceChatStarted', { chatId: 'ch-1', topic: SECRETS.chatTopic }),
    event(10, 'ComplaintFiled', { complaintId: 'cp-1', category: 'delivery', severity: 'low' }),
    event(11, 'ComplaintResolved', { complaintId: 'cp-1', compensation: SECRETS.compensation }),
    event(12, 'ReferralRewarded', { referredCustomerId: 'c-friend', reward: SECRETS.reward }),
  ];
  const readAll = async (key: string) =>
    JSON.stringify(
      await Promise.all(
        ['', '/timeline?limit=500', '/orders'].map(async (path) => {
          const answer = await call(app.url, 'GET', `/v1/customers/${customerId}${path}`, { key });
          expect(answer.status).toBe(200);
          return answer.body;
        }),
      ),
    );

  beforeAll(async () => {
    database = await createTestDatabase('e2e_masked_free_text');
    app = await startTestApp(database.url);
    const key = async (scopes: string[]) => (await call(app.url, 'POST', '/v1/api-keys', { body: { name: scopes.join('+'), scopes } })).body.key as string;
    profilesKey = await key(['profiles:read']);
    piiKey = await key(['profiles:read', 'pii:read']);
    const sent = await call(app.url, 'POST', '/v1/events/batch', { body: { events } });
    expect(sent.status).toBe(202);
    const position = sent.body.results.at(-1).position as string;
    await eventually(`the projection at ${position}`, async () => (await call(app.url, 'GET', '/v1/projections/customer-360')).body.position === position);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('shows every value to a key with pii:read (so the check below can fail)', async () => {
    const shown = await readAll(piiKey);
    for (const secret of Object.values(SECRETS)) expect(shown).toContain(secret);
  });

  it.each(Object.entries(SECRETS))('never shows %s to a key without pii:read in profile, timeline or orders', async (_field, secret) => {
    expect(await readAll(profilesKey)).not.toContain(secret);
  });

  it('keeps what analysts need: carriers, URL paths and hosts, order status', async () => {
    const timeline = (await call(app.url, 'GET', `/v1/customers/${customerId}/timeline?limit=500`, { key: profilesKey })).body.items;
    const byType = (type: string) => timeline.find((e: { type: string }) => e.type === type).data;
    expect(byType('PageViewed')).toEqual({ url: 'https://shop.example.cn/account?[redacted]', referrer: 'https://mail.example.cn/inbox#[redacted]' });
    expect(byType('OrderShipped')).toEqual({ orderId: 'o-1', carrier: '顺丰', trackingNumber: '***' });
    const orders = (await call(app.url, 'GET', `/v1/customers/${customerId}/orders`, { key: profilesKey })).body.items;
    expect(orders.map((o: { orderId: string; status: string }) => [o.orderId, o.status])).toEqual(expect.arrayContaining([['o-1', 'partially_refunded'], ['o-2', 'cancelled']]));
  });
});
