import { randomUUID } from 'node:crypto';
import { TestDatabase, createTestDatabase } from '../support/database';
import { startTcpProxy } from '../support/tcp-proxy';
import { ADMIN_KEY, TestApp, call, startTestApp } from '../support/test-app';

const event = (customerId: string, type = 'PageViewed', data: Record<string, unknown> = { url: '/books' }, extra: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type,
  customerId,
  occurredAt: '2026-11-20T10:00:00+08:00',
  channel: 'web',
  data,
  ...extra,
});

describe('ingestion API over HTTP', () => {
  let database: TestDatabase;
  let app: TestApp;
  const post = (path: string, body: unknown, key?: string | null) => call(app.url, 'POST', path, { body, key });
  const timeline = (customerId: string, query = '', key?: string) => call(app.url, 'GET', `/v1/customers/${customerId}/timeline${query}`, { key });
  const storedCount = async () => Number((await database.pool.query('select count(*) from es_events')).rows[0].count);

  beforeAll(async () => {
    database = await createTestDatabase('e2e_ingestion');
    app = await startTestApp(database.url);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  describe('POST /v1/events', () => {
    it('answers 202 with revision and position once stored, and a retry as a duplicate', async () => {
      const body = event(`c-${randomUUID()}`, 'CustomerRegistered', { name: '张伟', phone: '+8613800138000' });
      const first = await post('/v1/events', body);
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ eventId: body.eventId, streamRevision: 0, position: expect.any(String), duplicate: false });
      const again = await post('/v1/events', { ...body, metadata: { source: 'retry' } });
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ ...first.body, duplicate: true });
    });

    it('answers 409 for a known eventId with other content, storing nothing', async () => {
      const body = event(`c-${randomUUID()}`);
      await post('/v1/events', body);
      const before = await storedCount();
      const conflict = await post('/v1/events', { ...body, data: { url: '/other' } });
      expect(conflict.status).toBe(409);
      expect(conflict.headers.get('content-type')).toContain('application/problem+json');
      expect(conflict.body.errors).toEqual([expect.objectContaining({ pointer: '/eventId', rule: 'idempotency' })]);
      expect(await storedCount()).toBe(before);
    });

    it('generates an eventId when the client sends none', async () => {
      const { eventId: _omitted, ...body } = event(`c-${randomUUID()}`);
      const answer = await post('/v1/events', body);
      expect(answer.status).toBe(202);
      expect(answer.body.eventId).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('bad input: a clear problem and nothing stored', () => {
    it.each([
      ['unknown type', { type: 'OrderTeleported' }, '/type', /ReferralRewarded/],
      ['future occurredAt', { occurredAt: new Date(Date.now() + 10 * 60_000).toISOString() }, '/occurredAt', /future/],
      ['bad customerId', { customerId: 'c 1' }, '/customerId', /customerId/],
      ['wrong currency', { type: 'OrderPaid', data: { orderId: 'o-1', amount: 100, currency: 'USD' } }, '/data/currency', /CNY/],
      ['unknown data field', { data: { url: '/', extra: true } }, '/data/extra', /not a field/],
    ])('%s → 400 naming the field', async (_case, change, pointer, message) => {
      const before = await storedCount();
      const answer = await post('/v1/events', { ...event('c-bad'), ...change });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: 400, type: expect.stringContaining('validation') });
      expect(answer.body.errors).toContainEqual(expect.objectContaining({ pointer, message: expect.stringMatching(message) }));
      expect(await storedCount()).toBe(before);
    });

    it('malformed JSON → 400', async () => {
      const answer = await call(app.url, 'POST', '/v1/events', { raw: '{"type": ' });
      expect(answer.status).toBe(400);
      expect(answer.body.type).toContain('malformed-json');
    });

    it('wrong content type → 415', async () => {
      const answer = await call(app.url, 'POST', '/v1/events', { raw: 'type=PageViewed', contentType: 'text/plain' });
      expect(answer.status).toBe(415);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    });

    it('a single event over 1 MiB → 413, a batch over 5 MiB → 413', async () => {
      const big = (bytes: number) => JSON.stringify(event('c-big', 'PageViewed', { url: 'x'.repeat(bytes) }));
      expect((await call(app.url, 'POST', '/v1/events', { raw: big(1024 * 1024 + 10) })).status).toBe(413);
      expect((await call(app.url, 'POST', '/v1/events/batch', { raw: `{"events":[${big(5 * 1024 * 1024 + 10)}]}` })).status).toBe(413);
    });

    it('missing or unknown key → 401; missing scope → 403', async () => {
      expect((await post('/v1/events', event('c-1'), null)).status).toBe(401);
      expect((await post('/v1/events', event('c-1'), 'tsk_not-a-key')).status).toBe(401);
      const reader = await post('/v1/api-keys', { name: 'analyst', scopes: ['profiles:read'] });
      const forbidden = await post('/v1/events', event('c-1'), reader.body.key);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.requiredScope).toBe('events:write');
    });
  });

  describe('POST /v1/events/batch', () => {
    it('stores every event and answers in request order', async () => {
      const customer = `c-${randomUUID()}`;
      const events = [event(customer, 'CustomerRegistered', { name: '李娜' }), event(`c-${randomUUID()}`), event(customer, 'SearchPerformed', { query: '空气净化器' })];
      const answer = await post('/v1/events/batch', { events });
      expect(answer.status).toBe(202);
      expect(answer.body.results.map((r: { eventId: string; streamRevision: number }) => [r.eventId, r.streamRevision])).toEqual([
        [events[0].eventId, 0],
        [events[1].eventId, 0],
        [events[2].eventId, 1],
      ]);
    });

    it('lists every bad index and field, and stores nothing', async () => {
      const before = await storedCount();
      const events = [event('c-ok'), event('c-x', 'Nope'), event('c-ok'), event('c-y', 'PageViewed', {}, { channel: 'fax' })];
      const answer = await post('/v1/events/batch', { events });
      expect(answer.status).toBe(400);
      expect([...new Set(answer.body.errors.map((e: { index: number; pointer: string }) => `${e.index} ${e.pointer}`))]).toEqual([
        '1 /type',
        '3 /channel',
        '3 /data/url',
      ]);
      expect(await storedCount()).toBe(before);
    });

    it('answers a repeated eventId with the same content as a duplicate, with other content as 400', async () => {
      const one = event(`c-${randomUUID()}`);
      const same = await post('/v1/events/batch', { events: [one, one] });
      expect(same.body.results.map((r: { duplicate: boolean }) => r.duplicate)).toEqual([false, true]);
      const before = await storedCount();
      const other = await post('/v1/events/batch', { events: [event('c-1'), { ...one, data: { url: '/changed' } }] });
      expect(other.status).toBe(409);
      const differ = await post('/v1/events/batch', { events: [event('c-2', 'PageViewed', { url: '/a' }, { eventId: one.eventId.replace(/.$/, '0') }), event('c-2', 'PageViewed', { url: '/b' }, { eventId: one.eventId.replace(/.$/, '0') })] });
      expect(differ.status).toBe(400);
      expect(differ.body.errors).toEqual([expect.objectContaining({ index: 1, pointer: '/eventId', rule: 'uniqueInBatch' })]);
      expect(await storedCount()).toBe(before);
    });

    it('rejects a whole batch with a 409 conflict naming the conflicting indexes', async () => {
      const stored = event(`c-${randomUUID()}`);
      await post('/v1/events', stored);
      const before = await storedCount();
      const answer = await post('/v1/events/batch', { events: [event('c-new'), { ...stored, data: { url: '/changed' } }] });
      expect(answer.status).toBe(409);
      expect(answer.body.errors).toEqual([expect.objectContaining({ index: 1, pointer: '/eventId' })]);
      expect(await storedCount()).toBe(before);
    });

    it.each([[{ events: [] }], [{ events: 'x' }], [{}], [{ events: Array.from({ length: 1001 }, () => event('c-1')) }]])('refuses %j-shaped batches', async (body) => {
      const answer = await post('/v1/events/batch', body);
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].pointer).toBe('/events');
    });
  });

  describe('GET /v1/customers/:id/timeline', () => {
    it('pages newest first and masks personal data without pii:read', async () => {
      const customer = `c-${randomUUID()}`;
      await post('/v1/events/batch', {
        events: [
          event(customer, 'CustomerRegistered', { name: '张伟', phone: '+8613812345678', email: 'zhang.wei@example.cn', birthDate: '1990-05-01' }),
          event(customer, 'AddressSaved', { addressId: 'a1', province: '江苏省', city: '南京市', line1: '中山路 1 号', isDefault: true }),
          event(customer, 'ComplaintFiled', { complaintId: 'k1', category: 'delivery', severity: 'high', description: '包裹破损' }),
        ],
      });
      const analyst = (await post('/v1/api-keys', { name: 'analyst', scopes: ['profiles:read'] })).body.key;
      const first = await timeline(customer, '?limit=2', analyst);
      expect(first.status).toBe(200);
      expect(first.body.items.map((i: { type: string }) => i.type)).toEqual(['ComplaintFiled', 'AddressSaved']);
      expect(first.body.items[0].data.description).toBe('[redacted]');
      expect(first.body.items[1].data).toMatchObject({ province: '江苏省', city: '南京市', line1: '***' });
      const second = await timeline(customer, `?limit=2&before=${first.body.nextCursor}`, analyst);
      expect(second.body).toEqual({ items: [expect.objectContaining({ type: 'CustomerRegistered', streamRevision: 0 })], nextCursor: null });
      expect(second.body.items[0].data).toEqual({ name: '张*', phone: '+86138****5678', email: 'z***@example.cn', birthDate: null });
      const pii = (await post('/v1/api-keys', { name: 'care', scopes: ['profiles:read', 'pii:read'] })).body.key;
      const clear = await timeline(customer, '?before=1', pii);
      expect(clear.body.items[0].data.name).toBe('张伟');
    });

    it('answers 404 for a customer without events and 400 for a bad limit', async () => {
      expect((await timeline('c-nobody')).status).toBe(404);
      const bad = await timeline('c-1', '?limit=0');
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].pointer).toBe('/query/limit');
    });
  });

  describe('API keys', () => {
    it('issues a key shown once, lists it without the key, and revokes it at once', async () => {
      const created = await post('/v1/api-keys', { name: '门店系统', scopes: ['events:write'] });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(String), key: expect.stringMatching(/^tsk_/) });
      expect((await post('/v1/events', event('c-k'), created.body.key)).status).toBe(202);
      const listed = await call(app.url, 'GET', '/v1/api-keys');
      const mine = listed.body.items.find((k: { id: string }) => k.id === created.body.id);
      expect(mine).toEqual({ id: created.body.id, name: '门店系统', scopes: ['events:write'], createdAt: expect.any(String), lastUsedAt: expect.any(String), bootstrap: false });
      expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
      expect((await call(app.url, 'DELETE', `/v1/api-keys/${created.body.id}`)).status).toBe(204);
      expect((await post('/v1/events', event('c-k'), created.body.key)).status).toBe(401);
    });

    it('revokes a key at once on every instance, even one that has it cached', async () => {
      const other = await startTestApp(database.url);
      try {
        const created = await post('/v1/api-keys', { name: 'pos', scopes: ['events:write'] });
        const viaOther = () => call(other.url, 'POST', '/v1/events', { key: created.body.key, body: event('c-revoked') });
        expect((await viaOther()).status).toBe(202);
        expect((await viaOther()).status).toBe(202);
        expect((await call(app.url, 'DELETE', `/v1/api-keys/${created.body.id}`)).status).toBe(204);
        let status = 0;
        // Below the key cache's 30 s TTL: only the revocation notice can make this pass.
        const deadline = Date.now() + 20_000;
        while (status !== 401 && Date.now() < deadline) status = (await viaOther()).status;
        expect(status).toBe(401);
      } finally {
        await other.close();
      }
    });

    it('refuses bad key requests and non-admin callers', async () => {
      const bad = await post('/v1/api-keys', { name: '', scopes: ['root'] });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/name', '/scopes']);
      const writer = (await post('/v1/api-keys', { name: 'w', scopes: ['events:write'] })).body.key;
      expect((await call(app.url, 'GET', '/v1/api-keys', { key: writer })).status).toBe(403);
      expect(ADMIN_KEY).not.toBe(writer);
    });
  });

  describe('health', () => {
    it('lists every dependency', async () => {
      const health = await call(app.url, 'GET', '/health', { key: null });
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, 'eventStore:postgres': { status: 'up' }, kafka: { status: 'disabled' } } });
      expect((await call(app.url, 'GET', '/health/live', { key: null })).body).toEqual({ status: 'ok' });
      const metrics = await call(app.url, 'GET', '/metrics', { key: null });
      expect(metrics.body).toContain('tessera_events_appended_total{result="stored"}');
    });
  });
});

describe('ingestion when the database is unreachable', () => {
  it('answers 503 with Retry-After, never 500, and stores nothing of the batch', async () => {
    const database = await createTestDatabase('e2e_unreachable');
    const target = new URL(database.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const app = await startTestApp(viaProxy.toString());
    try {
      proxy.cut();
      const answer = await call(app.url, 'POST', '/v1/events/batch', { body: { events: [event('c-down'), event('c-down')] } });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.body.type).toContain('unavailable');
      const health = await call(app.url, 'GET', '/health', { key: null });
      expect(health.status).toBe(503);
      expect(health.body.checks.database.status).toBe('down');
      expect(Number((await database.pool.query('select count(*) from es_events')).rows[0].count)).toBe(0);
      await proxy.restore();
      const recovered = await call(app.url, 'POST', '/v1/events', { body: event('c-up') });
      expect(recovered.status).toBe(202);
    } finally {
      await app.close();
      await proxy.close();
      await database.drop();
    }
  });
});
