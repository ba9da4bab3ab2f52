import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox (DESIGN §1, §7). Projectors insert messages in the same transaction as
 * the read-model change; the relay publishes them in `seq` order and deletes them. It lives in its
 * own schema so a projection rebuild never touches it. `message_id` is deterministic, so writing
 * the same change twice stores it once.
 */
export class Outbox1764000000500 implements MigrationInterface {
  name = 'Outbox1764000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create schema outbox`);
    await q.query(`
      create table outbox.messages (
        seq bigint generated always as identity primary key,
        message_id uuid not null unique,
        topic text not null,
        key text collate "C" not null,
        type text not null,
        payload text not null,
        at timestamptz not null,
        created_at timestamptz not null default clock_timestamp()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop schema outbox cascade`);
  }
}
