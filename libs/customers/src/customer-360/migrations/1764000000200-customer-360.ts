import { createBookkeeping } from '@tessera/projections';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The customer 360 read models, in their own schema so a rebuild can build a fresh copy beside
 * them and swap it in (see projections/projection-rebuild.ts). The folded state and the profile
 * document are `json`, not `jsonb`: they are only ever written and read whole, and `json` keeps
 * the document's field order and skips the binary conversion. Identifiers collate "C": they are
 * compared byte-wise, and prefix search (`q`) on names, phones and emails uses plain btrees.
 */
export class Customer3601764000000200 implements MigrationInterface {
  name = 'Customer3601764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create schema customer_360`);
    await createBookkeeping(q, 'customer_360');
    await q.query(`
      create table customer_360.customers (
        customer_id text collate "C" primary key,
        state json not null,
        profile json not null,
        transitions_digest text not null,
        name text collate "C",
        phone text collate "C",
        email text collate "C",
        lifecycle_stage text not null,
        value_tier text not null,
        membership_tier text,
        tags text[] not null,
        interests text[] not null,
        segments text[] not null,
        net_spend_365d bigint not null,
        last_seen_at timestamptz,
        registered_at timestamptz,
        birth_month smallint,
        birth_day smallint,
        next_review_at timestamptz,
        updated_at timestamptz not null
      )`);
    await q.query(`create index customers_stage on customer_360.customers (lifecycle_stage, customer_id)`);
    await q.query(`create index customers_value_tier on customer_360.customers (value_tier, customer_id)`);
    await q.query(`create index customers_membership_tier on customer_360.customers (membership_tier, customer_id)`);
    await q.query(`create index customers_tags on customer_360.customers using gin (tags)`);
    await q.query(`create index customers_interests on customer_360.customers using gin (interests)`);
    await q.query(`create index customers_segments on customer_360.customers using gin (segments)`);
    await q.query(`create index customers_net_spend on customer_360.customers (net_spend_365d desc, customer_id)`);
    await q.query(`create index customers_last_seen on customer_360.customers (last_seen_at desc nulls last, customer_id)`);
    await q.query(`create index customers_name on customer_360.customers (name)`);
    await q.query(`create index customers_phone on customer_360.customers (phone)`);
    await q.query(`create index customers_email on customer_360.customers (lower(email) collate "C")`);
    await q.query(`create index customers_review on customer_360.customers (next_review_at) where next_review_at is not null`);
    await q.query(`create index customers_birthday on customer_360.customers (birth_month, birth_day)`);

    await q.query(`
      create table customer_360.orders (
        customer_id text collate "C" not null,
        order_id text collate "C" not null,
        status text not null,
        total bigint,
        currency text,
        refunded bigint not null,
        items jsonb not null,
        history jsonb not null,
        channel text,
        placed_at timestamptz,
        updated_at timestamptz not null,
        primary key (customer_id, order_id)
      )`);
    await q.query(`
      create table customer_360.lifecycle_transitions (
        customer_id text collate "C" not null,
        seq integer not null,
        from_stage text not null,
        to_stage text not null,
        at timestamptz not null,
        cause jsonb not null,
        primary key (customer_id, seq)
      )`);
    await q.query(`create index lifecycle_transitions_at on customer_360.lifecycle_transitions (at)`);
    await q.query(`
      create table customer_360.surveys (
        customer_id text collate "C" not null,
        survey_key text collate "C" not null,
        kind text not null,
        score smallint not null,
        channel text not null,
        answered_at timestamptz not null,
        day date not null,
        primary key (customer_id, survey_key)
      )`);
    await q.query(`create index surveys_day on customer_360.surveys (day, channel)`);
    await q.query(`
      create table customer_360.complaints (
        customer_id text collate "C" not null,
        complaint_id text collate "C" not null,
        category text,
        severity text,
        filed_at timestamptz,
        filed_channel text,
        filed_day date,
        resolved_at timestamptz,
        resolved_channel text,
        resolved_day date,
        resolution_hours numeric,
        primary key (customer_id, complaint_id)
      )`);
    await q.query(`create index complaints_filed_day on customer_360.complaints (filed_day, filed_channel)`);
    await q.query(`create index complaints_resolved_day on customer_360.complaints (resolved_day, resolved_channel)`);
    await q.query(`
      create table customer_360.chats (
        customer_id text collate "C" not null,
        chat_id text collate "C" not null,
        started_at timestamptz,
        started_channel text,
        started_day date,
        ended_at timestamptz,
        ended_channel text,
        ended_day date,
        resolved boolean,
        primary key (customer_id, chat_id)
      )`);
    await q.query(`create index chats_started_day on customer_360.chats (started_day, started_channel)`);
    await q.query(`create index chats_ended_day on customer_360.chats (ended_day, ended_channel)`);
    // Views and cart adds are the only counters; this ledger keeps a re-delivered one from counting twice.
    await q.query(`create table customer_360.counted_events (event_id uuid primary key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop schema customer_360 cascade`);
  }
}
