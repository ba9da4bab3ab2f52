import { parseArgs } from 'node:util';
import { SeedProgress, SeedRequestError, SeedSummary, demoCustomerId, freshNamespace, isNamespace, namespacedId, seed } from '@tessera/demo-data';
import { apiKey, apiUrl, bar, count, duration } from './support/cli';

/**
 * npm run seed -- --customers N [--url URL] [--key KEY] [--seed 42] [--namespace NS] [--concurrency 4] [--batch 500]
 * Fills a running Tessera with generated Chinese retail customers over POST /v1/events/batch.
 * Each run writes into a fresh namespace (customer ids `<ns>-c-000042`, eventIds derived from it),
 * so it never collides with customers already there (the --demo set, an earlier seed); the same
 * --namespace, --seed and --now re-send a run as duplicates. Progress goes to stderr, the summary
 * line to stdout.
 */
const USAGE = 'usage: npm run seed -- --customers N [--url http://localhost:3000] [--key KEY] [--seed 42] [--namespace NS (default: a fresh one)] [--concurrency 4] [--batch 500] [--events-per-customer 20] [--now 2026-03-15T12:00:00+08:00]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      seed: { type: 'string', default: '42' },
      namespace: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      batch: { type: 'string', default: '500' },
      'events-per-customer': { type: 'string', default: '20' },
      now: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.customers === undefined) usageError('--customers is required');
  const now = values.now === undefined ? undefined : new Date(values.now);
  if (now && Number.isNaN(now.getTime())) usageError('--now must be an ISO-8601 date-time');
  const customers = integer('--customers', values.customers, 1);
  const namespace = values.namespace ?? freshNamespace();
  if (!isNamespace(namespace)) usageError('--namespace must be 1-40 of A-Z a-z 0-9 . _ : @ -');
  const url = apiUrl(values.url);
  const progress = progressReporter(customers);
  const summary = await seed({
    url,
    key: apiKey(values.key, usageError),
    customers,
    namespace,
    seed: integer('--seed', values.seed, 0),
    concurrency: integer('--concurrency', values.concurrency, 1, 64),
    batchSize: integer('--batch', values.batch, 1, 1000),
    eventsPerCustomer: integer('--events-per-customer', values['events-per-customer'], 1),
    now,
    onProgress: progress.update,
  }).finally(progress.finish);
  process.stdout.write(`${summaryLine(summary, url)}\n`);
  process.stdout.write(`customers ${namespacedId(namespace, demoCustomerId(1))} … ${namespacedId(namespace, demoCustomerId(customers))}; to re-send this run: --namespace ${namespace} --seed ${values.seed} --now ${summary.now.toISOString()}\n`);
}

function integer(name: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) usageError(`${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
  return value;
}

function usageError(message: string): never {
  process.stderr.write(`seed: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** On a terminal one bar line redrawn in place; otherwise a line every 5%. */
function progressReporter(total: number): { update(progress: SeedProgress): void; finish(): void } {
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  let nextStep = 5;
  let drawn = false;
  return {
    update(progress) {
      const percent = (100 * progress.customersDone) / total;
      if (tty) {
        if (performance.now() - lastDraw < 100 && progress.customersDone < total) return;
        lastDraw = performance.now();
        drawn = true;
        process.stderr.write(`\r\x1b[K${bar(percent)} ${describe(progress)}`);
      } else if (percent >= nextStep) {
        nextStep = (Math.floor(percent / 5) + 1) * 5;
        process.stderr.write(`seed: ${Math.floor(percent)}% ${describe(progress)}\n`);
      }
    },
    finish() {
      if (tty && drawn) process.stderr.write('\n');
    },
  };
}

function describe({ customersDone, customers, events, seconds }: SeedProgress): string {
  const rate = seconds > 0 ? events / seconds : 0;
  const eta = customersDone > 0 ? (seconds * (customers - customersDone)) / customersDone : NaN;
  return `${count(customersDone)}/${count(customers)} customers, ${count(events)} events, ${count(rate)} events/s, ETA ${duration(eta)}`;
}

function summaryLine({ customers, events, duplicates, seconds, eventsPerSecond }: SeedSummary, url: string): string {
  return `seeded ${url}: ${count(customers)} customers, ${count(events)} events (${count(duplicates)} duplicates reported by the API) in ${seconds.toFixed(1)} s = ${count(eventsPerSecond)} events/s`;
}

main().catch((error: unknown) => {
  if (error instanceof SeedRequestError) {
    process.stderr.write(`seed failed: the API answered ${error.status}\n${pretty(error.body)}\n`);
    if (error.status === 409) {
      process.stderr.write('seed: eventIds follow from --namespace and --seed, and histories end at --now (default: the start of the current hour); this namespace was seeded before with another --now. Re-run with that --now, or without --namespace (a fresh one).\n');
    }
  } else {
    process.stderr.write(`seed failed: ${describeError(error)}\n`);
  }
  process.exit(1);
});

/** Node reports a refused localhost connection as an AggregateError with an empty message. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describeError).join('; ');
  return error instanceof Error ? error.message || String((error as { code?: string }).code ?? error.name) : String(error);
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2).slice(0, 8000);
  } catch {
    return body.slice(0, 8000);
  }
}
