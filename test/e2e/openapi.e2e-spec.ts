import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHANNELS, EVENT_TYPES } from '@tessera/catalog';
import { SCOPES } from '@tessera/platform/auth/scopes';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestApp, startTestApp } from '../support/test-app';

type OpenApi = { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { properties: Record<string, { enum?: string[]; items?: { enum?: string[] } }> }> } };

const doc = JSON.parse(readFileSync(resolve(__dirname, '../../docs/openapi.json'), 'utf8')) as OpenApi;
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

/** docs/openapi.json stays true to the code: its routes exist, its enums are the catalog's. */
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
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((method) => ({ method: method.toUpperCase(), url: path.replace(/\{(\w+)\}/g, ':$1') })));
    expect(documented.length).toBeGreaterThanOrEqual(9);
    expect(documented.filter((route) => !fastify.hasRoute({ method: route.method as 'GET', url: route.url }))).toEqual([]);
  });

  it('lists the catalog’s event types, channels and scopes', () => {
    const envelope = doc.components.schemas.EventEnvelope.properties;
    expect(envelope.type.enum).toEqual(EVENT_TYPES);
    expect(envelope.channel.enum).toEqual([...CHANNELS]);
    expect(doc.components.schemas.NewApiKey.properties.scopes.items?.enum).toEqual([...SCOPES]);
  });
});
