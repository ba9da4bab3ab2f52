import {
  ANY,
  AccessDeniedError,
  BACKWARDS,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  jsonEvent,
} from '@eventstore/db-client';
import type { AppendExpectedRevision, EventData, Position, ReadStreamOptions as EsdbReadOptions, StreamingRead } from '@eventstore/db-client';
import {
  AppendedEvent,
  EventStore,
  EventStoreHealth,
  EventStoreUnavailableError,
  ExpectedRevision,
  IdempotencyConflictError,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { flattenAppends } from '../flatten-appends';
import { LedgerCompletion, LedgerRow, PostgresEventIdLedger } from '../ledger/event-id-ledger';
import { comparePositions, decodePosition, encodePosition, isLogPosition } from './eventstoredb-positions';

export type EventStoreDbEventStoreOptions = {
  /** Appends in flight at once on this client (DESIGN §10). */
  maxConcurrentAppends: number;
  /** How often an idle subscription looks for new events (an append through this store wakes it at once). */
  pollIntervalMs: number;
  /** A pending ledger row younger than this belongs to an append in flight: wait for it. Older: recover it. */
  pendingTimeoutMs: number;
  /** How many events, newest first, a recovery reads when looking for a pending eventId in its stream. */
  recoveryScanLimit: number;
  healthTimeoutMs: number;
};

const DEFAULTS: EventStoreDbEventStoreOptions = {
  maxConcurrentAppends: 16,
  pollIntervalMs: 200,
  pendingTimeoutMs: 15_000,
  recoveryScanLimit: 1_000,
  healthTimeoutMs: 3_000,
};
const LEDGER_POLL_MS = 25;
const ERROR_BACKOFF_MS = 1_000;
const MAX_PAGE = 1_000;

type Item = { index: number; key: string; streamId: string; expected: ExpectedRevision; event: NewEvent };
type Stored = { streamRevision: bigint; position: string };
type StreamGroup = { streamId: string; expected: ExpectedRevision; items: Item[] };
type StaleItem = { item: Item; ledgerStreamId: string };
type Classified = { completed: Map<string, Stored>; waiting: Item[]; missing: Item[]; stale: StaleItem[] };
type Settled = { known: Map<string, Stored>; owned: Item[] };
type Written = { mine: Map<string, Stored>; theirs: Map<string, Stored> };
/** The fields this adapter reads from a client RecordedEvent (JSON or binary). */
type EsdbEvent = { id: string; streamId: string; revision: bigint; type: string; created: Date; data: unknown; metadata: unknown; position?: Position };
type Envelope = { occurredAt: string; channel: string; metadata: Record<string, unknown>; $correlationId?: string; $causationId?: string };
type Scan = { events: RecordedEvent[]; scanned: Position | undefined };

/**
 * EventStoreDB as the log of record. EventStoreDB dedupes event ids only per stream and durably
 * only with an exact expected revision, so duplicates and conflicts are answered by the PostgreSQL
 * eventId ledger (DESIGN §11): ids are reserved as pending, appended with one call per stream,
 * located exactly by reading the appended range back, and completed in the ledger.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly name = 'eventstoredb';
  private readonly options: EventStoreDbEventStoreOptions;
  private readonly appendSlots: Semaphore;
  private readonly wakeups = new Set<Wakeup>();
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly ledger: PostgresEventIdLedger,
    options: Partial<EventStoreDbEventStoreOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.appendSlots = new Semaphore(this.options.maxConcurrentAppends);
  }

  async append(appends: StreamAppend[]): Promise<AppendedEvent[]> {
    const items = flattenAppends(appends).map((flat, index) => ({ ...flat, index, key: flat.event.eventId.toLowerCase() }));
    if (items.length === 0) return [];
    const { known, owned } = await this.settle(items);
    const { mine, theirs } = await this.write(owned);
    if (mine.size > 0) this.wakeups.forEach((wakeup) => wakeup.wake());
    const firstIndex = new Map(items.map((item) => [item.key, item.index] as const).reverse());
    return items.map((item) => {
      const fresh = firstIndex.get(item.key) === item.index ? mine.get(item.key) : undefined;
      const stored = fresh ?? mine.get(item.key) ?? known.get(item.key) ?? theirs.get(item.key);
      if (!stored) throw new Error(`eventId ${item.event.eventId} was neither stored nor found in the ledger`);
      return { eventId: item.event.eventId, streamId: item.streamId, ...stored, duplicate: fresh === undefined };
    });
  }

  /**
   * Sorts each distinct eventId into known (completed in the ledger, or found in EventStoreDB) or
   * owned (reserved or claimed by this call, to be appended). While another call holds a young
   * reservation of one of them, this call gives its own back and tries again, so no two calls
   * ever wait on each other. Conflicts are thrown before anything is written.
   */
  private async settle(items: Item[]): Promise<Settled> {
    const known = new Map<string, Stored>();
    const giveUpAt = Date.now() + 2 * this.options.pendingTimeoutMs;
    for (;;) {
      const open = distinct(items).filter((item) => !known.has(item.key));
      if (open.length === 0) return { known, owned: [] };
      const rows = await this.ledger.find(open.map((item) => item.event.eventId));
      const conflicts = conflictsOf(items, rows);
      if (conflicts.length > 0) throw new IdempotencyConflictError(conflicts);
      const { completed, waiting, missing, stale } = classify(open, rows, this.options.pendingTimeoutMs);
      completed.forEach((stored, key) => known.set(key, stored));
      const owned: Item[] = [];
      try {
        const reserved = await this.ledger.reserve(missing.map(({ event, streamId }) => ({ eventId: event.eventId, contentHash: event.contentHash, streamId })));
        for (const item of missing) (reserved.has(item.key) ? owned : waiting).push(item);
        await this.recover(stale, known, owned, waiting);
      } catch (error) {
        await this.ledger.release(owned.map((item) => item.event.eventId)).catch(() => undefined);
        throw error;
      }
      if (waiting.length === 0) return { known, owned };
      await this.ledger.release(owned.map((item) => item.event.eventId));
      await this.pauseBeforeRetry(giveUpAt, waiting);
    }
  }

  /** Stale reservations: an append that crashed, or never got to EventStoreDB. */
  private async recover(stale: StaleItem[], known: Map<string, Stored>, owned: Item[], waiting: Item[]): Promise<void> {
    if (stale.length === 0) return;
    const found = new Map<string, Stored>();
    for (const group of groupByStream(stale.map(({ item, ledgerStreamId }) => ({ ...item, streamId: ledgerStreamId })))) {
      const inStream = await this.findInStream(group.streamId, group.items.map((item) => item.key));
      inStream.forEach((stored, key) => found.set(key, stored));
    }
    const completed = await this.ledger.complete(completionsOf(stale.map(({ item }) => item), found));
    const claimed = await this.ledger.claimStale(
      stale.filter(({ item }) => !found.has(item.key)).map(({ item }) => item.event.eventId),
      this.options.pendingTimeoutMs,
    );
    for (const { item } of stale) {
      const stored = found.get(item.key);
      if (stored && completed.has(item.key)) known.set(item.key, stored);
      else if (claimed.has(item.key)) owned.push(item);
      else waiting.push(item);
    }
  }

  private async pauseBeforeRetry(giveUpAt: number, open: Item[]): Promise<void> {
    if (Date.now() > giveUpAt) {
      throw new EventStoreUnavailableError(`eventIds still being appended by another call: ${open.map((item) => item.event.eventId).join(', ')}`);
    }
    await delay(LEDGER_POLL_MS + Math.floor(Math.random() * LEDGER_POLL_MS));
  }

  /**
   * One append per stream (concurrently, capped), then one ledger completion for all of them.
   * Reservations of a rejected append are released; those of an append that ended in doubt are
   * left for the next call to recover from what EventStoreDB actually holds.
   */
  private async write(owned: Item[]): Promise<Written> {
    const groups = groupByStream([...owned].sort((a, b) => a.index - b.index));
    const outcomes = await Promise.allSettled(groups.map((group) => this.appendStream(group)));
    const located = new Map<string, Stored>();
    const rejected: string[] = [];
    const inDoubt: string[] = [];
    const errors: unknown[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        outcome.value.forEach((stored, key) => located.set(key, stored));
        return;
      }
      (isRejection(outcome.reason) ? rejected : inDoubt).push(...groups[i].items.map((item) => item.event.eventId));
      errors.push(outcome.reason);
    });
    const succeeded = owned.filter((item) => located.has(item.key));
    const completed = await this.ledger.complete(completionsOf(succeeded, located));
    await this.ledger.release(rejected);
    await this.ledger.abandon(inDoubt);
    if (errors.length > 0) throw errors[0];
    const mine = new Map([...located].filter(([key]) => completed.has(key)));
    return { mine, theirs: await this.completedElsewhere(succeeded.filter((item) => !completed.has(item.key)), located) };
  }

  /** Rows another call completed first (after taking over our reservation): answer with the first append. */
  private async completedElsewhere(items: Item[], located: Map<string, Stored>): Promise<Map<string, Stored>> {
    if (items.length === 0) return new Map();
    const rows = await this.ledger.find(items.map((item) => item.event.eventId));
    const answers = new Map<string, Stored>();
    for (const item of items) {
      const row = rows.get(item.key);
      const stored = row && !row.pending ? storedOf(row) : located.get(item.key);
      if (stored) answers.set(item.key, stored);
    }
    return answers;
  }

  private async appendStream({ streamId, expected, items }: StreamGroup): Promise<Map<string, Stored>> {
    const events = items.map((item) => toEsdbEvent(item.event));
    let lastRevision: bigint;
    try {
      const result = await this.appendSlots.run(() => this.client.appendToStream(streamId, events, { expectedRevision: toEsdbExpected(expected) }));
      if (!result.success) throw new WrongExpectedRevisionError(streamId, expected, result.nextExpectedRevision < 0n ? 'no_stream' : result.nextExpectedRevision);
      lastRevision = result.nextExpectedRevision;
    } catch (error) {
      throw toPortError(error, streamId, expected);
    }
    return this.locate(streamId, items, lastRevision);
  }

  /** The append result only has the last event's position: read the appended range back. */
  private async locate(streamId: string, items: Item[], lastRevision: bigint): Promise<Map<string, Stored>> {
    const first = lastRevision - BigInt(items.length - 1);
    if (first >= 0n) {
      const read = await this.readEsdbStream(streamId, { direction: FORWARDS, fromRevision: first, maxCount: items.length, requiresLeader: true });
      if (read.length === items.length && read.every((event, i) => event.id.toLowerCase() === items[i].key)) {
        return new Map(read.map((event, i) => [items[i].key, storedFromEvent(event)]));
      }
    }
    const found = await this.findInStream(streamId, items.map((item) => item.key));
    const lost = items.filter((item) => !found.has(item.key));
    if (lost.length > 0) throw new Error(`EventStoreDB accepted the append to ${streamId} but does not show ${lost.map((item) => item.event.eventId).join(', ')}`);
    return found;
  }

  /** The newest `recoveryScanLimit` events of a stream, searched for these (lower-case) eventIds. */
  private async findInStream(streamId: string, keys: string[]): Promise<Map<string, Stored>> {
    const wanted = new Set(keys);
    const read = await this.readEsdbStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: this.options.recoveryScanLimit, requiresLeader: true });
    return new Map(read.filter((event) => wanted.has(event.id.toLowerCase())).map((event) => [event.id.toLowerCase(), storedFromEvent(event)]));
  }

  async readStream(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    if (options.maxCount <= 0) return [];
    const forwards = options.direction === 'forwards';
    const events = await this.readEsdbStream(streamId, {
      direction: forwards ? FORWARDS : BACKWARDS,
      fromRevision: options.fromRevision ?? (forwards ? START : END),
      maxCount: options.maxCount,
    });
    return events.map((event) => toRecorded(event, requirePosition(event)));
  }

  /** A stream that does not exist reads as empty. */
  private async readEsdbStream(streamId: string, options: EsdbReadOptions): Promise<EsdbEvent[]> {
    try {
      return await readEvents(this.client.readStream(streamId, options));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toPortError(error);
    }
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const after = options.after === undefined ? undefined : decodePosition(options.after);
    return (await this.scan(after, options.maxCount)).events;
  }

  /**
   * Up to `maxCount` events after `after` (exclusive), skipping system events; `scanned` is how far
   * the log was read, so a subscription does not re-read a tail of system events on every poll.
   * EventStoreDB reads `$all` forwards from a position inclusively, hence the filter.
   */
  private async scan(after: Position | undefined, maxCount: number): Promise<Scan> {
    const events: RecordedEvent[] = [];
    let from = after;
    let scanned = after;
    const pageSize = Math.min(Math.max(maxCount + 1, 2), MAX_PAGE);
    while (events.length < maxCount) {
      const page = await this.readAllPage(from, pageSize);
      for (const event of page) {
        if (from && comparePositions(event.position, from) <= 0) continue;
        scanned = event.position;
        if (isUserEvent(event)) events.push(toRecorded(event, event.position));
        if (events.length === maxCount) break;
      }
      if (page.length < pageSize || scanned === from) break;
      from = scanned;
    }
    return { events, scanned };
  }

  private async readAllPage(from: Position | undefined, maxCount: number): Promise<(EsdbEvent & { position: Position })[]> {
    try {
      const events = await readEvents(this.client.readAll({ direction: FORWARDS, fromPosition: from ?? START, maxCount, resolveLinkTos: false }));
      return events.map((event) => ({ ...event, position: requirePosition(event) }));
    } catch (error) {
      throw toPortError(error);
    }
  }

  /** A catch-up loop over `$all` (never a live subscription: those drop events under load). */
  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    const batchSize = options.batchSize ?? 500;
    let cursor = options.after === undefined ? undefined : decodePosition(options.after);
    let stopped = false;
    const wakeup = new Wakeup();
    this.wakeups.add(wakeup);
    const loop = (async () => {
      while (!stopped) {
        try {
          const { events, scanned } = await this.scan(cursor, batchSize);
          if (stopped) break;
          if (events.length > 0) await handler(events);
          cursor = scanned;
          if (events.length < batchSize) await wakeup.wait(this.options.pollIntervalMs);
        } catch (error) {
          options.onError?.(error);
          await wakeup.wait(ERROR_BACKOFF_MS);
        }
      }
    })();
    const subscription: Subscription = {
      stop: async () => {
        stopped = true;
        this.wakeups.delete(wakeup);
        this.subscriptions.delete(subscription);
        wakeup.wake();
        await loop;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** One event read backwards from the end of `$all`, bounded by our own timer (reads carry no deadline). */
  async health(): Promise<EventStoreHealth> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    const reading = readEvents(read);
    reading.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.options.healthTimeoutMs} ms`)), this.options.healthTimeoutMs);
    });
    try {
      await Promise.race([reading, timeout]);
      return { status: 'up' };
    } catch (error) {
      void read.cancel().catch(() => undefined);
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }
}

/** Client metadata as given, plus occurredAt and channel; correlation ids also under EventStoreDB's own keys. */
function toEsdbEvent(event: NewEvent): EventData {
  const envelope: Envelope = { occurredAt: event.occurredAt, channel: event.channel, metadata: event.metadata };
  if (typeof event.metadata.correlationId === 'string') envelope.$correlationId = event.metadata.correlationId;
  if (typeof event.metadata.causationId === 'string') envelope.$causationId = event.metadata.causationId;
  return jsonEvent({ id: event.eventId, type: event.type, data: event.data, metadata: envelope });
}

function toRecorded(event: EsdbEvent, position: Position): RecordedEvent {
  const envelope = isRecord(event.metadata) ? event.metadata : {};
  const recordedAt = event.created.toISOString();
  return {
    eventId: event.id,
    streamId: event.streamId,
    streamRevision: BigInt(event.revision),
    position: encodePosition(position),
    type: event.type,
    occurredAt: typeof envelope.occurredAt === 'string' ? envelope.occurredAt : recordedAt,
    channel: typeof envelope.channel === 'string' ? envelope.channel : 'other',
    recordedAt,
    data: isRecord(event.data) ? event.data : {},
    metadata: isRecord(envelope.metadata) ? envelope.metadata : {},
  };
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected.kind) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'exact':
      return expected.revision;
    default: {
      const unreachable: never = expected;
      return unreachable;
    }
  }
}

/**
 * Client errors as port errors. Some client paths reject with the raw gRPC error (an append to an
 * unreachable server does), so errors are converted to the client's command errors first.
 */
function toPortError(error: unknown, streamId?: string, expected?: ExpectedRevision): unknown {
  const converted = error instanceof Error ? convertToCommandError(error) : error;
  if (converted instanceof WrongExpectedVersionError && streamId !== undefined && expected !== undefined) {
    return new WrongExpectedRevisionError(streamId, expected, converted.actualVersion);
  }
  if (converted instanceof UnavailableError || converted instanceof DeadlineExceededError || converted instanceof NotLeaderError) {
    return new EventStoreUnavailableError(`EventStoreDB cannot be reached: ${converted.message}`, converted);
  }
  return converted;
}

/** The server refused the append, so nothing of it was written. */
function isRejection(error: unknown): boolean {
  return (
    error instanceof WrongExpectedRevisionError ||
    error instanceof StreamDeletedError ||
    error instanceof AccessDeniedError ||
    error instanceof MaxAppendSizeExceededError ||
    error instanceof InvalidArgumentError
  );
}

/**
 * Inputs whose content differs from what their eventId stands for: the ledger row, or else the
 * first input with that eventId in this call (a later one with other content is a conflict too).
 */
function conflictsOf(items: Item[], rows: Map<string, LedgerRow>): { index: number; eventId: string }[] {
  const reference = new Map<string, string>();
  for (const item of items) if (!reference.has(item.key)) reference.set(item.key, rows.get(item.key)?.contentHash ?? item.event.contentHash);
  return items.filter((item) => reference.get(item.key) !== item.event.contentHash).map((item) => ({ index: item.index, eventId: item.event.eventId }));
}

/** Ledger state of each open eventId: completed, pending and young (wait), absent (reserve), pending and stale (recover). */
function classify(open: Item[], rows: Map<string, LedgerRow>, pendingTimeoutMs: number): Classified {
  const classified: Classified = { completed: new Map(), waiting: [], missing: [], stale: [] };
  for (const item of open) {
    const row = rows.get(item.key);
    if (!row) classified.missing.push(item);
    else if (!row.pending) classified.completed.set(item.key, storedOf(row));
    else if (row.ageMs < pendingTimeoutMs) classified.waiting.push(item);
    else classified.stale.push({ item, ledgerStreamId: row.streamId });
  }
  return classified;
}

function completionsOf(items: Item[], located: Map<string, Stored>): LedgerCompletion[] {
  return items.flatMap((item) => {
    const stored = located.get(item.key);
    return stored ? [{ eventId: item.event.eventId, contentHash: item.event.contentHash, ...stored }] : [];
  });
}

function distinct(items: Item[]): Item[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.key) && seen.add(item.key));
}

/** Streams in order of first appearance; a stream's expected revision is that of its first event. */
function groupByStream(items: Item[]): StreamGroup[] {
  const groups = new Map<string, StreamGroup>();
  for (const item of items) {
    const group = groups.get(item.streamId) ?? { streamId: item.streamId, expected: item.expected, items: [] };
    group.items.push(item);
    groups.set(item.streamId, group);
  }
  return [...groups.values()];
}

function storedOf(row: LedgerRow): Stored {
  if (row.streamRevision === null || row.position === null) throw new Error(`ledger row ${row.eventId} is not complete`);
  return { streamRevision: row.streamRevision, position: row.position };
}

function storedFromEvent(event: EsdbEvent): Stored {
  return { streamRevision: BigInt(event.revision), position: encodePosition(requirePosition(event)) };
}

function requirePosition(event: EsdbEvent): Position {
  if (!isLogPosition(event.position)) {
    throw new Error(`EventStoreDB did not report the $all position of event ${event.id} in ${event.streamId} (EventStoreDB 22.6 or later is required)`);
  }
  return event.position;
}

function isUserEvent(event: EsdbEvent): boolean {
  return !event.type.startsWith('$') && !event.streamId.startsWith('$');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

async function readEvents<E extends { event?: EsdbEvent }>(read: StreamingRead<E>): Promise<EsdbEvent[]> {
  const events: EsdbEvent[] = [];
  for await (const resolved of read) if (resolved.event) events.push(resolved.event);
  return events;
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((turn) => this.queue.push(turn));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** An idle wait that an append (or stop) ends early; a wake that comes while busy is kept for the next wait. */
class Wakeup {
  private wakeWaiter: (() => void) | undefined;
  private woken = false;

  wait(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((done) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        done();
      };
      const timer = setTimeout(finish, ms);
      this.wakeWaiter = finish;
    });
  }

  wake(): void {
    if (this.wakeWaiter) this.wakeWaiter();
    else this.woken = true;
  }
}
