import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { HOUR } from './clock';
import { generateHistories } from './generate-history';
import { EventBody } from './history';
import { inNamespace } from './namespace';

export type SeedProgress = {
  customersDone: number;
  customers: number;
  events: number;
  duplicates: number;
  seconds: number;
};

export type SeedSummary = { customers: number; events: number; duplicates: number; seconds: number; eventsPerSecond: number; now: Date };

export type SeedOptions = {
  /** Base URL of a running Tessera, e.g. http://localhost:3000. */
  url: string;
  /** An API key with events:write (an admin key will do). */
  key: string;
  customers: number;
  /**
   * Prefix of this run's customer ids and salt of its eventIds (see `inNamespace`), so a run never
   * collides with customers already stored: a fresh one per run (`freshNamespace`), or the same one
   * to re-send a run as duplicates. `null` keeps the plain generated ids (`c-000042`), which the
   * `--demo` start owns.
   */
  namespace: string | null;
  seed?: number;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Events per request, at most 1000; default 500. */
  batchSize?: number;
  /** The instant histories end at; default the start of the current hour, so a re-run within the hour is answered as duplicates. */
  now?: Date;
  eventsPerCustomer?: number;
  years?: number;
  /** Called after every completed request. */
  onProgress?: (progress: SeedProgress) => void;
};

/** A non-202 answer: the status and the problem body as the API sent it. */
export class SeedRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`POST /v1/events/batch answered ${status}: ${body.slice(0, 2000)}`);
  }
}

const MAX_BATCH = 1000;

/**
 * Streams generated customers to `POST /v1/events/batch` with `concurrency` requests in flight.
 * A request carries whole customers, so each customer's facts arrive in their delivery order; a
 * customer larger than one batch is sent as consecutive requests by one worker. Throws
 * `SeedRequestError` on the first non-202 answer (after the requests in flight have finished).
 */
export async function seed(options: SeedOptions): Promise<SeedSummary> {
  const batchSize = Math.min(MAX_BATCH, Math.max(1, options.batchSize ?? 500));
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const now = options.now ?? new Date(Math.floor(Date.now() / HOUR) * HOUR);
  const generated = generateHistories({ seed: options.seed ?? 42, customers: options.customers, now, eventsPerCustomer: options.eventsPerCustomer, years: options.years });
  const units = requestUnits(options.namespace === null ? generated : namespaced(generated, options.namespace), batchSize);
  const client = batchClient(options.url, options.key);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let customersDone = 0;
  let events = 0;
  let duplicates = 0;
  let failed = false;

  const worker = async () => {
    for (let next = units.next(); !next.done && !failed; next = units.next()) {
      for (const batch of next.value.batches) {
        const answer = await client.send(batch);
        events += answer.stored;
        duplicates += answer.duplicates;
      }
      customersDone += next.value.customers;
      options.onProgress?.({ customersDone, customers: options.customers, events, duplicates, seconds: seconds() });
    }
  };
  try {
    const outcomes = await Promise.allSettled(Array.from({ length: concurrency }, () => worker().catch((error: unknown) => {
      failed = true;
      throw error;
    })));
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  } finally {
    client.close();
  }
  const elapsed = seconds();
  return { customers: customersDone, events, duplicates, seconds: elapsed, eventsPerSecond: elapsed > 0 ? events / elapsed : 0, now };
}

function* namespaced(histories: Iterable<EventBody[]>, namespace: string): Generator<EventBody[], void, undefined> {
  for (const history of histories) yield inNamespace(history, namespace);
}

type Unit = { batches: EventBody[][]; customers: number };

/** Packs whole customers into requests of at most `batchSize` events. */
export function* requestUnits(histories: Iterable<EventBody[]>, batchSize: number): Generator<Unit, void, undefined> {
  let events: EventBody[] = [];
  let customers = 0;
  for (const history of histories) {
    if (customers > 0 && events.length + history.length > batchSize) {
      yield { batches: [events], customers };
      events = [];
      customers = 0;
    }
    if (history.length > batchSize) {
      const batches: EventBody[][] = [];
      for (let i = 0; i < history.length; i += batchSize) batches.push(history.slice(i, i + batchSize));
      yield { batches, customers: 1 };
      continue;
    }
    events.push(...history);
    customers++;
  }
  if (customers > 0) yield { batches: [events], customers };
}

type BatchAnswer = { stored: number; duplicates: number };

/** node:http(s) with kept-alive sockets. */
function batchClient(baseUrl: string, key: string): { send(batch: EventBody[]): Promise<BatchAnswer>; close(): void } {
  const target = new URL('/v1/events/batch', baseUrl);
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const request = secure ? httpsRequest : httpRequest;
  const send = (batch: EventBody[]) =>
    new Promise<BatchAnswer>((resolve, reject) => {
      const body = JSON.stringify({ events: batch });
      const outgoing = request(target, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` },
      });
      outgoing.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode !== 202) return reject(new SeedRequestError(response.statusCode ?? 0, text));
          const results = (JSON.parse(text) as { results?: { duplicate?: boolean }[] }).results ?? [];
          if (results.length !== batch.length) return reject(new SeedRequestError(202, `expected ${batch.length} results, got ${results.length}: ${text.slice(0, 300)}`));
          resolve({ stored: results.length, duplicates: results.filter((r) => r.duplicate === true).length });
        });
        response.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return { send, close: () => agent.destroy() };
}
