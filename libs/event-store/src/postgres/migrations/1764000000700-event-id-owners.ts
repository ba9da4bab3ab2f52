import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An owner token per pending eventId reservation of the EventStoreDB adapter's ledger: the call
 * that reserved (or took over) a row. Release, abandon, claim and refresh touch only the rows the
 * calling append owns, so an append that lost its reservation to a retry cannot delete or age the
 * row the retry now holds. Rows reserved before this migration have no owner: only a takeover
 * (after they went stale) gives them one.
 */
export class EventIdOwners1764000000700 implements MigrationInterface {
  name = 'EventIdOwners1764000000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table es_event_ids add column reserved_by uuid`);
    await q.query(`comment on column es_event_ids.reserved_by is 'The append call that owns this pending reservation (null once completed, or for rows reserved before owners existed).'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table es_event_ids drop column if exists reserved_by`);
  }
}
