import { ConfigError, loadConfig } from './tessera-config';

describe('loadConfig', () => {
  it('runs every role on the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect([...config.roles]).toEqual(['ingest', 'query', 'projector', 'relay', 'scheduler']);
    expect(config).toMatchObject({ port: 3000, databaseUrl: undefined, dataDir: './.tessera', eventStore: 'postgres', currency: 'CNY', timezone: 'Asia/Shanghai', kafkaBrokers: [] });
  });

  it.each([
    ['loopback only on the embedded default', {}, '127.0.0.1'],
    ['every interface with a DATABASE_URL', { DATABASE_URL: 'postgres://db/tessera' }, '0.0.0.0'],
    ['HOST when set, embedded or not', { HOST: '0.0.0.0' }, '0.0.0.0'],
    ['HOST over the DATABASE_URL default', { HOST: '10.0.0.5', DATABASE_URL: 'postgres://db/tessera' }, '10.0.0.5'],
  ])('listens on %s', (_case, env, host) => {
    expect(loadConfig(env).host).toBe(host);
  });

  it('reads roles, brokers and the port', () => {
    const config = loadConfig({ TESSERA_ROLES: 'ingest, query', KAFKA_BROKERS: 'a:9092,b:9092', PORT: '8080' });
    expect([...config.roles]).toEqual(['ingest', 'query']);
    expect(config.kafkaBrokers).toEqual(['a:9092', 'b:9092']);
    expect(config.port).toBe(8080);
  });

  it.each([
    [{ TESSERA_ROLES: 'ingest,cooking' }, 'TESSERA_ROLES'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ EVENT_STORE: 'mongo' }, 'EVENT_STORE'],
    [{ EVENT_STORE: 'eventstoredb' }, 'EVENTSTOREDB_URL'],
    [{ TESSERA_CURRENCY: 'yuan' }, 'TESSERA_CURRENCY'],
    [{ TESSERA_TIMEZONE: 'Mars/Olympus' }, 'TESSERA_TIMEZONE'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ TESSERA_ADMIN_KEY: 'short' }, 'TESSERA_ADMIN_KEY'],
    [{ EVENT_STORE: 'eventstoredb', EVENTSTOREDB_URL: 'http://localhost:2113' }, 'EVENTSTOREDB_URL'],
    [{ EVENT_STORE: 'eventstoredb', EVENTSTOREDB_URL: 'esdb://localhost:2113?tls=false&throwOnAppendFailure=false' }, 'throwOnAppendFailure'],
    [{ TESSERA_ESDB_MAX_APPEND_BYTES: '10' }, 'TESSERA_ESDB_MAX_APPEND_BYTES'],
    [{ TESSERA_ESDB_DEADLINE_MS: '0' }, 'TESSERA_ESDB_DEADLINE_MS'],
    [{ TESSERA_RATE_LIMIT_EVENTS_WRITE: '0' }, 'TESSERA_RATE_LIMIT_EVENTS_WRITE'],
    [{ TESSERA_RATE_LIMIT_UNAUTHENTICATED: 'lots' }, 'TESSERA_RATE_LIMIT_UNAUTHENTICATED'],
    [{ TESSERA_RATE_LIMIT_WINDOW_SECONDS: '1.5' }, 'TESSERA_RATE_LIMIT_WINDOW_SECONDS'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('takes EventStoreDB credentials in the URL and its limits, never echoing the password in a problem', () => {
    const config = loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTOREDB_URL: 'esdb://tessera:s3cret@node1:2113,node2:2113,node3:2113?tls=true', TESSERA_ESDB_MAX_APPEND_BYTES: '500000' });
    expect(config).toMatchObject({ eventStoreDbUrl: 'esdb://tessera:s3cret@node1:2113,node2:2113,node3:2113?tls=true', eventStoreDb: { maxAppendBytes: 500_000, deadlineMs: 10_000 } });
    expect(() => loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTOREDB_URL: 'esdb://tessera:s3cret@node1:2113?throwOnAppendFailure=false' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });

  it('reads a rate limit per scope, keeping the defaults of the others', () => {
    const { rateLimits } = loadConfig({ TESSERA_RATE_LIMIT_PROFILES_READ: '5', TESSERA_RATE_LIMIT_WINDOW_SECONDS: '10' });
    expect(rateLimits).toEqual({
      windowSeconds: 10,
      perKey: { 'events:write': 300_000, 'profiles:read': 5, 'analytics:read': 60_000, 'segments:write': 6_000, admin: 120_000 },
      unauthenticatedPerIp: 600,
    });
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: '-1', TESSERA_CURRENCY: 'x' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });
});
