import { customerHistory, daysAgo, ScenarioEvent } from '@tessera/customers/testing';
import { createTestDatabase, TestDatabase } from '../support/database';
import { call, startTestApp, TestApp } from '../support/test-app';
import { eventually, SLOW_TEST_TIMEOUT_MS } from '../support/eventually';

jest.setTimeout(SLOW_TEST_TIMEOUT_MS);

/**
 * The read side over HTTP: send a scenario through the public API, wait on the projection's
 * checkpoint (never a sleep), then read profiles, orders, lists and analytics (DESIGN §4, §6, §11).
 */
describe('customer 360 over HTTP', () => {
  let database: TestDatabase;
  let app: TestApp;
  let profilesKey: string;
  let piiKey: string;
  let analyticsKey: string;
  const now = Date.now();

  const send = async (events: ScenarioEvent[]) => {
    const answer = await call(app.url, 'POST', '/v1/events/batch', { body: { events } });
    expect(answer.status).toBe(202);
    return answer.body.results.at(-1).position as string;
  };
  const projected = (position: string) =>
    eventually(`the projection at ${position}`, async () => {
      const { body } = await call(app.url, 'GET', '/v1/projections/customer-360');
      return body.position === position ? body : undefined;
    });
  const key = async (scopes: string[]) => (await call(app.url, 'POST', '/v1/api-keys', { body: { name: scopes.join('+'), scopes } })).body.key as string;

  beforeAll(async () => {
    database = await createTestDatabase('customer_360_e2e');
    app = await startTestApp(database.url);
    profilesKey = await key(['profiles:read']);
    piiKey = await key(['profiles:read', 'pii:read']);
    analyticsKey = await key(['analytics:read']);
    const others = Array.from({ length: 24 }, (_, i) => customerHistory(`p-${String(i).padStart(2, '0')}`, now)).flat();
    await send(others);
    await projected(await send(customerHistory('c-1', now)));
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers the profile with the derived facts of DESIGN §4', async () => {
    const { status, body } = await call(app.url, 'GET', '/v1/customers/c-1', { key: piiKey });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      customerId: 'c-1',
      name: '王芳',
      phone: '+8613912345678',
      birthDate: '1988-03-15',
      registrationChannel: 'app',
      orderCount: 2,
      netSpend: 209_000,
      netSpend365d: 209_000,
      averageOrderValue: 104_500,
      lifecycleStage: 'active',
      valueTier: 'medium',
      interests: ['beauty', 'books', 'digital'],
      channels: ['app', 'call_center', 'mini_program', 'web'],
      satisfaction: { csatAverage: 4, lastNps: null, complaintsOpen: 0, complaintsTotal: 1, chatsTotal: 1, chatResolvedShare: 1 },
      segments: expect.arrayContaining(['stage:active', 'value:medium', 'interest:books', 'consent:marketing-email']),
    });
    expect(body.lastSeenAt).toBe(new Date(daysAgo(now, 3)).toISOString());
    expect(body.daysToBirthday).toEqual(expect.any(Number));
  });

  it('masks personal data for a key without pii:read, with the one masking function', async () => {
    const { body } = await call(app.url, 'GET', '/v1/customers/c-1', { key: profilesKey });
    expect(body).toMatchObject({ name: '王*', phone: '+86139****5678', email: 'w***@example.cn', birthDate: null, birthday: null });
    expect(body.addresses[0]).toMatchObject({ province: '江苏省', city: '南京市', district: '鼓楼区', line1: '***' });
    expect(body.daysToBirthday).toEqual(expect.any(Number));
  });

  it('lists the orders with status and status history', async () => {
    const { body } = await call(app.url, 'GET', '/v1/customers/c-1/orders', { key: profilesKey });
    expect(body.items.map((o: { orderId: string; status: string; refunded: number }) => [o.orderId, o.status, o.refunded])).toEqual([
      ['o-3', 'cancelled', 0],
      ['o-2', 'partially_refunded', 50_000],
      ['o-1', 'paid', 0],
    ]);
    expect(body.items[1].history.map((h: { status: string }) => h.status)).toEqual(['placed', 'shipped', 'delivered', 'refunded']);
    // Cancellation reasons are free text, marked personal in the catalog: masked without pii:read.
    expect(body.items[0].history.at(-1)).toMatchObject({ status: 'cancelled', reason: '[redacted]' });
    const shown = await call(app.url, 'GET', '/v1/customers/c-1/orders', { key: piiKey });
    expect(shown.body.items[0].history.at(-1)).toMatchObject({ status: 'cancelled', reason: 'changed mind' });
  });

  it('answers 404 for an unknown customer and 400 naming each bad parameter', async () => {
    expect((await call(app.url, 'GET', '/v1/customers/nobody', { key: profilesKey })).status).toBe(404);
    const bad = await call(app.url, 'GET', '/v1/customers?stage=sleepy&valueTier=gold&sort=name&limit=501&cursor=nope', { key: profilesKey });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.errors.map((e: { pointer: string; rule: string }) => `${e.pointer}:${e.rule}`)).toEqual([
      '/query/stage:isIn',
      '/query/valueTier:isIn',
      '/query/sort:isIn',
      '/query/limit:range',
      '/query/cursor:isCursor',
    ]);
    const period = await call(app.url, 'GET', '/v1/analytics/satisfaction?from=2026-13-01&channel=fax&chanel=app', { key: analyticsKey });
    expect(period.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/query/chanel', '/query/from', '/query/channel']);
  });

  it('filters, sorts and pages with opaque cursors, without gaps or repeats', async () => {
    for (const sort of ['customerId', '-netSpend365d', '-lastSeenAt']) {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { customerId: string }[]; nextCursor: string | null } } = await call(app.url, 'GET', `/v1/customers?stage=active&sort=${sort}&limit=7${cursor ? `&cursor=${cursor}` : ''}`, { key: profilesKey });
        ids.push(...page.body.items.map((p) => p.customerId));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(ids.sort()).toEqual(['c-1', ...Array.from({ length: 24 }, (_, i) => `p-${String(i).padStart(2, '0')}`)].sort());
    }
    const forged = Buffer.from(JSON.stringify(['not a number', 'c-1'])).toString('base64url');
    const refused = await call(app.url, 'GET', `/v1/customers?sort=-netSpend365d&cursor=${forged}`, { key: profilesKey });
    expect(refused).toMatchObject({ status: 400, body: { errors: [{ pointer: '/query/cursor', rule: 'isCursor' }] } });
    expect((await call(app.url, 'GET', '/v1/customers?interest=books&tag=vip', { key: profilesKey })).body.items).toEqual([]);
    expect((await call(app.url, 'GET', '/v1/customers?segment=value:medium&limit=1', { key: profilesKey })).body.items).toHaveLength(1);
  });

  it('searches by name, phone or email prefix (Chinese included) only with pii:read', async () => {
    const search = async (q: string, k: string) => (await call(app.url, 'GET', `/v1/customers?q=${encodeURIComponent(q)}&limit=500`, { key: k })).body.items.length;
    expect(await search('王', piiKey)).toBe(25);
    expect(await search('王芳', piiKey)).toBe(25);
    expect(await search('李', piiKey)).toBe(0);
    expect(await search('139123', piiKey)).toBe(25);
    expect(await search('wf@', piiKey)).toBe(25);
  });

  it.each(['王芳', '王', '139123', '+86139', 'wf@'])('answers q=%s without pii:read with a 403 naming the scope, not with matches', async (q) => {
    const answer = await call(app.url, 'GET', `/v1/customers?q=${encodeURIComponent(q)}`, { key: profilesKey });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ status: 403, requiredScope: 'pii:read' });
    expect(answer.body.detail).toContain('pii:read');
  });

  it('answers lifecycle, value-tier and satisfaction analytics', async () => {
    const tooLong = await call(app.url, 'GET', '/v1/analytics/lifecycle?from=2020-01-01&to=2026-01-01', { key: analyticsKey });
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ pointer: '/query/to', rule: 'range' })]);
    const year = `from=${new Date(now - 364 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date(now + 86_400_000).toISOString().slice(0, 10)}`;
    const lifecycle = await call(app.url, 'GET', `/v1/analytics/lifecycle?${year}`, { key: analyticsKey });
    expect(lifecycle.body.stages).toEqual({ prospect: 0, new: 0, active: 25, loyal: 0, at_risk: 0, churned: 0 });
    expect(lifecycle.body.transitions).toEqual(
      expect.arrayContaining([
        { from: 'prospect', to: 'new', count: 25 },
        { from: 'churned', to: 'active', count: 25 },
      ]),
    );
    const tiers = await call(app.url, 'GET', '/v1/analytics/value-tiers', { key: analyticsKey });
    expect(tiers.body.tiers).toEqual({ high: 0, medium: 25, low: 0, none: 0 });
    const resolvedDay = new Date(Date.parse(daysAgo(now, 56, -30)) + 8 * 3_600_000).toISOString().slice(0, 10);
    const satisfaction = await call(app.url, 'GET', `/v1/analytics/satisfaction?from=${resolvedDay}&to=${resolvedDay}&channel=call_center`, { key: analyticsKey });
    expect(satisfaction.body.series).toEqual([expect.objectContaining({ date: resolvedDay, channel: 'call_center', complaintsResolved: 25, resolutionHoursMedian: 30, resolutionHoursP90: 30 })]);
    expect((await call(app.url, 'GET', '/v1/analytics/value-tiers', { key: profilesKey })).status).toBe(403);
  });

  it('rebuilds on request while the profile keeps answering, and reports status, health and metrics', async () => {
    const before = (await call(app.url, 'GET', '/v1/customers/c-1', { key: piiKey })).body;
    const started = await call(app.url, 'POST', '/v1/projections/customer-360/rebuild');
    expect(started.status).toBe(202);
    let status = started.body;
    while (status.rebuild.state === 'running') {
      expect((await call(app.url, 'GET', '/v1/customers/c-1', { key: piiKey })).status).toBe(200);
      status = (await call(app.url, 'GET', '/v1/projections/customer-360')).body;
    }
    expect(status.rebuild).toMatchObject({ state: 'done', applied: 25 * 20 });
    const after = (await call(app.url, 'GET', '/v1/customers/c-1', { key: piiKey })).body;
    expect({ ...after, updatedAt: undefined }).toEqual({ ...before, updatedAt: undefined });
    expect(status).toMatchObject({ name: 'customer-360', lag: { events: 0 }, parked: { count: 0 } });
    expect((await call(app.url, 'POST', '/v1/projections/nothing/rebuild')).status).toBe(404);
    const scheduled = await call(app.url, 'POST', '/v1/scheduler/run');
    expect(scheduled).toMatchObject({ status: 200, body: { customers: 0, stageChanges: 0 } });
    expect((await call(app.url, 'POST', '/v1/scheduler/run', { key: analyticsKey })).status).toBe(403);
    const health = await call(app.url, 'GET', '/health', { key: null });
    expect(health.body.checks['projection:customer-360']).toMatchObject({ status: 'up' });
    const metrics = await call(app.url, 'GET', '/metrics', { key: null });
    expect(metrics.body).toMatch(/tessera_projection_events_total\{projection="customer-360"\} \d+/);
    expect(metrics.body).toMatch(/tessera_projection_lag_seconds\{projection="customer-360"\}/);
  });

  it('without KAFKA_BROKERS keeps the recent changes in the outbox, visible to admins and in health and metrics', async () => {
    // Imported history (older than the publish window) is recorded, not published; a new customer is.
    await projected(await send([{ type: 'CustomerRegistered', customerId: 'c-outbox', occurredAt: new Date().toISOString(), channel: 'app', data: { name: '赵敏' } }]));
    const outbox = await call(app.url, 'GET', '/v1/outbox');
    expect(outbox.status).toBe(200);
    expect(outbox.body.depth).toBeGreaterThan(0);
    expect(Object.keys(outbox.body.byTopic)).toEqual(['tessera.segment-membership.v1']);
    expect(outbox.body.oldest).toMatchObject({ topic: expect.stringMatching(/^tessera\./), ageSeconds: expect.any(Number) });
    expect((await call(app.url, 'GET', '/v1/outbox', { key: profilesKey })).status).toBe(403);
    const health = await call(app.url, 'GET', '/health');
    expect(health.body.checks.outbox).toMatchObject({ status: 'up', detail: expect.stringContaining('KAFKA_BROKERS is not set') });
    expect(health.body.checks.kafka.status).toBe('disabled');
    expect((await call(app.url, 'GET', '/metrics')).body).toContain(`tessera_outbox_depth ${outbox.body.depth}`);
  });
});
