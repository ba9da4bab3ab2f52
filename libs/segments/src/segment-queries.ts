import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, NotFoundError } from '@tessera/platform';
import { Pool } from 'pg';
import { isBuiltIn } from './membership/memberships';

export type Page<T> = { items: T[]; nextCursor: string | null };
export type MemberView = { customerId: string; since: string | null; ruleVersion: number; cause: unknown };
export type MembershipView = { segmentId: string; segmentName: string; builtIn: boolean; ruleVersion: number; since: string | null; cause: unknown };
export type ChangeView = { segmentId: string; kind: 'entered' | 'exited'; at: string; ruleVersion: number; cause: unknown; recordedAt: string };
export type CustomerSegments = { customerId: string; segments: MembershipView[]; history: ChangeView[] };

const HISTORY_LIMIT = 500;

/** Read side of segments: members of a segment, and a customer's memberships with their causes. */
@Injectable()
export class SegmentQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Members in customer id order; the cursor is the last id of the previous page. */
  async members(segmentId: string, limit: number, cursor: string | undefined): Promise<Page<MemberView>> {
    const after = cursor === undefined ? null : Buffer.from(cursor, 'base64url').toString('utf8');
    const builtIn = isBuiltIn(segmentId);
    const { rows } = builtIn
      ? await this.pool.query<{ customer_id: string; since: Date | null; rule_version: number; cause: unknown }>(
          `select c.customer_id, e.at as since, 1 as rule_version, e.cause
           from customer_360.customers c
           left join lateral (select at, cause from customer_360.segment_changes h where h.customer_id = c.customer_id and h.segment_id = $1 and h.kind = 'entered' order by at desc, recorded_at desc limit 1) e on true
           where c.segments @> array[$1::text] and ($2::text is null or c.customer_id > $2) order by c.customer_id limit $3`,
          [segmentId, after, limit + 1],
        )
      : await this.pool.query<{ customer_id: string; since: Date | null; rule_version: number; cause: unknown }>(
          `select customer_id, since, rule_version, cause from customer_360.segment_members
           where segment_id = $1 and ($2::text is null or customer_id > $2) order by customer_id limit $3`,
          [segmentId, after, limit + 1],
        );
    if (rows.length === 0 && after === null && !builtIn) {
      const { rowCount } = await this.pool.query(`select 1 from segments.definitions where segment_id = $1 and deleted_at is null`, [segmentId]);
      if (rowCount === 0) throw new NotFoundError(`no segment ${segmentId}`);
    }
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({ customerId: r.customer_id, since: r.since?.toISOString() ?? null, ruleVersion: r.rule_version, cause: r.cause })),
      nextCursor: rows.length > limit ? Buffer.from(page[page.length - 1].customer_id, 'utf8').toString('base64url') : null,
    };
  }

  /** Current memberships (built-in and custom) with since/cause, and the latest changes, newest first. */
  async ofCustomer(customerId: string): Promise<CustomerSegments> {
    const customer = await this.pool.query<{ segments: string[] }>(`select segments from customer_360.customers where customer_id = $1`, [customerId]);
    if (customer.rows.length === 0) throw new NotFoundError(`no customer ${customerId} (read models are eventually consistent: a customer appears shortly after its first event)`);
    const history = await this.pool.query<{ segment_id: string; kind: 'entered' | 'exited'; at: Date; rule_version: number; cause: unknown; recorded_at: Date }>(
      `select segment_id, kind, at, rule_version, cause, recorded_at from customer_360.segment_changes where customer_id = $1 order by at desc, recorded_at desc limit ${HISTORY_LIMIT}`,
      [customerId],
    );
    const custom = await this.pool.query<{ segment_id: string; name: string; rule_version: number; since: Date; cause: unknown }>(
      `select m.segment_id, d.name, m.rule_version, m.since, m.cause from customer_360.segment_members m
       join segments.definitions d on d.segment_id = m.segment_id and d.deleted_at is null
       where m.customer_id = $1 order by m.segment_id`,
      [customerId],
    );
    const latestEntry = new Map<string, { at: Date; cause: unknown }>();
    for (const h of history.rows) if (h.kind === 'entered' && !latestEntry.has(h.segment_id)) latestEntry.set(h.segment_id, { at: h.at, cause: h.cause });
    const builtIn: MembershipView[] = customer.rows[0].segments.map((id) => ({
      segmentId: id,
      segmentName: id,
      builtIn: true,
      ruleVersion: 1,
      since: latestEntry.get(id)?.at.toISOString() ?? null,
      cause: latestEntry.get(id)?.cause ?? null,
    }));
    return {
      customerId,
      segments: [
        ...builtIn,
        ...custom.rows.map((m) => ({ segmentId: m.segment_id, segmentName: m.name, builtIn: false, ruleVersion: m.rule_version, since: m.since.toISOString(), cause: m.cause })),
      ],
      history: history.rows.map((h) => ({ segmentId: h.segment_id, kind: h.kind, at: h.at.toISOString(), ruleVersion: h.rule_version, cause: h.cause, recordedAt: h.recorded_at.toISOString() })),
    };
  }
}
