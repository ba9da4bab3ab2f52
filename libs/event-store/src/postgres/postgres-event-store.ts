import { EventEmitter } from 'node:events';
import { Pool } from 'pg';
import { isConnectionError, pgErrorCode } from '@tessera/platform';
import {
  AppendedEvent,
  AppendWriter,
  EventIdTakenError,
  EventStore,
  EventStoreHealth,
  EventStoreUnavailableError,
  IdempotencyConflictError,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
  WrongExpectedRevisionError,
  noStream,
} from '../event-store.port';
import { FlatEvent, flattenAppends } from '../flatten-appends';
import { START, decodePosition, encodePosition } from './postgres-positions';

type Row = {
  event_id: string;
  stream_id: string;
  stream_revision: string;
  transaction_id: string;
  global_position: string;
  type: string;
  occurred_at: string;
  channel: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recorded_at: Date;
};

type AppendRow = { idx: number; stream_revision: string | null; event_position: string | null; duplicate: boolean; conflict: boolean; taken: boolean };

const COLUMNS = `event_id, stream_id, stream_revision, transaction_id::text as transaction_id, global_position, type, occurred_at, channel, data, metadata, recorded_at`;
const UNIQUE_VIOLATION = '23505';
const WRONG_REVISION = 'TS409';

export type PostgresEventStoreOptions = {
  /** How often an idle subscription looks for new events (an append in this process wakes it at once). */
  pollIntervalMs: number;
};

