import { ConflictError, FieldError, TesseraError, TooLargeError, UnavailableError } from '@tessera/platform';

/**
 * The event store port: the one interface both adapters (PostgreSQL, EventStoreDB) implement and
 * the shared contract suite (`testing/event-store-contract.ts`) checks.
 *
 * Positions are opaque strings outside the adapters. Inside an adapter they may encode anything
 * (PostgreSQL: transaction id + sequence; EventStoreDB: commit + prepare), but callers only store
 * them and hand them back.
 */

export type ExpectedRevision =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'exact'; revision: bigint };

export const anyRevision: ExpectedRevision = { kind: 'any' };
export const noStream: ExpectedRevision = { kind: 'no_stream' };
export const exactRevision = (revision: bigint): ExpectedRevision => ({ kind: 'exact', revision });

/** An event as the write side hands it to the store. `contentHash` is the idempotency fingerprint. */
export type NewEvent = {
  eventId: string;
  type: string;
  /** ISO-8601 with offset; kept as the client sent it. */
  occurredAt: string;
  channel: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** sha-256 hex of the canonical content (see ledger/content-hash.ts). */
  contentHash: string;
};

export type StreamAppend = {
  streamId: string;
  expectedRevision: ExpectedRevision;
  events: NewEvent[];
};

export type AppendedEvent = {
  eventId: string;
  streamId: string;
  streamRevision: bigint;
  position: string;
  /** True when the same eventId with the same content had been stored before. */
  duplicate: boolean;
};

export type RecordedEvent = {
  eventId: string;
  streamId: string;
  streamRevision: bigint;
  position: string;
  type: string;
  occurredAt: string;
  channel: string;
  /** ISO-8601 instant at which the store recorded the event. */
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
};

export type ReadStreamOptions = {
  direction: 'forwards' | 'backwards';
  /** Inclusive starting revision; default: start (forwards) or end (backwards). */
  fromRevision?: bigint;
  maxCount: number;
};

export type ReadAllOptions = {
  /** Exclusive: events strictly after this position. Undefined = from the beginning. */
  after?: string;
  maxCount: number;
};

export type SubscriptionHandler = (events: RecordedEvent[]) => Promise<void>;

export type SubscribeOptions = {
  /** Exclusive checkpoint. Undefined = from the beginning. */
  after?: string;
  batchSize?: number;
  onError?: (error: unknown) => void;
};

/**
 * A catch-up subscription over the whole log. The handler gets batches in log order and the
 * subscription waits for each handler call before reading on, so it never skips or reorders.
 */
export type Subscription = {
  /** Resolves once the subscription has stopped and the in-flight batch (if any) finished. */
  stop(): Promise<void>;
};

export type EventStoreHealth = { status: 'up' | 'down'; detail?: string };

