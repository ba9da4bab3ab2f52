import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@tessera/platform';
import { TesseraProcess, startTessera } from '../../bench/support/tessera-process';
import { call } from '../support/test-app';
import { makeTempDir, removeTempDir, stopEmbeddedServerOf } from '../support/temp-dirs';

/** The built entry point (npm test builds first, in pretest). */
const MAIN = resolve(__dirname, '../../dist/apps/tessera/src/main.js');
const SUPPLIED_KEY = 'supplied-admin-key-0123456789abcdef';

/**
 * The README's run command with nothing configured: embedded PostgreSQL in TESSERA_DATA_DIR,
 * loopback only, data kept across restarts, a hard kill recovered from, SIGTERM and a terminal's
 * Ctrl-C (SIGINT to the whole process group) clean stops (DESIGN §8, §11). The admin key is
 * printed only by the start that generated it.
 */
describe('npm start on the embedded default', () => {
  let dataDir: string;
  let port: number;
  let server: TesseraProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm test builds it first (pretest)`);
    dataDir = await makeTempDir('tessera-e2e-data-');
    port = await freePort();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    if (dataDir) {
      await stopEmbeddedServerOf(dataDir);
      await removeTempDir(dataDir);
    }
  });

  const start = async (extra: NodeJS.ProcessEnv = {}, detached = false): Promise<TesseraProcess> => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TESSERA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
    for (const name of ['DATABASE_URL', 'TESSERA_ADMIN_KEY', 'KAFKA_BROKERS', 'HOST']) if (!(name in extra)) delete env[name];
    server = await startTessera(MAIN, env, { detached });
    return server;
  };
  const jsonLines = (output: string) => output.split('\n').filter((line) => line.startsWith('{'));
  const url = () => `http://127.0.0.1:${port}`;

  it('starts with nothing configured, prints the URL and the generated admin key once, keeps data across a kill -9, and stops cleanly on SIGTERM', async () => {
    const first = await start();
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    expect(first.output()).toContain(`http://localhost:${port}`);
    expect(first.output()).toContain(adminKey);
    expect(jsonLines(first.output()).filter((line) => line.includes(adminKey))).toEqual([]);
    const health = await call(url(), 'GET', '/health', { key: null });
    expect(health.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, kafka: { status: 'disabled' } } });
    const stored = await call(url(), 'POST', '/v1/events', {
      key: adminKey,
      body: { type: 'CustomerRegistered', customerId: 'c-embedded', occurredAt: '2026-11-20T10:00:00+08:00', channel: 'store', data: { name: '王芳' } },
    });
    expect(stored.status).toBe(202);

    await first.stop('SIGKILL');
    const leftover = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(() => process.kill(leftover, 0)).not.toThrow();

    const second = await start();
    expect(second.output()).not.toContain(adminKey);
    expect(second.output()).toContain(`${dataDir}/admin-key`);
    const timeline = await call(url(), 'GET', '/v1/customers/c-embedded/timeline', { key: adminKey });
    expect(timeline.body.items).toEqual([expect.objectContaining({ eventId: stored.body.eventId, data: { name: '王芳' } })]);

    expect(await second.stop('SIGTERM')).toBe(0);
    expect(second.output()).not.toContain('terminating connection');
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    server = undefined;
  });

  it('listens on loopback only unless HOST says otherwise', async () => {
    const external = Object.values(networkInterfaces()).flat().find((address) => address?.family === 'IPv4' && !address.internal)?.address;
    const running = await start();
    try {
      expect((await call(url(), 'GET', '/health/live', { key: null })).status).toBe(200);
      if (external === undefined) return console.warn('no non-loopback IPv4 interface: only the loopback half of this test ran');
      await expect(fetch(`http://${external}:${port}/health/live`)).rejects.toThrow();
    } finally {
      expect(await running.stop('SIGTERM')).toBe(0);
      server = undefined;
    }
  });

  it('stops cleanly on Ctrl-C (SIGINT to the whole process group): the app closes its pools before the database stops, and a supplied admin key is never printed', async () => {
    const running = await start({ TESSERA_ADMIN_KEY: SUPPLIED_KEY, TESSERA_PG_LOG: '1', LOG_LEVEL: 'info' }, true);
    expect(running.output()).not.toContain(SUPPLIED_KEY);
    expect(running.output()).toContain('TESSERA_ADMIN_KEY');
    expect((await call(url(), 'GET', '/v1/projections', { key: SUPPLIED_KEY })).status).toBe(200);

    const exit = running.stop('SIGINT', 'group');
    expect(await exit).toBe(0);
    server = undefined;
    expect(running.output()).not.toContain('terminating connection');
    expect(running.output()).toContain('"stopped"');
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});
