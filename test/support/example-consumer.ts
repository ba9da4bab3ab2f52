import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CORRECTNESS_DEADLINE_MS } from './eventually';

const EXAMPLE = resolve(__dirname, '../../examples/marketing-consumer/index.js');
const WAIT_MS = CORRECTNESS_DEADLINE_MS;

export type Line = Record<string, unknown>;

/** The example run as its own process; its stdout JSON lines are collected as they come. */
export class ConsumerProcess {
  readonly lines: Line[] = [];
  private stderr = '';
  private readonly child: ChildProcess;
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private wake = () => undefined as void;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [EXAMPLE], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exit = new Promise((done) => this.child.once('exit', (code, signal) => done({ code, signal })));
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      try {
        this.lines.push(JSON.parse(text) as Line);
      } catch {
        this.lines.push({ unparsed: text });
      }
      this.wake();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4_000)));
    void this.exit.then(() => this.wake());
  }

  /** Resolves with the first line (already printed or to come) that matches; rejects on timeout or exit. */
  async waitFor(what: string, matches: (line: Line) => boolean): Promise<Line> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.lines.find(matches);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > deadline) {
        throw new Error(`no line for ${what}; stdout: ${JSON.stringify(this.lines)}; stderr tail: ${this.stderr}`);
      }
      await new Promise<void>((done) => {
        const timer = setTimeout(done, Math.max(0, deadline - Date.now()) + 10);
        this.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
  }

  ready(): Promise<Line> {
    return this.waitFor('{"ready":true}', (line) => line.ready === true);
  }

  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exit;
  }
}
