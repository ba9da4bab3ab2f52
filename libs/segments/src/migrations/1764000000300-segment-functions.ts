import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQL helpers of the segment backfill. `tessera_days_to_birthday` is the SQL twin of
 * customers/customer-360/birthday.ts (29 February falls on the 28th in common years); the
 * segment equivalence test holds the two together.
 */
export class SegmentFunctions1764000000300 implements MigrationInterface {
  name = 'SegmentFunctions1764000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function tessera_days_to_birthday(month integer, day integer, today date) returns integer
      language sql immutable parallel safe as $$
        select min(birthday - today)
        from (
          select make_date(y, month, case when month = 2 and day = 29 and not (y % 4 = 0 and (y % 100 <> 0 or y % 400 = 0)) then 28 else day end) as birthday
          from (values (extract(year from today)::integer), (extract(year from today)::integer + 1)) as years (y)
          where month is not null and day is not null
        ) as next
        where birthday >= today
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function tessera_days_to_birthday(integer, integer, date)`);
  }
}