/** The embedded default event store: PostgreSQL tables and one `es_append` call per append. */
export class PostgresEventStore implements EventStore {
  readonly name = 'postgres';
  private readonly appended = new EventEmitter().setMaxListeners(0);

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions = { pollIntervalMs: 200 },
  ) {}

  append(appends: StreamAppend[]): Promise<AppendedEvent[]> {
    return this.appendAs(appends, { id: null, othersTaken: false });
  }

  /** The writer is stored with each new event by `es_append` itself: no ledger of its own, no second statement. */
  async appendAs(appends: StreamAppend[], writer: AppendWriter | { id: null; othersTaken: false }): Promise<AppendedEvent[]> {
    const events = flattenAppends(appends);
    if (events.length === 0) return [];
    const params = [
      events.map((e) => e.streamId),
      events.map((e) => expectedCode(e.expected)),
      events.map((e) => e.event.eventId),
      events.map((e) => e.event.type),
      events.map((e) => e.event.occurredAt),
      events.map((e) => e.event.channel),
      events.map((e) => JSON.stringify(e.event.data)),
      events.map((e) => JSON.stringify(e.event.metadata)),
      events.map((e) => e.event.contentHash),
    ];
    const rows = await this.callAppend([...params, writer.id, writer.othersTaken], events);
    const taken = rows.filter((r) => r.taken).map((r) => ({ index: r.idx - 1, eventId: events[r.idx - 1].event.eventId }));
    if (taken.length > 0) throw new EventIdTakenError(taken);
    const conflicts = rows.filter((r) => r.conflict).map((r) => ({ index: r.idx - 1, eventId: events[r.idx - 1].event.eventId }));
    if (conflicts.length > 0) throw new IdempotencyConflictError(conflicts);
    if (rows.some((r) => !r.duplicate)) this.appended.emit('appended');
    return rows.map((r) => ({
      eventId: events[r.idx - 1].event.eventId,
      streamId: events[r.idx - 1].streamId,
      streamRevision: BigInt(r.stream_revision ?? -1),
      position: r.event_position ?? '',
      duplicate: r.duplicate,
    }));
  }

  /**
   * The first call takes every eventId to be new and skips the ledger lookup. An id stored
   * before (a retry, a conflict) or appended concurrently fails the ledger's key, or a retried
   * append fails its now stale expected revision; either aborts the whole call, and the next
   * attempt checks the ledger and answers duplicates and conflicts.
   */
  private async callAppend(params: unknown[], events: FlatEvent[]): Promise<AppendRow[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.pool.query<AppendRow>(
          'select * from es_append($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::text[], $12, $10::text, $11::boolean)',
          [...params, attempt > 1],
        );
        return result.rows;
      } catch (error) {
        const code = pgErrorCode(error);
        if ((code === UNIQUE_VIOLATION && attempt < 3) || (code === WRONG_REVISION && attempt === 1)) continue;
        throw this.translate(error, events);
      }
    }
  }

  private translate(error: unknown, events: FlatEvent[]): unknown {
    if (pgErrorCode(error) === WRONG_REVISION) {
      const detail = JSON.parse((error as { detail?: string }).detail ?? '{}') as { streamId: string; actual: number | null };
      const expected = events.find((e) => e.streamId === detail.streamId)?.expected ?? noStream;
      return new WrongExpectedRevisionError(detail.streamId, expected, detail.actual === null ? 'no_stream' : BigInt(detail.actual));
    }
    if (isConnectionError(error)) return new EventStoreUnavailableError('the event store database cannot be reached', error);
    return error;
  }

  async readStream(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    const forwards = options.direction === 'forwards';
    const from = options.fromRevision ?? (forwards ? 0n : BigInt(Number.MAX_SAFE_INTEGER));
    const rows = await this.query<Row>(
      `select ${COLUMNS} from es_events where stream_id = $1 and stream_revision ${forwards ? '>=' : '<='} $2
       order by stream_revision ${forwards ? 'asc' : 'desc'} limit $3`,
      [streamId, from.toString(), options.maxCount],
    );
    return rows.map(toRecorded);
  }

  /**
   * Only rows of transactions older than every transaction still in flight are read, in
   * (transaction id, position) order, so a late commit can never land behind the reader. The
   * order names the table's xid8 column: the select list's `transaction_id` is its text form,
   * and sorting by that text would put transaction 1000 before 999 (and scan the whole table).
   */
  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const after = options.after === undefined ? START : decodePosition(options.after);
    const rows = await this.query<Row>(
      `select ${COLUMNS} from es_events
       where (transaction_id, global_position) > ($1::xid8, $2::bigint)
         and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       order by es_events.transaction_id, global_position
       limit $3`,
      [after.transactionId, after.globalPosition, options.maxCount],
    );
    return rows.map(toRecorded);
  }

  async countAfter(after: string | undefined, limit: number): Promise<number> {
    const from = after === undefined ? START : decodePosition(after);
    const [row] = await this.query<{ count: string }>(
      `select count(*) as count from (
         select 1 from es_events
         where (transaction_id, global_position) > ($1::xid8, $2::bigint)
           and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         limit $3) visible`,
      [from.transactionId, from.globalPosition, limit],
    );
    return Number(row.count);
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    const batchSize = options.batchSize ?? 500;
    let checkpoint = options.after;
    let stopped = false;
    let wake: () => void = () => undefined;
    const onAppended = () => wake();
    this.appended.on('appended', onAppended);

    const idle = () =>
      new Promise<void>((done) => {
        const timer = setTimeout(done, this.options.pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          done();
        };
      });

    const loop = (async () => {
      while (!stopped) {
        try {
          const batch = await this.readAll({ after: checkpoint, maxCount: batchSize });
          if (batch.length > 0 && !stopped) {
            await handler(batch);
            checkpoint = batch[batch.length - 1].position;
          }
          if (batch.length < batchSize) await idle();
        } catch (error) {
          options.onError?.(error);
          await idle();
        }
      }
    })();

    return {
      stop: async () => {
        stopped = true;
        this.appended.off('appended', onAppended);
        wake();
        await loop;
      },
    };
  }

  async health(): Promise<EventStoreHealth> {
    try {
      await this.pool.query('select 1');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    this.appended.removeAllListeners();
  }

  private async query<T extends object>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query<T>(sql, params)).rows;
    } catch (error) {
      if (isConnectionError(error)) throw new EventStoreUnavailableError('the event store database cannot be reached', error);
      throw error;
    }
  }
}

function expectedCode(expected: FlatEvent['expected']): string {
  switch (expected.kind) {
    case 'any':
      return '-1';
    case 'no_stream':
      return '-2';
    case 'exact':
      return expected.revision.toString();
    default: {
      const unreachable: never = expected;
      return unreachable;
    }
  }
}

function toRecorded(row: Row): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamRevision: BigInt(row.stream_revision),
    position: encodePosition({ transactionId: row.transaction_id, globalPosition: row.global_position }),
    type: row.type,
    occurredAt: row.occurred_at,
    channel: row.channel,
    recordedAt: row.recorded_at.toISOString(),
    data: row.data,
    metadata: row.metadata,
  };
}
