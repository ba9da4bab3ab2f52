import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The PostgreSQL store now keeps each event's writer in `es_events.writer`, written by the append
 * itself (event-store migration 1764000000710); the writers this ledger knew are copied there.
 * `ingest_event_writers` stays the ledger of the EventStoreDB adapter, which has no such column.
 */
export class EventWritersInEvents1764000000720 implements MigrationInterface {
  name = 'EventWritersInEvents1764000000720';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`update es_events e set writer = w.writer from ingest_event_writers w where w.event_id = e.event_id and w.writer is not null and e.writer is null`);
  }

  /** The previous code reads writers from the ledger only: every event stored since gets its row there. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`insert into ingest_event_writers (event_id, writer) select event_id, writer from es_events on conflict (event_id) do nothing`);
  }
}
