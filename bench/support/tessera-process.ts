import { ChildProcess, spawn } from 'node:child_process';
export type TesseraProcess = {
  child: ChildProcess;
  output(): string;
  /** Signals the process, or with `group` its whole process group (needs `detached`), as a terminal's Ctrl-C does; resolves with the exit code. */
  stop(signal?: NodeJS.Signals, to?: 'process' | 'group'): Promise<number | null>;
};

/**
 * Starts the built app (`main`: dist/apps/tessera/src/main.js) as a separate process, as
 * `npm start` runs it, and resolves once it prints its banner; rejects with its output if it exits first. */
export function startTessera(main: string, env: NodeJS.ProcessEnv, options: { timeoutMs?: number; nodeArgs?: string[]; detached?: boolean } = {}): Promise<TesseraProcess> {
  // a deadline about correctness (it never started), not speed: a first start runs initdb, on a busy machine too
  const timeoutMs = options.timeoutMs ?? 180_000;
  // detached: the child leads a process group of its own, as `npm start` in a terminal does, so a
  // test can signal the whole group the way Ctrl-C does (process.kill(-pid, 'SIGINT')).
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const handle: TesseraProcess = {
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM', to = 'process') => {
      if (child.exitCode === null && child.signalCode === null) {
        if (to === 'group') process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`tessera did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Tessera is running')) {
        clearTimeout(timer);
        ready(handle);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`tessera exited with ${code} before it started:\n${output}`));
    });
  });
}
