import { parseArgs } from 'node:util';
import { apiKey, apiUrl, bar, count, duration } from './support/cli';

/**
 * npm run projections -- status | rebuild <name> [--url URL] [--key KEY]
 * Talks to a running Tessera (any role): a rebuild runs inside the server, into fresh tables,
 * while queries keep answering from the old ones; this command starts it and draws its progress
 * until the switch.
 */
const USAGE = 'usage: npm run projections -- status | rebuild <name> [--url http://localhost:3000] [--key KEY]';

type Status = {
  name: string;
  state: string;
  position: string | null;
  eventsApplied: number;
  lag: { events: number; capped: boolean; seconds: number };
  parked: { count: number };
  rebuild: { state: string; applied?: number; total?: number | null; startedAt?: string; error?: string };
};

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { url: { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const url = apiUrl(values.url);
  const key = apiKey(values.key, usageError);
  const [command, name] = positionals;
  if (command === 'status') {
    const { items } = (await api(url, key, 'GET', '/v1/projections')) as { items: Status[] };
    for (const p of items) {
      process.stdout.write(`${p.name}: ${p.state}, ${count(p.eventsApplied)} events applied, lag ${p.lag.capped ? '≥' : ''}${count(p.lag.events)} events / ${p.lag.seconds.toFixed(1)} s, ${p.parked.count} parked, rebuild ${p.rebuild.state}\n`);
    }
    return;
  }
  if (command !== 'rebuild' || !name) usageError('give a command: status, or rebuild <name>');
  await api(url, key, 'POST', `/v1/projections/${encodeURIComponent(name)}/rebuild`);
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let nextStep = 10;
  for (;;) {
    const status = (await api(url, key, 'GET', `/v1/projections/${encodeURIComponent(name)}`)) as Status;
    const { applied = 0, total = null, state } = status.rebuild;
    const seconds = (performance.now() - started) / 1000;
    const percent = total ? (100 * applied) / total : 0;
    const line = `${bar(percent)} ${count(applied)}/${total === null ? '?' : count(total)} events, ${count(applied / Math.max(seconds, 0.001))} events/s, ETA ${duration(total && applied ? (seconds * (total - applied)) / applied : NaN)}`;
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else if (percent >= nextStep || state !== 'running') {
      nextStep = (Math.floor(percent / 10) + 1) * 10;
      process.stderr.write(`rebuild ${name}: ${line}\n`);
    }
    if (state === 'done') {
      if (tty) process.stderr.write('\n');
      process.stdout.write(`rebuilt ${name}: ${count(applied)} events in ${seconds.toFixed(1)} s; the new tables are live\n`);
      return;
    }
    if (state === 'failed' || state === 'idle') {
      if (tty) process.stderr.write('\n');
      throw new Error(`the rebuild ${state === 'idle' ? 'is not known to this instance' : `failed: ${status.rebuild.error}`}`);
    }
    await new Promise((done) => setTimeout(done, 500));
  }
}

async function api(url: string, key: string, method: string, path: string): Promise<unknown> {
  const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

function usageError(message: string): never {
  process.stderr.write(`projections: ${message}\n${USAGE}\n`);
  process.exit(2);
}

main().catch((error: unknown) => {
  process.stderr.write(`projections: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
