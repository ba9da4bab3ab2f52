import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Folders the tests make under the system temp folder. Each is labelled with the pid of the run
 * that made it, so a run removes what runs that died left behind (an embedded PostgreSQL's data
 * is 60–110 MB), never the folders of a run going on beside it.
 */
export const TEMP_PREFIXES = ['tessera-test-pg-', 'tessera-e2e-data-', 'tessera-e2e-work-'] as const;
export type TempPrefix = (typeof TEMP_PREFIXES)[number];

const OWNER_FILE = '.tessera-test-run';
/** Folders from before the label existed are removed once nothing has touched them for this long. */
const UNLABELLED_GRACE_MS = 60 * 60_000;

export function runPid(): number {
  return Number(process.env.TESSERA_TEST_RUN_PID ?? process.pid);
}

export async function makeTempDir(prefix: TempPrefix): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(dir, OWNER_FILE), `${runPid()}\n`);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Removes the temp folders of dead runs, first stopping an embedded PostgreSQL one left running. */
export async function removeTempDirsOfDeadRuns(log: (line: string) => void, now = Date.now()): Promise<void> {
  const root = tmpdir();
  for (const name of await readdir(root)) {
    if (!TEMP_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    const dir = join(root, name);
    const owner = ownerPid(dir);
    if (owner !== undefined && isAlive(owner)) continue;
    const server = postgresPid(dir);
    if (owner === undefined && (server !== undefined || now - (await stat(dir)).mtimeMs < UNLABELLED_GRACE_MS)) continue;
    if (server !== undefined) await stopProcess(server);
    log(`removing ${dir}, left behind by a run that ended`);
    await removeTempDir(dir);
  }
}

/** Stops the embedded PostgreSQL serving `<dir>/pg`, if one runs (after a test killed its app hard). */
export async function stopEmbeddedServerOf(dir: string): Promise<void> {
  const server = postgresPid(dir);
  if (server !== undefined) await stopProcess(server);
}

function ownerPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The live postgres serving `<dir>/pg`, if any (postmaster.pid's first line). */
function postgresPid(dir: string): number | undefined {
  const pidFile = join(dir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres' ? pid : undefined;
  } catch {
    return pid;
  }
}

async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 60_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
