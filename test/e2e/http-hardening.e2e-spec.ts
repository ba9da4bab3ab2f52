import { randomUUID } from 'node:crypto';
import { TestDatabase, createTestDatabase } from '../support/database';
import { rawGet, serverClosed, stalledUpload } from '../support/raw-http';
import { ADMIN_KEY, TestApp, call, startTestApp } from '../support/test-app';

const FIVE_MIB = 5 * 1024 * 1024;
const event = (customerId: string) => ({ eventId: randomUUID(), type: 'PageViewed', customerId, occurredAt: '2026-11-20T10:00:00+08:00', channel: 'web', data: { url: '/' } });

describe('HTTP hardening', () => {
  let database: TestDatabase;
  let app: TestApp;
  let reader: string;

  beforeAll(async () => {
    database = await createTestDatabase('e2e_hardening');
    app = await startTestApp(database.url);
    reader = (await call(app.url, 'POST', '/v1/api-keys', { body: { name: 'reader', scopes: ['profiles:read'] } })).body.key;
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  describe('key and scope are checked before the body is read', () => {
    it.each([
      ['no key, Content-Length', [], false, 401],
      ['no key, chunked', [], true, 401],
      ['an unknown key', [['Authorization', 'Bearer tsk_unknown']], false, 401],
      ['a key without events:write', 'reader', false, 403],
    ] as const)('%s: answers %s while the upload is in flight and closes the connection', async (_case, headers, chunked, status) => {
      const sent: [string, string][] = headers === 'reader' ? [['Authorization', `Bearer ${reader}`]] : headers.map(([name, value]) => [name, value]);
      const answer = await stalledUpload(app.url, '/v1/events/batch', { headers: sent, declaredBytes: FIVE_MIB, firstBytes: 64 * 1024, chunked });
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toMatchObject({ status });
      await serverClosed(answer.socket);
      answer.socket.destroy();
    });

    it('holds no upload: 20 stalled 5 MiB uploads without a key are all answered and dropped after 64 KiB each', async () => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => stalledUpload(app.url, '/v1/events/batch', { headers: [], declaredBytes: FIVE_MIB, firstBytes: 64 * 1024 })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(401));
      await Promise.all(answers.map((a) => serverClosed(a.socket)));
      for (const answer of answers) answer.socket.destroy();
    });

    it('a malformed body without a key is a 401, not a 400', async () => {
      const answer = await call(app.url, 'POST', '/v1/events', { key: null, raw: '{"not json' });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('an unknown route stays a 404 problem, with or without a key', async () => {
      for (const key of [null, ADMIN_KEY]) {
        const answer = await call(app.url, 'GET', '/v1/nothing-here', { key });
        expect(answer.status).toBe(404);
        expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    });
  });

  describe('headers', () => {
    it('two Authorization headers → 400 naming the header', async () => {
      const answer = await rawGet(app.url, '/v1/customers/c-1', [['Authorization', `Bearer ${ADMIN_KEY}`], ['Authorization', 'Bearer tsk_other']]);
      answer.socket.destroy();
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 400, errors: [{ pointer: '/headers/authorization', rule: 'single' }] });
    });

    it('nosniff and no-store on every answer of a route that needs a key, errors included', async () => {
      await call(app.url, 'POST', '/v1/events', { body: event('c-headers') });
      const answers = [
        await call(app.url, 'GET', '/v1/api-keys'),
        await call(app.url, 'GET', '/v1/customers/c-headers/timeline'),
        await call(app.url, 'GET', '/v1/customers/c-headers/timeline', { key: null }),
        await call(app.url, 'GET', '/v1/api-keys', { key: reader }),
        await call(app.url, 'GET', '/v1/customers/c-headers/timeline?limit=0'),
        await call(app.url, 'POST', '/v1/events', { raw: '{"not json' }),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 403, 400, 400]);
      for (const answer of answers) {
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('cache-control')).toBe('no-store');
      }
      expect((await call(app.url, 'GET', '/health/live', { key: null })).headers.get('cache-control')).toBeNull();
    });
  });

  it('POST /v1/api-keys refuses unknown fields, naming them', async () => {
    const answer = await call(app.url, 'POST', '/v1/api-keys', { body: { name: 'x', scopes: ['admin'], expiresAt: '2030-01-01' } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ pointer: '/expiresAt', rule: 'unknownField', message: expect.stringContaining('expiresAt') }]);
    expect((await call(app.url, 'GET', '/v1/api-keys')).body.items.map((k: { name: string }) => k.name)).not.toContain('x');
  });

  it('/metrics counts requests by route pattern and status, never by raw URL', async () => {
    const customerId = `c-metrics-${randomUUID()}`;
    expect((await call(app.url, 'GET', `/v1/customers/${customerId}`)).status).toBe(404);
    const metrics = String((await call(app.url, 'GET', '/metrics', { key: null })).body);
    expect(metrics).toMatch(/tessera_http_requests_total\{method="GET",route="\/v1\/customers\/:id",status="404"\} [1-9]/);
    expect(metrics).toMatch(/tessera_http_request_duration_seconds_count\{method="GET",route="\/v1\/customers\/:id",status="404"\} [1-9]/);
    expect(metrics).toMatch(/tessera_http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
    expect(metrics).not.toContain(customerId);
  });
});

describe('rate limits per key and scope', () => {
  let database: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase('e2e_rate_limits');
    app = await startTestApp(database.url, { TESSERA_RATE_LIMIT_PROFILES_READ: '2', TESSERA_RATE_LIMIT_UNAUTHENTICATED: '2' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers 429 with Retry-After once a key passes its scope limit; other keys and scopes go on', async () => {
    const key = (await call(app.url, 'POST', '/v1/api-keys', { body: { name: 'busy', scopes: ['profiles:read', 'events:write'] } })).body.key;
    const read = (with_: string) => call(app.url, 'GET', '/v1/customers/c-1', { key: with_ });
    expect([(await read(key)).status, (await read(key)).status]).toEqual([404, 404]);
    const limited = await read(key);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('cache-control')).toBe('no-store');
    expect(limited.body).toMatchObject({ status: 429, title: 'Too many requests' });
    expect((await read(ADMIN_KEY)).status).toBe(404);
    expect((await call(app.url, 'POST', '/v1/events', { key, body: event('c-1') })).status).toBe(202);
  });

  it('counts requests without a valid key per client address', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(app.url, 'GET', '/v1/outbox', { key: 'tsk_guess' })).status);
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('once an address is limited, wrong keys get 429 without a key lookup; keys found valid before still pass', async () => {
    const lookups = async () => Number(/^tessera_api_key_lookups_total (\d+)/m.exec((await call(app.url, 'GET', '/metrics', { key: null })).body)?.[1]);
    expect((await call(app.url, 'GET', '/v1/outbox', { key: 'tsk_guess' })).status).toBe(429);
    const before = await lookups();
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect((await call(app.url, 'GET', '/v1/outbox', { key: `tsk_other_${i}` })).status).toBe(429);
    expect(await lookups()).toBe(before);
    expect((await call(app.url, 'GET', '/v1/api-keys')).status).toBe(200);
  });
});
