import { EventStoreDBClient } from '@eventstore/db-client';
import {
  AppendedEvent,
  EventStore,
  EventStoreAccessDeniedError,
  EventStoreHealth,
  EventStoreUnavailableError,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
} from '../event-store.port';
import { PostgresEventIdLedger } from '../ledger/event-id-ledger';
import { AppendOptions, EventStoreDbAppends, minPendingTimeoutMs } from './eventstoredb-appends';
import { withDeadline } from './eventstoredb-deadline';
import { decodePosition } from './eventstoredb-positions';
import { EventStoreDbReads } from './eventstoredb-reads';
import { SubscriptionTiming, Wakeup, catchUpSubscription } from './eventstoredb-subscription';

export type EventStoreDbEventStoreOptions = AppendOptions &
  SubscriptionTiming & {
    /** Every read waits at most this long (the client itself gives reads no deadline). */
    readDeadlineMs: number;
    healthTimeoutMs: number;
  };

/** 1 MiB is the server's default MaxAppendSize; stay clear of it. */
export const DEFAULT_MAX_APPEND_BYTES = 1_000_000;

/**
 * The longest `close()` waits for appends in flight: well below the 20 s after which the process
 * exits on a signal (apps/tessera/src/main.ts), whatever the append deadline (up to 600 s).
 */
export const MAX_CLOSE_WAIT_MS = 10_000;

const DEFAULTS: Omit<EventStoreDbEventStoreOptions, 'pendingTimeoutMs'> = {
  maxConcurrentAppends: 16,
  pollIntervalMs: 200,
  errorBackoffMs: 1_000,
  maxErrorBackoffMs: 30_000,
  recoveryScanLimit: 1_000,
  maxAppendBytes: DEFAULT_MAX_APPEND_BYTES,
  deadlineMs: 10_000,
  readDeadlineMs: 10_000,
  healthTimeoutMs: 3_000,
};

/**
 * EventStoreDB as the log of record: appends (`eventstoredb-appends.ts`), reads with deadlines
 * (`eventstoredb-reads.ts`), the catch-up subscription (`eventstoredb-subscription.ts`) and the
 * error mapping (`eventstoredb-errors.ts`), composed here with health and an orderly close.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly name = 'eventstoredb';
  private readonly options: EventStoreDbEventStoreOptions;
  private readonly reads: EventStoreDbReads;
  private readonly appends: EventStoreDbAppends;
  private readonly wakeups = new Set<Wakeup>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly client: EventStoreDBClient,
    ledger: PostgresEventIdLedger,
    options: Partial<EventStoreDbEventStoreOptions> = {},
  ) {
    refuseSilentAppendFailures(client);
    const merged = { ...DEFAULTS, ...options };
    // A reservation younger than this belongs to an append in flight: never shorter than one append and its read-back.
    const pendingTimeoutMs = Math.max(options.pendingTimeoutMs ?? 0, minPendingTimeoutMs(merged.deadlineMs, merged.readDeadlineMs));
    this.options = { ...merged, pendingTimeoutMs };
    this.reads = new EventStoreDbReads(client, this.options.readDeadlineMs);
    this.appends = new EventStoreDbAppends(client, ledger, this.reads, this.options, () => this.wakeups.forEach((wakeup) => wakeup.wake()));
  }

  async append(appends: StreamAppend[]): Promise<AppendedEvent[]> {
    if (this.closing) throw new EventStoreUnavailableError('the EventStoreDB event store is shutting down; nothing was stored');
    const appending = this.appends.append(appends);
    this.inFlight.add(appending);
    try {
      return await appending;
    } finally {
      this.inFlight.delete(appending);
    }
  }

  readStream(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.reads.readStream(streamId, options);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const after = options.after === undefined ? undefined : decodePosition(options.after);
    return (await this.reads.scan(after, options.maxCount)).events;
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    const wakeup = new Wakeup();
    this.wakeups.add(wakeup);
    const inner = catchUpSubscription((after, maxCount) => this.reads.scan(after, maxCount), handler, options, this.options, wakeup);
    const subscription: Subscription = {
      stop: async () => {
        this.wakeups.delete(wakeup);
        this.subscriptions.delete(subscription);
        await inner.stop();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** One event of `$all`: what projections need. A denied read says which permission is missing. */
  async health(): Promise<EventStoreHealth> {
    try {
      await this.reads.probeAll(this.options.healthTimeoutMs);
      return { status: 'up' };
    } catch (error) {
      if (error instanceof EventStoreAccessDeniedError) return { status: 'down', detail: `access denied: ${error.permission}` };
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Refuses new appends, lets those in flight finish (for up to one deadline, at most
   * `MAX_CLOSE_WAIT_MS`), then
   * disposes the client. The client keeps pending batch appends in one map for the whole
   * process, so disposing it under an append would fail that append (and any other client's).
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    const draining = Promise.allSettled([...this.inFlight]);
    // Bounded, so that a stuck server cannot hold the process: what is still in flight then ends in doubt (503).
    await withDeadline(draining, Math.min(this.options.deadlineMs, MAX_CLOSE_WAIT_MS), 'the appends in flight at close').catch(() => undefined);
    await this.client.dispose();
  }
}

/**
 * With `throwOnAppendFailure=false` the client answers a wrong expected revision with a result
 * whose revision is `BigInt(true)`: refuse that setting rather than report a made-up revision.
 */
function refuseSilentAppendFailures(client: EventStoreDBClient): void {
  if ((client as unknown as { throwOnAppendFailure?: boolean }).throwOnAppendFailure === false) {
    throw new TypeError('EVENTSTOREDB_URL sets throwOnAppendFailure=false, which Tessera does not support (the client then reports wrong revisions): remove it');
  }
}
