import { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeys1764000000100 implements MigrationInterface {
  name = 'ApiKeys1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table api_keys (
        id uuid primary key,
        name text not null,
        key_hash bytea not null unique,
        scopes text[] not null,
        bootstrap boolean not null default false,
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`comment on column api_keys.key_hash is 'sha-256 of the key; the key itself is shown once and never stored'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists api_keys');
  }
}
