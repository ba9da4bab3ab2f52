import { randomUUID } from 'node:crypto';
import { BACKWARDS, END, EventStoreDBClient, FORWARDS } from '@eventstore/db-client';
import { AppendedEvent, EventStoreUnavailableError, IdempotencyConflictError, StreamAppend, WrongExpectedRevisionError } from '../event-store.port';
import { flattenAppends } from '../flatten-appends';
import { LedgerCompletion, LedgerRow, PostgresEventIdLedger } from '../ledger/event-id-ledger';
import { Chunk, Item, planChunks, refuseOversized } from './eventstoredb-append-plan';
import { withDeadline } from './eventstoredb-deadline';
import { EventStoreDbReads } from './eventstoredb-reads';
import { Stored, storedFromEvent, toEsdbExpected } from './eventstoredb-events';
import { Written, answersOf, failureOf, writeInOrder } from './eventstoredb-write';
import { toPortError } from './eventstoredb-errors';

export type AppendOptions = {
  maxConcurrentAppends: number;
  /**
   * A pending ledger row younger than this belongs to an append in flight: wait for it. Older:
   * recover it. At least `minPendingTimeoutMs` of the deadlines (the store derives it from them).
   */
  pendingTimeoutMs: number;
  /** How many events, newest first, a recovery reads when looking for a pending eventId in its stream. */
  recoveryScanLimit: number;
  /** Serialized data + metadata one append may carry (below the server's MaxAppendSize, 1 MiB by default). */
  maxAppendBytes: number;
  /** How long one append may take before it is given up as in doubt. */
  deadlineMs: number;
};

type StaleItem = { item: Item; ledgerStreamId: string };
type Classified = { completed: Map<string, Stored>; waiting: Item[]; missing: Item[]; stale: StaleItem[] };
type Settled = { known: Map<string, Stored>; owned: Item[] };

const LEDGER_POLL_MS = 25;

/**
 * The least pending timeout for these deadlines: a chunk's reservation is refreshed right before
 * its append, which with its read-back takes at most one append and one read deadline (with room
 * to spare for the ledger round trips), so a younger row always belongs to an append in flight.
 */
export function minPendingTimeoutMs(deadlineMs: number, readDeadlineMs: number): number {
  return 2 * (deadlineMs + readDeadlineMs);
}

/**
 * Appends through the PostgreSQL eventId ledger (DESIGN §11): ids are reserved as pending,
 * appended one chunk at a time in input order, located exactly by reading the appended range
 * back, and completed in the ledger. EventStoreDB dedupes event ids only per stream and durably
 * only with an exact expected revision, so duplicates and conflicts are the ledger's answer.
 */
