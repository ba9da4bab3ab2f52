import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segment definitions (DESIGN §5, §11) in schema `segments`: the current version of each custom
 * segment, every version ever saved (old versions stay readable), and the backfill of each
 * version with its progress. Memberships and their history are read models of the customer 360
 * projection (schema `customer_360`), so a rebuild recomputes them with the profiles.
 */
export class Segments1764000000400 implements MigrationInterface {
  name = 'Segments1764000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create schema segments`);
    await q.query(`
      create table segments.definitions (
        segment_id text collate "C" primary key,
        name text not null,
        description text,
        version integer not null,
        rule jsonb not null,
        time_relative boolean not null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz
      )`);
    await q.query(`
      create table segments.definition_versions (
        segment_id text collate "C" not null,
        version integer not null,
        name text not null,
        description text,
        rule jsonb not null,
        created_at timestamptz not null,
        primary key (segment_id, version)
      )`);
    await q.query(`
      create table segments.backfills (
        segment_id text collate "C" not null,
        version integer not null,
        status text not null check (status in ('running', 'done', 'failed', 'superseded')),
        total integer not null,
        processed integer not null default 0,
        entered integer not null default 0,
        exited integer not null default 0,
        after_customer_id text collate "C",
        started_at timestamptz not null,
        finished_at timestamptz,
        error text,
        primary key (segment_id, version)
      )`);
    await q.query(`
      create table customer_360.segment_members (
        segment_id text collate "C" not null,
        customer_id text collate "C" not null,
        rule_version integer not null,
        since timestamptz not null,
        cause jsonb not null,
        primary key (segment_id, customer_id)
      )`);
    await q.query(`create index segment_members_customer on customer_360.segment_members (customer_id)`);
    await q.query(`
      create table customer_360.segment_changes (
        customer_id text collate "C" not null,
        change_id uuid not null,
        segment_id text collate "C" not null,
        kind text not null check (kind in ('entered', 'exited')),
        at timestamptz not null,
        rule_version integer not null,
        cause jsonb not null,
        recorded_at timestamptz not null,
        primary key (customer_id, change_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table customer_360.segment_changes`);
    await q.query(`drop table customer_360.segment_members`);
    await q.query(`drop schema segments cascade`);
  }
}
