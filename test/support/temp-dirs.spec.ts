import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeTempDir, removeTempDirsOfDeadRuns } from './temp-dirs';

/** A pid that no process has any more: a child that already exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;

describe('temp folders of test runs', () => {
  const made: string[] = [];
  const make = async (owner: string | null, ageMs = 0) => {
    const dir = await makeTempDir('tessera-e2e-work-');
    made.push(dir);
    if (owner === null) await removeTempDir(join(dir, '.tessera-test-run'));
    else await writeFile(join(dir, '.tessera-test-run'), `${owner}\n`);
    const at = new Date(Date.now() - ageMs);
    await utimes(dir, at, at);
    return dir;
  };
  afterAll(async () => Promise.all(made.map(removeTempDir)));

  it('removes the folders of dead runs and keeps those of live runs and fresh unlabelled ones', async () => {
    const dead = await make(deadPid());
    const live = await make(String(process.pid));
    const unlabelledFresh = await make(null);
    const unlabelledOld = await make(null, 2 * 60 * 60_000);
    const removed: string[] = [];
    await removeTempDirsOfDeadRuns((line) => removed.push(line));
    expect([dead, live, unlabelledFresh, unlabelledOld].map(existsSync)).toEqual([false, true, true, false]);
    expect(removed.filter((line) => line.includes(dead) || line.includes(unlabelledOld))).toHaveLength(2);
  });
});
