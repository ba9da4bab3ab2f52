import type { Pool } from 'pg';
import { isConnectionError } from '@tessera/platform';
import { EventStoreUnavailableError } from '../event-store.port';

/** One row of `es_event_ids`. `streamRevision`/`position` are null while the row is pending. */
export type LedgerRow = {
  eventId: string;
  contentHash: string;
  streamId: string;
  streamRevision: bigint | null;
  position: string | null;
  pending: boolean;
  /** Age of the row by the database clock (pending rows: time since reserved or claimed). */
  ageMs: number;
};

export type LedgerReservation = { eventId: string; contentHash: string; streamId: string };

export type LedgerCompletion = { eventId: string; contentHash: string; streamRevision: bigint; position: string };

type Row = {
  event_id: string;
  content_hash: string;
  stream_id: string;
  stream_revision: string | null;
  position: string | null;
  pending: boolean;
  age_ms: number;
};

/**
 * The eventId ledger (DESIGN §11) as the EventStoreDB adapter uses it: eventIds are reserved as
 * pending before the append, completed with their revision and position after it, and released
 * when the append fails. Each pending row carries its owner, a token per append call: only the
 * owner releases, abandons or refreshes it. Event ids are compared as uuids; returned ids are lower-case.
 */
export class PostgresEventIdLedger {
  constructor(private readonly pool: Pool) {}

  /** The ledger rows of these eventIds, keyed by lower-case eventId. */
  async find(eventIds: string[]): Promise<Map<string, LedgerRow>> {
    if (eventIds.length === 0) return new Map();
    const rows = await this.query<Row>(
      `select event_id::text as event_id, content_hash, stream_id, stream_revision::text as stream_revision, position, pending,
         (extract(epoch from clock_timestamp() - recorded_at) * 1000)::float8 as age_ms
       from es_event_ids where event_id = any($1::uuid[])`,
      [eventIds],
    );
    return new Map(rows.map((row) => [row.event_id, toLedgerRow(row)]));
  }

  /**
   * Inserts pending rows owned by `owner` in eventId order (two concurrent reservations of
   * overlapping sets cannot deadlock); answers the lower-case eventIds this call reserved (absent
   * ones existed already).
   */
  async reserve(reservations: LedgerReservation[], owner: string): Promise<Set<string>> {
    if (reservations.length === 0) return new Set();
    const rows = await this.query<{ event_id: string }>(
      `insert into es_event_ids (event_id, content_hash, stream_id, pending, reserved_by)
       select u.event_id, u.content_hash, u.stream_id, true, $4::uuid
       from unnest($1::uuid[], $2::text[], $3::text[]) as u(event_id, content_hash, stream_id)
       order by u.event_id
       on conflict (event_id) do nothing
       returning event_id::text as event_id`,
      [reservations.map((r) => r.eventId), reservations.map((r) => r.contentHash), reservations.map((r) => r.streamId), owner],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /**
   * Takes over pending rows older than `staleAfterMs` (their writer presumably died, or ended in
   * doubt) for `owner`, restarting their clock; answers the lower-case eventIds it now owns.
   */
  async claimStale(eventIds: string[], staleAfterMs: number, owner: string): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await this.query<{ event_id: string }>(
      `update es_event_ids set recorded_at = clock_timestamp(), reserved_by = $3::uuid
       where event_id = any($1::uuid[]) and pending
         and recorded_at < clock_timestamp() - make_interval(secs => $2::float8 / 1000)
       returning event_id::text as event_id`,
      [eventIds, staleAfterMs, owner],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /**
   * Restarts the clock of the pending rows `owner` still holds (right before it appends them), so
   * no other call finds them stale while the append is in flight; answers the lower-case eventIds
   * still owned (a missing one was taken over: its append must not go ahead).
   */
  async refresh(eventIds: string[], owner: string): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await this.query<{ event_id: string }>(
      `update es_event_ids set recorded_at = clock_timestamp()
       where event_id = any($1::uuid[]) and pending and reserved_by = $2::uuid
       returning event_id::text as event_id`,
      [eventIds, owner],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /**
   * Completes pending rows with the same content hash, all in one statement; answers the
   * lower-case eventIds this call completed (the others were completed or released before).
   * Whoever owns a row: a completion is what EventStoreDB was seen to hold, true for every call,
   * and completing it keeps a call that took the row over from releasing a stored event's row.
   */
  async complete(completions: LedgerCompletion[]): Promise<Set<string>> {
    if (completions.length === 0) return new Set();
    const rows = await this.query<{ event_id: string }>(
      `update es_event_ids l
       set stream_revision = u.stream_revision, position = u.position, pending = false, reserved_by = null
       from unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[]) as u(event_id, content_hash, stream_revision, position)
       where l.event_id = u.event_id and l.pending and l.content_hash = u.content_hash
       returning l.event_id::text as event_id`,
      [
        completions.map((c) => c.eventId),
        completions.map((c) => c.contentHash),
        completions.map((c) => c.streamRevision.toString()),
        completions.map((c) => c.position),
      ],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /** Deletes the still-pending reservations `owner` holds (the append failed); completed rows and rows taken over are kept. */
  async release(eventIds: string[], owner: string): Promise<void> {
    if (eventIds.length === 0) return;
    await this.query(`delete from es_event_ids where event_id = any($1::uuid[]) and pending and reserved_by = $2::uuid`, [eventIds, owner]);
  }

  /**
   * Marks the pending reservations `owner` holds whose append ended in doubt (timeout, lost
   * connection: the events may or may not be in EventStoreDB) as stale, so the next append of
   * them recovers at once.
   */
  async abandon(eventIds: string[], owner: string): Promise<void> {
    if (eventIds.length === 0) return;
    await this.query(`update es_event_ids set recorded_at = 'epoch' where event_id = any($1::uuid[]) and pending and reserved_by = $2::uuid`, [eventIds, owner]);
  }

  private query<T extends object>(sql: string, params: unknown[]): Promise<T[]> {
    return queryLedgerDatabase<T>(this.pool, sql, params);
  }
}

/** A query on the eventId ledger's database; an unreachable database is the port's unavailable error. */
export async function queryLedgerDatabase<T extends object>(pool: Pool, sql: string, params: unknown[]): Promise<T[]> {
  try {
    return (await pool.query<T>(sql, params)).rows;
  } catch (error) {
    if (isConnectionError(error)) throw new EventStoreUnavailableError('the eventId ledger database cannot be reached', error);
    throw error;
  }
}

function toLedgerRow(row: Row): LedgerRow {
  return {
    eventId: row.event_id,
    contentHash: row.content_hash,
    streamId: row.stream_id,
    streamRevision: row.stream_revision === null ? null : BigInt(row.stream_revision),
    position: row.position,
    pending: row.pending,
    ageMs: Number(row.age_ms),
  };
}
