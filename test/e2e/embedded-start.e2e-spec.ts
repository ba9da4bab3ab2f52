import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@tessera/platform';
import { TesseraProcess, startTessera } from '../../bench/support/tessera-process';
import { call } from '../support/test-app';

/** The built entry point (npm test builds first, in pretest). */
const MAIN = resolve(__dirname, '../../dist/apps/tessera/src/main.js');

/**
 * The README's run command with nothing configured: embedded PostgreSQL in TESSERA_DATA_DIR,
 * data kept across restarts, a hard kill recovered from, SIGTERM a clean stop (DESIGN §8, §11).
 */
describe('npm start on the embedded default', () => {
  let dataDir: string;
  let port: number;
  let server: TesseraProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm test builds it first (pretest)`);
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-data-'));
    port = await freePort();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<TesseraProcess> => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TESSERA_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.TESSERA_ADMIN_KEY;
    delete env.KAFKA_BROKERS;
    server = await startTessera(MAIN, env);
    return server;
  };

  it('starts with nothing configured, prints the URL and admin key, keeps data across a kill -9, and stops cleanly on SIGTERM', async () => {
    const first = await start();
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    expect(first.output()).toContain(`http://localhost:${port}`);
    expect(first.output()).toContain(adminKey);
    const url = `http://127.0.0.1:${port}`;
    const health = await call(url, 'GET', '/health', { key: null });
    expect(health.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, kafka: { status: 'disabled' } } });
    const stored = await call(url, 'POST', '/v1/events', {
      key: adminKey,
      body: { type: 'CustomerRegistered', customerId: 'c-embedded', occurredAt: '2026-11-20T10:00:00+08:00', channel: 'store', data: { name: '王芳' } },
    });
    expect(stored.status).toBe(202);

    await first.stop('SIGKILL');
    const leftover = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(() => process.kill(leftover, 0)).not.toThrow();

    const second = await start();
    const timeline = await call(url, 'GET', '/v1/customers/c-embedded/timeline', { key: adminKey });
    expect(timeline.body.items).toEqual([expect.objectContaining({ eventId: stored.body.eventId, data: { name: '王芳' } })]);

    expect(await second.stop('SIGTERM')).toBe(0);
    expect(second.output()).not.toContain('terminating connection due to administrator command');
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    server = undefined;
  });
});
