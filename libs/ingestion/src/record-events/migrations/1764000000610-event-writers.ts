import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who first wrote each eventId (docs/privacy.md, "Idempotency answers"): `writer` is the API key
 * id, `internal:kafka-ingest` for the Kafka ingest consumer, or null when unknown. Events stored
 * before this table existed get null: only a key with pii:read may learn whether a re-send of
 * them matches. A row is written when a valid request first names the eventId, before the append,
 * so every stored event has one.
 */
export class EventWriters1764000000610 implements MigrationInterface {
  name = 'EventWriters1764000000610';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table ingest_event_writers (
        event_id uuid primary key,
        writer text,
        recorded_at timestamptz not null default now()
      )`);
    await q.query(`
      insert into ingest_event_writers (event_id, writer)
      select event_id, null from es_events
      union
      select event_id, null from es_event_ids
      on conflict (event_id) do nothing`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists ingest_event_writers`);
  }
}
