import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHANNELS, EVENT_TYPES } from '@tessera/catalog';
import { STAGES, VALUE_TIERS } from '@tessera/customers';
import { SCOPES } from '@tessera/platform';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestApp, startTestApp } from '../support/test-app';

type Schema = { $ref?: string; enum?: unknown[]; required?: string[]; items?: Schema; properties?: Record<string, Schema> };
type Parameter = { $ref?: string; name?: string; in?: string; schema?: Schema };
type Operation = { operationId?: string; security?: unknown[]; parameters?: Parameter[]; responses: Record<string, unknown> };
type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema & { properties: Record<string, Schema> }>; parameters: Record<string, Parameter> };
};

const doc = JSON.parse(readFileSync(resolve(__dirname, '../../docs/openapi.json'), 'utf8')) as OpenApi;
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
/** The public API (DESIGN §6); Fastify's own routes outside it are not part of the contract. */
const PUBLIC_PREFIXES = ['/v1/', '/health', '/metrics'];

/** `{ method: 'GET', url: '/v1/customers/:id' }` for every documented operation. */
const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((method) => METHODS.includes(method))
    .map((method) => ({ method: method.toUpperCase(), url: path.replace(/\{(\w+)\}/g, ':$1') })),
);
const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, operation]) => ({ route: `${method} ${path}`, operation })));
const key = (route: { method: string; url: string }) => `${route.method} ${route.url}`;

/** A query parameter of an operation, its `$ref` to components/parameters resolved. */
function queryParameter(path: string, name: string): Parameter | undefined {
  return (doc.paths[path].get.parameters ?? [])
    .map((p) => (p.$ref ? doc.components.parameters[p.$ref.replace('#/components/parameters/', '')] : p))
    .find((p) => p.in === 'query' && p.name === name);
}

/** docs/openapi.json stays true to the code: exactly the routes the app serves, the catalog's enums. */
describe('docs/openapi.json', () => {
  let database: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase('openapi');
    app = await startTestApp(database.url);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('describes only routes the app serves', () => {
    const fastify = app.app.getHttpAdapter().getInstance();
    expect(documented.length).toBeGreaterThanOrEqual(9);
    expect(documented.filter((route) => !fastify.hasRoute({ method: route.method as 'GET', url: route.url }))).toEqual([]);
  });

  it('describes every route the app serves under /v1, /health and /metrics', () => {
    const served = app.routes.filter((route) => route.method !== 'HEAD' && PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix)));
    expect(served.length).toBeGreaterThanOrEqual(documented.filter((route) => PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix))).length);
    const known = new Set(documented.map(key));
    expect(served.map(key).filter((route) => !known.has(route))).toEqual([]);
  });

  it('lists the catalog’s event types, channels and scopes', () => {
    const envelope = doc.components.schemas.EventEnvelope.properties;
    expect(envelope.type.enum).toEqual(EVENT_TYPES);
    expect(envelope.channel.enum).toEqual([...CHANNELS]);
    expect(doc.components.schemas.NewApiKey.properties.scopes.items?.enum).toEqual([...SCOPES]);
    expect(queryParameter('/v1/analytics/satisfaction', 'channel')?.schema?.enum).toEqual([...CHANNELS]);
    expect(doc.components.schemas.SatisfactionDay.properties.channel.enum).toEqual([...CHANNELS]);
  });

  it('lists the lifecycle stages and value tiers of the code', () => {
    const { schemas } = doc.components;
    expect(schemas.Stage.enum).toEqual([...STAGES]);
    expect(schemas.ValueTier.enum).toEqual([...VALUE_TIERS]);
    expect(schemas.CustomerProfile.properties.lifecycleStage.$ref).toBe('#/components/schemas/Stage');
    expect(schemas.CustomerProfile.properties.valueTier.$ref).toBe('#/components/schemas/ValueTier');
    expect(queryParameter('/v1/customers', 'stage')?.schema?.$ref).toBe('#/components/schemas/Stage');
    expect(queryParameter('/v1/customers', 'valueTier')?.schema?.$ref).toBe('#/components/schemas/ValueTier');
    expect(schemas.LifecycleAnalytics.properties.stages.required).toEqual([...STAGES]);
    expect(schemas.ValueTierAnalytics.properties.tiers.required).toEqual([...VALUE_TIERS]);
    expect(schemas.ValueTierAnalytics.properties.netSpend365d.required).toEqual([...VALUE_TIERS]);
  });

  it('names every operation, and documents 401, 403 and 429 on every one that needs a key', () => {
    expect(operations.filter(({ operation }) => !operation.operationId).map(({ route }) => route)).toEqual([]);
    expect(new Set(operations.map(({ operation }) => operation.operationId)).size).toBe(operations.length);
    const protectedOnes = operations.filter(({ operation }) => operation.security?.length !== 0);
    expect(protectedOnes.length).toBeGreaterThanOrEqual(20);
    const missing = protectedOnes.flatMap(({ route, operation }) => ['401', '403', '429'].filter((status) => !operation.responses[status]).map((status) => `${route} ${status}`));
    expect(missing).toEqual([]);
  });

  it('serves this document at /openapi.json and an offline interactive page at /docs, without a key', async () => {
    const served = await fetch(`${app.url}/openapi.json`);
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(doc);
    const page = await fetch(`${app.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    expect(assets.filter((asset) => !asset.startsWith('/docs/'))).toEqual([]);
    for (const asset of assets) expect([asset, (await fetch(`${app.url}${asset}`)).status]).toEqual([asset, 200]);
    expect((await fetch(`${app.url}/docs/index.html`)).status).toBe(404);
  });
});