export class EventStoreDbAppends {
  private readonly appendSlots: Semaphore;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly ledger: PostgresEventIdLedger,
    private readonly reads: EventStoreDbReads,
    private readonly options: AppendOptions,
    /** Called once a call stored something new, whether or not all of it (subscriptions wake up). */
    private readonly onStoredNew: () => void = () => undefined,
  ) {
    this.appendSlots = new Semaphore(options.maxConcurrentAppends);
  }

  async append(appends: StreamAppend[]): Promise<AppendedEvent[]> {
    const items = flattenAppends(appends).map((flat, index) => ({ ...flat, index, key: flat.event.eventId.toLowerCase() }));
    if (items.length === 0) return [];
    refuseOversized(items, this.options.maxAppendBytes);
    const owner = randomUUID();
    const { known, owned } = await this.settle(items, owner);
    const written = await this.write(owned, owner);
    if (written.mine.size > 0) this.onStoredNew();
    if (written.failure) throw failureOf(items, known, written, written.failure);
    return answersOf(items, known, written).map((answer, i) => {
      if (!answer) throw new Error(`eventId ${items[i].event.eventId} was neither stored nor found in the ledger`);
      return answer;
    });
  }

  /**
   * Sorts each distinct eventId into known (completed in the ledger, or found in EventStoreDB) or
   * owned (reserved or claimed by this call, to be appended). While another call holds a young
   * reservation of one of them, this call gives its own back and tries again, so no two calls
   * ever wait on each other. Conflicts are thrown before anything is written.
   */
  private async settle(items: Item[], owner: string): Promise<Settled> {
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
        const reserved = await this.ledger.reserve(missing.map(({ event, streamId }) => ({ eventId: event.eventId, contentHash: event.contentHash, streamId })), owner);
        for (const item of missing) (reserved.has(item.key) ? owned : waiting).push(item);
        await this.recover(stale, known, owned, waiting, owner);
      } catch (error) {
        await this.ledger.release(owned.map((item) => item.event.eventId), owner).catch(() => undefined);
        throw error;
      }
      if (waiting.length === 0) return { known, owned };
      await this.ledger.release(owned.map((item) => item.event.eventId), owner);
      if (Date.now() > giveUpAt) {
        throw new EventStoreUnavailableError(`eventIds still being appended by another call: ${waiting.map((item) => item.event.eventId).join(', ')}`);
      }
      await new Promise((retry) => setTimeout(retry, LEDGER_POLL_MS + Math.floor(Math.random() * LEDGER_POLL_MS)));
    }
  }

  /** Stale reservations: an append that crashed, or never got to EventStoreDB. */
  private async recover(stale: StaleItem[], known: Map<string, Stored>, owned: Item[], waiting: Item[], owner: string): Promise<void> {
    if (stale.length === 0) return;
    const found = new Map<string, Stored>();
    for (const streamId of new Set(stale.map((s) => s.ledgerStreamId))) {
      const keys = stale.filter((s) => s.ledgerStreamId === streamId).map(({ item }) => item.key);
      const inStream = await this.reads.findInStream(streamId, keys, this.options.recoveryScanLimit);
      inStream.forEach((stored, key) => found.set(key, stored));
    }
    const completed = await this.ledger.complete(completionsOf(stale.map(({ item }) => item), found));
    const claimed = await this.ledger.claimStale(
      stale.filter(({ item }) => !found.has(item.key)).map(({ item }) => item.event.eventId),
      this.options.pendingTimeoutMs,
      owner,
    );
    for (const { item } of stale) {
      const stored = found.get(item.key);
      if (stored && completed.has(item.key)) known.set(item.key, stored);
      else if (claimed.has(item.key)) owned.push(item);
      else waiting.push(item);
    }
  }

  /**
   * The chunks one after another, stopping at the first failure, then one ledger update:
   * stored events are completed; reservations of a rejected chunk and of chunks never tried are
   * released (a retry reserves them afresh); those of a chunk that ended in doubt are abandoned,
   * so the next call recovers them at once from what EventStoreDB actually holds. When that
   * update fails, every reservation of the call is abandoned (best effort) for the same reason.
   */
  private async write(owned: Item[], owner: string): Promise<Written> {
    const chunks = planChunks([...owned].sort((a, b) => a.index - b.index), this.options.maxAppendBytes);
    const outcome = await writeInOrder(chunks, (chunk) => this.appendChunk(chunk, owner));
    const succeeded = owned.filter((item) => outcome.located.has(item.key));
    let completed: Set<string>;
    try {
      completed = await this.ledger.complete(completionsOf(succeeded, outcome.located));
      await this.ledger.release(outcome.release.map((item) => item.event.eventId), owner);
      await this.ledger.abandon(outcome.abandon.map((item) => item.event.eventId), owner);
    } catch (error) {
      await this.ledger.abandon(owned.map((item) => item.event.eventId), owner).catch(() => undefined);
      if (outcome.located.size > 0) this.onStoredNew();
      throw new EventStoreUnavailableError('the eventId ledger could not record the outcome of the append (its events may be stored); a retry is safe', error, true);
    }
    const mine = new Map([...outcome.located].filter(([key]) => completed.has(key)));
    const theirs = await this.completedElsewhere(succeeded.filter((item) => !completed.has(item.key)), outcome.located);
    return { mine, theirs, failure: outcome.failure };
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

  /**
   * One chunk, under one deadline that starts before the wait for an append slot. Right before
   * the append, the chunk's reservations are refreshed (no other call may find them stale while
   * the append is in flight); a chunk whose reservation was taken over meanwhile is not sent.
   */
  private async appendChunk({ streamId, expected, items, events }: Chunk, owner: string): Promise<Map<string, Stored>> {
    const operation = { kind: 'append', streamId, expected, indexes: items.map((item) => item.index) } as const;
    const deadline = Date.now() + this.options.deadlineMs;
    let lastRevision: bigint;
    try {
      const result = await this.appendSlots.run(async () => {
        const ids = [...new Set(items.map((item) => item.key))];
        const owned = await this.ledger.refresh(ids, owner);
        if (owned.size < ids.length) throw new EventStoreUnavailableError(`another call took over the reservation of events for ${streamId}; they were not sent`);
        const left = deadline - Date.now();
        if (left <= 0) throw new EventStoreUnavailableError(`no append slot for ${streamId} within ${this.options.deadlineMs} ms; nothing was sent`);
        return withDeadline(this.client.appendToStream(streamId, events, { expectedRevision: toEsdbExpected(expected) }), left, `an append to ${streamId}`, undefined, true);
      });
      // Only with throwOnAppendFailure=false (refused by the store); its revision is wrong then, so read the real one.
      if (!result.success) throw new WrongExpectedRevisionError(streamId, expected, await this.lastRevision(streamId));
      lastRevision = result.nextExpectedRevision;
    } catch (error) {
      throw toPortError(error, operation);
    }
    try {
      return await this.locate(streamId, items, lastRevision);
    } catch (error) {
      // Stored, but not located: in doubt, whatever the read failed with.
      const reason = error instanceof Error ? error.message : String(error);
      throw new EventStoreUnavailableError(`the append to ${streamId} succeeded but could not be read back (${reason}); a retry is safe`, error, true);
    }
  }

  private async lastRevision(streamId: string): Promise<bigint | 'no_stream'> {
    const [last] = await this.reads.readEsdbStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1, requiresLeader: true });
    return last ? BigInt(last.revision) : 'no_stream';
  }

  /** The append result only has the last event's position: read the appended range back. */
  private async locate(streamId: string, items: Item[], lastRevision: bigint): Promise<Map<string, Stored>> {
    const first = lastRevision - BigInt(items.length - 1);
    if (first >= 0n) {
      const read = await this.reads.readEsdbStream(streamId, { direction: FORWARDS, fromRevision: first, maxCount: items.length, requiresLeader: true });
      if (read.length === items.length && read.every((event, i) => event.id.toLowerCase() === items[i].key)) {
        return new Map(read.map((event, i) => [items[i].key, storedFromEvent(event)]));
      }
    }
    const found = await this.reads.findInStream(streamId, items.map((item) => item.key), this.options.recoveryScanLimit);
    const lost = items.filter((item) => !found.has(item.key));
    if (lost.length > 0) throw new Error(`EventStoreDB accepted the append to ${streamId} but does not show ${lost.map((item) => item.event.eventId).join(', ')}`);
    return found;
  }
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

function storedOf(row: LedgerRow): Stored {
  if (row.streamRevision === null || row.position === null) throw new Error(`ledger row ${row.eventId} is not complete`);
  return { streamRevision: row.streamRevision, position: row.position };
}

/** At most `limit` appends in flight on this client (DESIGN §10). */
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
