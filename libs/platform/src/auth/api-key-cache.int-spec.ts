import { TestDatabase, createTestDatabase } from '../../../../test/support/database';
import { waitFor } from '@tessera/event-store/testing';
import { ApiKeyCache, REVOCATION_CHANNEL } from './api-key-cache';
import { Principal } from './scopes';

const principal = (keyId: string): Principal => ({ keyId, name: keyId, scopes: new Set(['events:write']) });

describe('ApiKeyCache against real PostgreSQL LISTEN/NOTIFY', () => {
  let database: TestDatabase;
  let cache: ApiKeyCache;

  beforeAll(async () => {
    database = await createTestDatabase('key_cache');
    cache = new ApiKeyCache(database.pool);
    await cache.start();
  });
  afterAll(async () => {
    await cache.stop();
    await database.drop();
  });

  it('serves a cached key until it is forgotten here', () => {
    cache.put('h1', principal('k1'), cache.currentGeneration());
    expect(cache.get('h1')?.keyId).toBe('k1');
    cache.forget('k1');
    expect(cache.get('h1')).toBeUndefined();
  });

  it('does not cache a lookup that raced a revocation', () => {
    const before = cache.currentGeneration();
    cache.forget('someone-else');
    cache.put('h2', principal('k2'), before);
    expect(cache.get('h2')).toBeUndefined();
  });

  it('drops a key when another instance revokes it (NOTIFY)', async () => {
    cache.put('h3', principal('k3'), cache.currentGeneration());
    await database.pool.query(`select pg_notify('${REVOCATION_CHANNEL}', 'k3')`);
    await waitFor(() => cache.get('h3') === undefined, 5_000);
  });

  it('serves nothing from the cache while its listener is gone, and caches again once it is back', async () => {
    cache.put('h4', principal('k4'), cache.currentGeneration());
    expect(cache.get('h4')).toBeDefined();
    await database.pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'`);
    await waitFor(() => cache.get('h4') === undefined, 5_000);
    await waitFor(() => {
      cache.put('h5', principal('k5'), cache.currentGeneration());
      return cache.get('h5') !== undefined;
    }, 10_000);
    expect(cache.get('h4')).toBeUndefined();
  });
});
