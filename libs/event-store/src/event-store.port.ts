import { ConflictError, UnavailableError } from '@tessera/platform';

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
   * Appends to one or more streams atomically where the adapter can (PostgreSQL: one
   * transaction; EventStoreDB: one append per stream). Results are in input order, one per event.
   * Throws `IdempotencyConflictError` when any eventId was stored before with other content, and
   * `WrongExpectedRevisionError` when a stream's revision does not match.
   */
  append(appends: StreamAppend[]): Promise<AppendedEvent[]>;
  readStream(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(handler: SubscriptionHandler, options?: SubscribeOptions): Subscription;
  /** Optional fast count of the events `readAll` would return after a position, up to `limit`. */
  countAfter?(after: string | undefined, limit: number): Promise<number>;
  health(): Promise<EventStoreHealth>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

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

/** The store (or its ledger database) cannot be reached; nothing was stored, the caller may retry. */
export class EventStoreUnavailableError extends UnavailableError {
  constructor(message: string, cause?: unknown) {
    super(message, 5, cause);
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
