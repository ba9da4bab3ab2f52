import { Inject, Injectable } from '@nestjs/common';
import { isCalendarDate, dayOf, TESSERA_CONFIG, TesseraConfig, PG_POOL, FieldError } from '@tessera/platform';
import { Pool } from 'pg';
import { STAGES } from './lifecycle';
import { npsFromCounts, round2 } from './satisfaction';
import { DAY_MS } from './time';
import { VALUE_TIERS } from './value-tier';

export type Period = { from: string; to: string };
export type SatisfactionDay = {
  date: string;
  channel: string;
  csatCount: number;
  csatAverage: number | null;
  csatSatisfiedShare: number | null;
  npsResponses: number;
  npsPromoters: number;
  npsPassives: number;
  npsDetractors: number;
  npsScore: number | null;
  complaintsFiled: number;
  complaintsResolved: number;
  resolutionHoursMedian: number | null;
  resolutionHoursP90: number | null;
  chatsStarted: number;
  chatsEnded: number;
  chatResolvedShare: number | null;
};

const MAX_PERIOD_DAYS = 366;

/** Distributions and daily series over the customer 360 read models (DESIGN §4, §6). */
@Injectable()
export class AnalyticsQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
  ) {}

  async lifecycle(period: Period) {
    const [{ rows: stages }, { rows: transitions }] = await Promise.all([
      this.pool.query<{ stage: string; n: string }>(`select lifecycle_stage as stage, count(*) as n from customer_360.customers group by 1`),
      this.pool.query<{ from_stage: string; to_stage: string; n: string }>(
        `select from_stage, to_stage, count(*) as n from customer_360.lifecycle_transitions
         where at >= ($1::date)::timestamp at time zone $3 and at < ($2::date + 1)::timestamp at time zone $3
         group by 1, 2 order by 1, 2`,
        [period.from, period.to, this.config.timezone],
      ),
    ]);
    const counts = Object.fromEntries(STAGES.map((s) => [s, 0]));
    for (const r of stages) counts[r.stage] = Number(r.n);
    return { stages: counts, period, transitions: transitions.map((t) => ({ from: t.from_stage, to: t.to_stage, count: Number(t.n) })) };
  }

  async valueTiers() {
    const { rows } = await this.pool.query<{ tier: string; n: string; spend: string }>(
      `select value_tier as tier, count(*) as n, coalesce(sum(net_spend_365d), 0) as spend from customer_360.customers group by 1`,
    );
    const tiers = Object.fromEntries(VALUE_TIERS.map((t) => [t, 0]));
    const netSpend365d = Object.fromEntries(VALUE_TIERS.map((t) => [t, 0]));
    for (const r of rows) {
      tiers[r.tier] = Number(r.n);
      netSpend365d[r.tier] = Number(r.spend);
    }
    return { tiers, netSpend365d };
  }

  /** Daily series per channel; each figure lands on the day and channel of the event completing it. */
  async satisfaction(period: Period, channel: string | undefined): Promise<{ series: SatisfactionDay[]; period: Period }> {
    const { rows } = await this.pool.query(
      `with
       surveys as (
         select day, channel,
           count(*) filter (where kind = 'CSAT') as csat_count,
           round(avg(score) filter (where kind = 'CSAT'), 2) as csat_average,
           count(*) filter (where kind = 'CSAT' and score >= 4) as csat_satisfied,
           count(*) filter (where kind = 'NPS') as nps_responses,
           count(*) filter (where kind = 'NPS' and score >= 9) as nps_promoters,
           count(*) filter (where kind = 'NPS' and score between 7 and 8) as nps_passives,
           count(*) filter (where kind = 'NPS' and score <= 6) as nps_detractors
         from customer_360.surveys where day between $1 and $2 and ($3::text is null or channel = $3) group by 1, 2),
       filed as (
         select filed_day as day, filed_channel as channel, count(*) as complaints_filed
         from customer_360.complaints where filed_day between $1 and $2 and ($3::text is null or filed_channel = $3) group by 1, 2),
       resolved as (
         select resolved_day as day, resolved_channel as channel, count(*) as complaints_resolved,
           round(percentile_cont(0.5) within group (order by resolution_hours)::numeric, 2) as hours_median,
           round(percentile_cont(0.9) within group (order by resolution_hours)::numeric, 2) as hours_p90
         from customer_360.complaints where resolved_day between $1 and $2 and ($3::text is null or resolved_channel = $3) group by 1, 2),
       started as (
         select started_day as day, started_channel as channel, count(*) as chats_started
         from customer_360.chats where started_day between $1 and $2 and ($3::text is null or started_channel = $3) group by 1, 2),
       ended as (
         select ended_day as day, ended_channel as channel, count(*) as chats_ended, count(*) filter (where resolved) as chats_resolved
         from customer_360.chats where ended_day between $1 and $2 and ($3::text is null or ended_channel = $3) group by 1, 2),
       days as (
         select day, channel from surveys union select day, channel from filed union select day, channel from resolved
         union select day, channel from started union select day, channel from ended)
       select to_char(day, 'YYYY-MM-DD') as date, channel, surveys.csat_count, surveys.csat_average, surveys.csat_satisfied, surveys.nps_responses,
         surveys.nps_promoters, surveys.nps_passives, surveys.nps_detractors, filed.complaints_filed, resolved.complaints_resolved, resolved.hours_median, resolved.hours_p90,
         started.chats_started, ended.chats_ended, ended.chats_resolved
       from days left join surveys using (day, channel) left join filed using (day, channel) left join resolved using (day, channel)
         left join started using (day, channel) left join ended using (day, channel)
       order by day, channel`,
      [period.from, period.to, channel ?? null],
    );
    const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
    // PostgreSQL rounds the averages and percentiles (numeric, exact); shares are exact integer ratios.
    const maybe = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return {
      period,
      series: rows.map((r: Record<string, unknown>) => {
        const npsResponses = n(r.nps_responses);
        const chatsEnded = n(r.chats_ended);
        const csatCount = n(r.csat_count);
        return {
          date: String(r.date),
          channel: String(r.channel),
          csatCount,
          csatAverage: maybe(r.csat_average),
          csatSatisfiedShare: csatCount === 0 ? null : round2(n(r.csat_satisfied), csatCount),
          npsResponses,
          npsPromoters: n(r.nps_promoters),
          npsPassives: n(r.nps_passives),
          npsDetractors: n(r.nps_detractors),
          npsScore: npsFromCounts(n(r.nps_promoters), n(r.nps_detractors), npsResponses),
          complaintsFiled: n(r.complaints_filed),
          complaintsResolved: n(r.complaints_resolved),
          resolutionHoursMedian: maybe(r.hours_median),
          resolutionHoursP90: maybe(r.hours_p90),
          chatsStarted: n(r.chats_started),
          chatsEnded,
          chatResolvedShare: chatsEnded === 0 ? null : round2(n(r.chats_resolved), chatsEnded),
        };
      }),
    };
  }

  /** `from`/`to` inclusive dates in the deployment's time zone; default: the last 30 days. */
  period(from: string | undefined, to: string | undefined, errors: FieldError[]): Period {
    const today = dayOf(Date.now(), this.config.timezone);
    const valid = (name: string, value: string | undefined) => {
      if (value === undefined) return true;
      // a real day PostgreSQL's date takes (no 2024-02-30, no year 0000)
      if (isCalendarDate(value)) return true;
      errors.push({ pointer: `/query/${name}`, rule: 'isDate', message: `${name} must be a date YYYY-MM-DD` });
      return false;
    };
    const okFrom = valid('from', from);
    const okTo = valid('to', to);
    const end = okTo && to ? to : today;
    const start = okFrom && from ? from : dayOf(Date.parse(`${end}T12:00:00Z`) - 29 * DAY_MS, 'UTC');
    if (okFrom && okTo) {
      const days = (Date.parse(end) - Date.parse(start)) / DAY_MS;
      if (days < 0) errors.push({ pointer: '/query/from', rule: 'order', message: 'from must not be after to' });
      else if (days >= MAX_PERIOD_DAYS) errors.push({ pointer: '/query/to', rule: 'range', message: `a period covers at most ${MAX_PERIOD_DAYS} days` });
    }
    return { from: start, to: end };
  }
}
