import { randomUUID } from 'node:crypto';
import { SCOPES, Scope } from '@tessera/platform';
import { TestDatabase, createTestDatabase } from '../support/database';
import { ServedRoute, TestApp, call, startTestApp } from '../support/test-app';

type Access = Scope | 'public';

/**
 * Who may call each route, written down here rather than read from the code, so a wrong
 * `@RequireScope` fails as surely as a missing one. HEAD routes take their GET's access.
 */
const ACCESS: Record<string, Access> = {
  'GET /health': 'public',
  'GET /health/live': 'public',
  'GET /metrics': 'public',
  'GET /openapi.json': 'public',
  'GET /docs': 'public',
  'POST /v1/api-keys': 'admin',
  'GET /v1/api-keys': 'admin',
  'DELETE /v1/api-keys/:id': 'admin',
  'POST /v1/scheduler/run': 'admin',
  'GET /v1/projections': 'admin',
  'GET /v1/projections/:name': 'admin',
  'POST /v1/projections/:name/rebuild': 'admin',
  'GET /v1/outbox': 'admin',
  'POST /v1/events': 'events:write',
  'POST /v1/events/batch': 'events:write',
  'GET /v1/customers': 'profiles:read',
  'GET /v1/customers/:id': 'profiles:read',
  'GET /v1/customers/:id/orders': 'profiles:read',
  'GET /v1/customers/:id/timeline': 'profiles:read',
  'GET /v1/customers/:id/segments': 'profiles:read',
  'GET /v1/analytics/lifecycle': 'analytics:read',
  'GET /v1/analytics/value-tiers': 'analytics:read',
  'GET /v1/analytics/satisfaction': 'analytics:read',
  'GET /v1/segments': 'analytics:read',
  'GET /v1/segments/:id': 'analytics:read',
  'GET /v1/segments/:id/versions': 'analytics:read',
  'GET /v1/segments/:id/members': 'analytics:read',
  'POST /v1/segments': 'segments:write',
  'PUT /v1/segments/:id': 'segments:write',
  'DELETE /v1/segments/:id': 'segments:write',
};

/** swagger-ui's static files, one route each. */
const PUBLIC_PREFIX = '/docs/';

function accessOf(route: ServedRoute): Access | undefined {
  const method = route.method === 'HEAD' ? 'GET' : route.method;
  return route.url.startsWith(PUBLIC_PREFIX) ? 'public' : ACCESS[`${method} ${route.url}`];
}

/** A path to call for a route pattern; a parameter this does not know fails the test. */
function pathOf(url: string): string {
  const path = url
    .replace(/^\/v1\/customers\/:id/, '/v1/customers/c-1')
    .replace(/^\/v1\/segments\/:id/, '/v1/segments/x')
    .replace(/^\/v1\/api-keys\/:id/, `/v1/api-keys/${randomUUID()}`)
    .replace(/^\/v1\/projections\/:name/, '/v1/projections/customer-360');
  if (/[:*]/.test(path)) throw new Error(`no value for the parameters of ${url}; add one to pathOf`);
  return path;
}

/** Every route scope except `needed`, and never `admin` (it implies every scope). */
const allBut = (needed: Scope): Scope[] => SCOPES.filter((scope) => scope !== needed && scope !== 'admin');

describe('every served route declares its access, and the hook enforces it', () => {
  let database: TestDatabase;
  let app: TestApp;
  const withoutScope = new Map<Scope, string>();
  const onlyScope = new Map<Scope, string>();

  beforeAll(async () => {
    database = await createTestDatabase('e2e_route_access');
    app = await startTestApp(database.url, { TESSERA_RATE_LIMIT_UNAUTHENTICATED: '100000' });
    for (const scope of new Set(Object.values(ACCESS))) {
      if (scope === 'public') continue;
      withoutScope.set(scope, (await call(app.url, 'POST', '/v1/api-keys', { body: { name: `all but ${scope}`, scopes: allBut(scope) } })).body.key);
      onlyScope.set(scope, (await call(app.url, 'POST', '/v1/api-keys', { body: { name: `only ${scope}`, scopes: [scope] } })).body.key);
    }
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('the app serves exactly the routes listed here (HEAD included), each with a known access', () => {
    expect(app.routes.length).toBeGreaterThan(Object.keys(ACCESS).length);
    expect(app.routes.filter((route) => accessOf(route) === undefined)).toEqual([]);
    const served = new Set(app.routes.map((route) => `${route.method} ${route.url}`));
    expect(Object.keys(ACCESS).filter((route) => !served.has(route))).toEqual([]);
    const heads = app.routes.filter((route) => route.method === 'HEAD');
    expect(heads.length).toBeGreaterThan(0);
  });

  it('without a key: 401 problem+json on every route that is not public, something else on public ones', async () => {
    const wrong: string[] = [];
    for (const route of app.routes) {
      const answer = await call(app.url, route.method, pathOf(route.url), { key: null });
      const isPublic = accessOf(route) === 'public';
      const ok = isPublic
        ? answer.status !== 401 && answer.status !== 403
        : answer.status === 401 && /^application\/problem\+json/.test(answer.headers.get('content-type') ?? '') && (route.method === 'HEAD' || answer.body?.status === 401);
      if (!ok) wrong.push(`${route.method} ${route.url} → ${answer.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('a valid key with every scope but the route’s: 403; a key with only that scope gets past the check', async () => {
    const wrong: string[] = [];
    for (const route of app.routes) {
      const access = accessOf(route);
      if (access === undefined || access === 'public') continue;
      const path = pathOf(route.url);
      const refused = await call(app.url, route.method, path, { key: withoutScope.get(access) });
      if (refused.status !== 403 || !/^application\/problem\+json/.test(refused.headers.get('content-type') ?? '')) wrong.push(`${route.method} ${route.url} without ${access} → ${refused.status}`);
      const allowed = await call(app.url, route.method, path, { key: onlyScope.get(access) });
      if (allowed.status === 401 || allowed.status === 403) wrong.push(`${route.method} ${route.url} with only ${access} → ${allowed.status}`);
    }
    expect(wrong).toEqual([]);
  });
});
