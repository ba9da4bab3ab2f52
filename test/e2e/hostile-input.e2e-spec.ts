import { randomUUID } from 'node:crypto';
import { TestDatabase, createTestDatabase } from '../support/database';
import { rawRequest } from '../support/raw-request';
import { Answer, TestApp, call, startTestApp } from '../support/test-app';

/**
 * Issue 9, "every bad input is a 4xx": each request a black-box fuzz answered 500 (or with a
 * non-problem body), answered now with a problem naming the field or parameter, storing nothing.
 */
const event = (customerId: string, extra: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'PageViewed',
  customerId,
  occurredAt: '2026-11-20T10:00:00+08:00',
  channel: 'web',
  data: { url: '/books' },
  ...extra,
});

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function expectProblem(answer: Answer, status: number, error?: { pointer: string; rule?: string; index?: number }): void {
  expect({ status: answer.status, type: answer.headers.get('content-type') }).toEqual({ status, type: expect.stringContaining('application/problem+json') });
  expect(answer.body).toEqual(expect.objectContaining({ status, type: expect.any(String), title: expect.any(String) }));
  if (error) expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining(error)]));
}


describe('hostile input over HTTP', () => {
  let database: TestDatabase;
  let app: TestApp;
  const post = (path: string, raw: string) => call(app.url, 'POST', path, { raw });
  const get = (path: string) => rawRequest(app.url, 'GET', path);
  const counts = async () => {
    const { rows } = await database.pool.query(
      `select (select count(*) from es_events)::int as events, (select count(*) from segments.definition_versions)::int as segments, (select count(*) from api_keys)::int as keys`,
    );
    return rows[0] as { events: number; segments: number; keys: number };
  };

  beforeAll(async () => {
    database = await createTestDatabase('e2e_hostile');
    app = await startTestApp(database.url);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  describe('text PostgreSQL cannot store and deep JSON in bodies', () => {
    const cases: [string, string, string, string][] = [
      ['NUL in event data', '/v1/events', JSON.stringify(event('c-nul', { data: { url: '/a\u0000b' } })), '/data/url'],
      ['NUL in metadata', '/v1/events', JSON.stringify(event('c-nul', { metadata: { source: 'x\u0000' } })), '/metadata/source'],
      ['NUL in a key of data', '/v1/events', JSON.stringify(event('c-nul', { data: { url: '/a', ['k\u0000']: 1 } })), '/data/k\u0000'],
      ['lone surrogate in email', '/v1/events', JSON.stringify(event('c-sur', { type: 'CustomerRegistered', data: { email: 'a@b.c' } })).replace('a@b.c', 'a\\ud800@b.c'), '/data/email'],
      ['lone low surrogate in data', '/v1/events', JSON.stringify(event('c-sur')).replace('/books', '/bo\\udc00oks'), '/data/url'],
      ['NUL in a batch event', '/v1/events/batch', JSON.stringify({ events: [event('c-b'), event('c-b', { data: { url: '\u0000' } })] }), '/events/1/data/url'],
      ['NUL in a segment name', '/v1/segments', JSON.stringify({ name: 'n\u0000', rule: { field: 'tags', op: 'contains', value: 'vip' } }), '/name'],
      ['NUL in a segment rule value', '/v1/segments', JSON.stringify({ name: 'n', rule: { field: 'tags', op: 'contains', value: 'v\u0000' } }), '/rule/value'],
      ['NUL in an API key name', '/v1/api-keys', JSON.stringify({ name: 'k\u0000', scopes: ['profiles:read'] }), '/name'],
      ['lone surrogate in an API key name', '/v1/api-keys', JSON.stringify({ name: 'k', scopes: ['profiles:read'] }).replace('"k"', '"k\\ud83d"'), '/name'],
    ];
    it.each(cases)('%s → 400 naming the field, nothing stored', async (_name, path, raw, pointer) => {
      const before = await counts();
      const answer = await post(path, raw);
      expectProblem(answer, 400, { pointer, rule: 'storableText' });
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['/v1/events', (deep: string) => JSON.stringify(event('c-deep')).replace('{"url":"/books"}', `{"url":"/books","x":${deep}}`)],
      ['/v1/events/batch', (deep: string) => JSON.stringify({ events: [event('c-deep', { metadata: {} })] }).replace('"metadata":{}', `"metadata":${deep}`)],
      ['/v1/segments', (deep: string) => `{"name":"deep","rule":${deep}}`],
      ['/v1/api-keys', (deep: string) => `{"name":${deep}}`],
    ])('JSON nested 10,000 deep at %s → 400 maxDepth', async (path, wrap) => {
      const before = await counts();
      const answer = await post(path, wrap('['.repeat(10_000) + ']'.repeat(10_000)));
      expectProblem(answer, 400, { rule: 'maxDepth', pointer: expect.any(String) as unknown as string });
      expect(await counts()).toEqual(before);
    });

    it('a number JSON cannot hold (1e400) → 400', async () => {
      const answer = await post('/v1/events', JSON.stringify(event('c-big')).replace('"data":{"url":"/books"}', '"data":{"url":"/books","n":1e400}'));
      expectProblem(answer, 400, { pointer: '/data/n', rule: 'finiteNumber' });
    });
  });

  describe('query parameters', () => {
    it.each([
      ['/v1/customers?q=a&q=b', 'q'],
      ['/v1/customers/c-1/timeline?limit=1&limit=2', 'limit'],
      ['/v1/analytics/satisfaction?from=2026-01-01&from=2026-01-02', 'from'],
      ['/v1/analytics/lifecycle?to=2026-01-01&to=2026-01-02', 'to'],
      ['/v1/segments/value:high/members?cursor=a&cursor=b', 'cursor'],
    ])('a repeated parameter (%s) → 400 naming it', async (path, name) => {
      expectProblem(await get(path), 400, { pointer: `/query/${name}`, rule: 'single' });
    });

    it.each([
      ['/v1/customers?q=a%00b', 'q', 'storableText'],
      ['/v1/customers?tag=%ED%A0%80', 'tag', undefined],
      ['/v1/customers?cursor=' + cursorOf([null, 'c\u0000']), 'cursor', 'isCursor'],
      ['/v1/customers?sort=-lastSeenAt&cursor=' + cursorOf(['2024-02-30 00:00:00+00', 'c-1']), 'cursor', 'isCursor'],
      ['/v1/customers?sort=-lastSeenAt&cursor=' + cursorOf(['0000-01-01 00:00:00+00', 'c-1']), 'cursor', 'isCursor'],
      ['/v1/customers?cursor=' + cursorOf({ v: null }), 'cursor', 'isCursor'],
      ['/v1/segments/value:high/members?cursor=' + Buffer.from('c\u0000', 'utf8').toString('base64url'), 'cursor', 'isCursor'],
      ['/v1/segments/value:high/members?cursor=' + Buffer.from([0xed, 0xa0, 0x80]).toString('base64url'), 'cursor', 'isCursor'],
      ['/v1/analytics/satisfaction?from=0000-01-01', 'from', 'isDate'],
      ['/v1/analytics/lifecycle?from=0000-01-01&to=0000-01-30', 'from', 'isDate'],
    ])('%s → 400 naming %s', async (path, name, rule) => {
      expectProblem(await get(path), 400, { pointer: `/query/${name}`, ...(rule ? { rule } : {}) });
    });
  });

  describe('segment rule values PostgreSQL would refuse are refused on save', () => {
    it.each([
      [{ field: 'lastPurchaseAt', op: 'gt', value: '2024-02-30T00:00Z' }, '/rule/value'],
      [{ field: 'lastPurchaseAt', op: 'gt', value: '2024-02-01T00:00+23:59' }, '/rule/value'],
      [{ field: 'lastPurchaseAt', op: 'lt', value: '0000-01-01T00:00Z' }, '/rule/value'],
      [{ all: [{ field: 'lastPurchaseAt', op: 'in', value: ['2024-01-01T00:00Z', '2024-13-01T00:00Z'] }] }, '/rule/all/0/value/1'],
      [{ field: 'netSpend365d', op: 'gte', value: 1e300 }, '/rule/value'],
    ])('%j → 400 at %s', async (rule, pointer) => {
      const before = await counts();
      expectProblem(await post('/v1/segments', JSON.stringify({ name: 'bad', rule })), 400, { pointer });
      expect(await counts()).toEqual(before);
    });
  });

  describe('URLs', () => {
    it.each([101, 128])('a customer id of %i characters is readable on every route', async (length) => {
      const id = 'c'.repeat(length);
      const created = await post('/v1/events', JSON.stringify(event(id)));
      expect(created.status).toBe(202);
      for (const path of [`/v1/customers/${id}`, `/v1/customers/${id}/orders`, `/v1/customers/${id}/segments`, `/v1/customers/${id}/timeline`]) {
        const answer = await get(path);
        expect({ path, status: answer.status }).toEqual({ path, status: expect.any(Number) });
        expect([200, 404]).toContain(answer.status);
      }
      expect((await get(`/v1/customers/${id}/timeline`)).status).toBe(200);
      // too long for a segment id, yet answered as a bad id, not 414
      const segment = await get(`/v1/segments/${'s'.repeat(length)}/members`);
      expect([400, 404]).toContain(segment.status);
      expect(segment.headers.get('content-type')).toContain('application/problem+json');
    });

    it.each(['/v1/customers/%zz', '/v1/customers/%ED%A0%80', '/v1/customers/%ED%A0%80/timeline'])('bad percent-encoding %s → 400 problem', async (path) => {
      expectProblem(await get(path), 400);
    });

    it('an id longer than any route allows → 4xx problem', async () => {
      const answer = await get(`/v1/customers/${'c'.repeat(5000)}`);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    });

    it('headers larger than the server accepts → 431 problem', async () => {
      expectProblem(await rawRequest(app.url, 'GET', '/v1/customers', { 'x-filler': 'x'.repeat(20_000) }), 431);
    });

    it('a URL larger than the server accepts → 4xx problem', async () => {
      const answer = await get(`/v1/customers?q=${'x'.repeat(20_000)}`);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    });
  });
});
