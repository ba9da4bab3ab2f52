import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { queryLedgerDatabase } from '@tessera/event-store';
import { PG_POOL } from '@tessera/platform';
import { EventOwners } from './event-writer';

/** `ingest_event_writers`: the first writer of every eventId (migration 1764000000610). */
@Injectable()
export class EventWritersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Records `writer` for the eventIds nobody named before (in eventId order: no deadlocks), and
   * answers the owner of each. An id another request inserted concurrently is invisible to this
   * statement's snapshot, so ids without a known owner are read once more.
   */
  async claim(eventIds: readonly string[], writer: string): Promise<EventOwners> {
    if (eventIds.length === 0) return new Map();
    const rows = await this.query<{ event_id: string; writer: string | null }>(
      `with ids as (select distinct u.event_id from unnest($1::uuid[]) as u(event_id)),
       inserted as (
         insert into ingest_event_writers (event_id, writer)
         select ids.event_id, $2 from ids order by ids.event_id
         on conflict (event_id) do nothing
         returning event_id)
       select ids.event_id::text as event_id, case when i.event_id is not null then $2 else w.writer end as writer
       from ids
       left join inserted i on i.event_id = ids.event_id
       left join ingest_event_writers w on w.event_id = ids.event_id`,
      [eventIds, writer],
    );
    const unknown = rows.filter((row) => row.writer === null).map((row) => row.event_id);
    const reread = unknown.length === 0 ? [] : await this.query<{ event_id: string; writer: string | null }>(
      `select event_id::text as event_id, writer from ingest_event_writers where event_id = any($1::uuid[])`,
      [unknown],
    );
    return new Map([...rows, ...reread].map((row) => [row.event_id, row.writer]));
  }

  private query<T extends object>(sql: string, params: unknown[]): Promise<T[]> {
    return queryLedgerDatabase<T>(this.pool, sql, params);
  }
}