export interface EventStore {
  readonly name: 'postgres' | 'eventstoredb';
  /**
   * Appends to one or more streams. PostgreSQL: one transaction, all or nothing. EventStoreDB:
   * atomic per append only, so it appends in input order and stops at the first failure; when
   * some events were stored by then it throws `PartialAppendError` saying which. Results are in
   * input order, one per event. Throws `IdempotencyConflictError` when any eventId was stored
   * before with other content, `WrongExpectedRevisionError` when a stream's revision does not
   * match, `AppendTooLargeError` (before anything is stored) when an event cannot fit one append.
   */
  append(appends: StreamAppend[]): Promise<AppendedEvent[]>;
  /**
   * Optional: `append`, recording `writer.id` with each new event in the same call. With
   * `writer.othersTaken`, an eventId another writer (or an unknown one) stored throws
   * `EventIdTakenError` before any content is compared, and nothing is stored. Without it the
   * caller keeps writers in a ledger of its own.
   */
  appendAs?(appends: StreamAppend[], writer: AppendWriter): Promise<AppendedEvent[]>;
  readStream(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(handler: SubscriptionHandler, options?: SubscribeOptions): Subscription;
  /** Optional fast count of the events `readAll` would return after a position, up to `limit`. */
  countAfter?(after: string | undefined, limit: number): Promise<number>;
  health(): Promise<EventStoreHealth>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

/** Who appends (an API key id, `internal:<name>`), and whether an eventId of another writer is refused. */
export type AppendWriter = { id: string; othersTaken: boolean };

/** The eventIds were first stored by another writer: nothing was stored (docs/privacy.md). */
export class EventIdTakenError extends ConflictError {
  constructor(readonly taken: { index: number; eventId: string }[]) {
    super(
      `eventId already used by another writer: ${taken.map((t) => t.eventId).join(', ')}; nothing was stored`,
      taken.map(({ index, eventId }) => ({
        index,
        pointer: '/eventId',
        rule: 'eventIdTaken',
        message: `eventId ${eventId} was first sent by another writer; use a new eventId`,
      })),
    );
  }
}

export class IdempotencyConflictError extends ConflictError {
  constructor(readonly conflicts: { index: number; eventId: string }[]) {
    super(
      `eventId already stored with different content: ${conflicts.map((c) => c.eventId).join(', ')}`,
      conflicts.map(({ index, eventId }) => ({ index, pointer: '/eventId', rule: 'idempotency', message: `eventId ${eventId} was stored before with different content` })),
    );
  }
}

export class WrongExpectedRevisionError extends ConflictError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${describeExpected(expected)}, actual ${actual.toString()}`);
  }
}

/**
 * The store (or its ledger database) cannot be reached or did not answer in time. The events of
 * the failed call were not stored, or (`inDoubt`) may have been; a retry is safe either way,
 * because the eventId ledger answers an event stored before as a duplicate.
 */
export class EventStoreUnavailableError extends UnavailableError {
  constructor(message: string, cause?: unknown, readonly inDoubt = false) {
    super(message, 5, cause);
  }
}

/** The store refuses Tessera's credentials an operation; `permission` says what they lack. Not the caller's fault. */
export class EventStoreAccessDeniedError extends UnavailableError {
  override readonly problemType = 'event-store-access-denied';
  constructor(readonly permission: string, cause?: unknown) {
    super(`the event store denied access: ${permission}`, 30, cause);
  }
}

/** A stream was deleted for good (EventStoreDB tombstone): nothing can be appended to it again. */
export class DeletedStreamError extends ConflictError {
  override readonly problemType = 'stream-deleted';
  constructor(readonly streamId: string, indexes: number[]) {
    super(
      `stream ${streamId} was deleted in the event store; events for it cannot be stored`,
      indexes.map((index) => ({ index, pointer: '/customerId', rule: 'streamDeleted', message: `the stream ${streamId} was deleted in the event store` })),
    );
  }
}

/** Events larger than one append of the store may carry; nothing was stored. */
export class AppendTooLargeError extends TooLargeError {
  constructor(message: string, readonly maxAppendBytes: number, errors: FieldError[]) {
    super(message, errors);
  }
}

/** One stored event of a call that failed part-way, by its index in the call. */
export type StoredEvent = { index: number; result: AppendedEvent };

/**
 * An append that stored some events before it stopped at a failure (`cause`). It answers as the
 * cause would (503, 409…) and adds what was stored, what may have been (`inDoubt`) and what was
 * not (`notStored`), by index. Retrying the whole call is safe: stored events answer duplicates.
 */
export class PartialAppendError extends TesseraError {
  readonly kind: TesseraError['kind'];
  override readonly problemType?: string;
  override readonly extensions: Readonly<Record<string, unknown>>;
  readonly errors: FieldError[];
  readonly retryAfterSeconds?: number;

  constructor(
    override readonly cause: TesseraError & { errors?: FieldError[]; retryAfterSeconds?: number },
    readonly stored: StoredEvent[],
    readonly inDoubt: number[],
    readonly notStored: number[],
  ) {
    super(`${stored.length} event(s) were stored before the append stopped (${inDoubt.length} in doubt, ${notStored.length} not stored): ${cause.message}`);
    this.kind = cause.kind;
    this.problemType = cause.problemType;
    this.errors = cause.errors ?? [];
    this.retryAfterSeconds = cause.retryAfterSeconds;
    this.extensions = {
      stored: stored.map(({ index, result }) => ({ index, eventId: result.eventId, streamRevision: Number(result.streamRevision), position: result.position, duplicate: result.duplicate })),
      inDoubt,
      notStored,
    };
  }
}

export function describeExpected(expected: ExpectedRevision): string {
  switch (expected.kind) {
    case 'any':
      return 'any';
    case 'no_stream':
      return 'no_stream';
    case 'exact':
      return expected.revision.toString();
    default: {
      const unreachable: never = expected;
      return unreachable;
    }
  }
}
