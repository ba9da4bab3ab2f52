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
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
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
