import { Inject, Injectable } from '@nestjs/common';
import { maskEventData } from '@tessera/catalog';
import { TESSERA_CONFIG, TesseraConfig, DATA_SOURCE, PG_POOL, ForbiddenError, NotFoundError } from '@tessera/platform';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { daysToBirthday } from './birthday';
import { CustomerProfile } from './customer-profile';
import { Stage } from './lifecycle';
import { maskProfile } from './mask-profile';
import { CustomerRecord, OrderRecord } from './read-model.entities';
import { ValueTier } from './value-tier';
import { isBuiltIn } from '@tessera/segments';

export type ProfileView = CustomerProfile & { daysToBirthday: number | null; updatedAt: string };
export type CustomerSort = 'customerId' | '-netSpend365d' | '-lastSeenAt';
export type CustomerFilter = {
  stage?: Stage;
  valueTier?: ValueTier;
  membershipTier?: string;
  tag?: string;
  interest?: string;
  segment?: string;
  q?: string;
};
export type Page<T> = { items: T[]; nextCursor: string | null };

type Cursor = { v: string | null; id: string };

/** Reads of the customer 360 read models; masking is applied here, once, for every answer. */
@Injectable()
export class CustomerQueries {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
  ) {}

  async profile(customerId: string, readPersonalData: boolean): Promise<ProfileView> {
    const record = await this.dataSource.getRepository(CustomerRecord).findOne({ where: { customerId }, select: { customerId: true, profile: true, updatedAt: true } });
    if (!record) throw new NotFoundError(`no customer ${customerId} (read models are eventually consistent: a customer appears shortly after its first event)`);
    const { rows } = await this.pool.query<{ custom_segments: string[] }>(`select ${CUSTOM_SEGMENTS} as custom_segments from (select $1::text as customer_id) c`, [customerId]);
    return this.view(record.profile, record.updatedAt, readPersonalData, rows[0].custom_segments);
  }

  async orders(customerId: string, readPersonalData: boolean): Promise<Page<OrderView>> {
    const orders = await this.dataSource.getRepository(OrderRecord).find({ where: { customerId }, order: { placedAt: { direction: 'DESC', nulls: 'LAST' }, orderId: 'ASC' } });
    if (orders.length === 0) await this.profile(customerId, false);
    const items = orders.map(orderView);
    return { items: readPersonalData ? items : items.map(maskOrder), nextCursor: null };
  }

  /** Filtered, cursor-paginated list (DESIGN §11). Parameterised SQL only. */
  async list(filter: CustomerFilter, sort: CustomerSort, limit: number, cursor: string | undefined, readPersonalData: boolean): Promise<Page<ProfileView>> {
    // Any answer to a personal-data search tells what the masked fields hold (docs/privacy.md).
    if (filter.q !== undefined && !readPersonalData) throw new ForbiddenError('searching by name, phone or email (q) needs the pii:read scope', 'pii:read');
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.stage) where.push(`lifecycle_stage = ${param(filter.stage)}`);
    if (filter.valueTier) where.push(`value_tier = ${param(filter.valueTier)}`);
    if (filter.membershipTier) where.push(`membership_tier = ${param(filter.membershipTier)}`);
    if (filter.tag) where.push(`tags @> array[${param(filter.tag)}]`);
    if (filter.interest) where.push(`interests @> array[${param(filter.interest)}]`);
    if (filter.segment) {
      // Built-in ids (with a colon) are in the row; custom segments have member rows.
      where.push(isBuiltIn(filter.segment) ? `segments @> array[${param(filter.segment)}]` : `exists (select 1 from customer_360.segment_members m join segments.definitions d on d.segment_id = m.segment_id and d.deleted_at is null where m.segment_id = ${param(filter.segment)} and m.customer_id = c.customer_id)`);
    }
    if (filter.q) where.push(searchClause(filter.q, param));
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const { column, order } = SORTS[sort];
    if (after) where.push(cursorClause(sort, after, param));
    const { rows } = await this.pool.query<{ customer_id: string; profile: CustomerProfile; updated_at: Date; sort_value: string | null; custom_segments: string[] }>(
      `select customer_id, profile, updated_at, ${column}::text as sort_value, ${CUSTOM_SEGMENTS} as custom_segments from customer_360.customers c
       ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
       order by ${order} limit ${param(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => this.view(r.profile, r.updated_at, readPersonalData, r.custom_segments)),
      nextCursor: rows.length > limit && last ? encodeCursor({ v: sort === 'customerId' ? null : last.sort_value, id: last.customer_id }) : null,
    };
  }

  private view(profile: CustomerProfile, updatedAt: Date, readPersonalData: boolean, customSegments: string[]): ProfileView {
    const days = profile.birthday ? daysToBirthday(profile.birthday, Date.now(), this.config.timezone) : null;
    const shown = readPersonalData ? profile : maskProfile(profile);
    return { ...shown, segments: [...profile.segments, ...customSegments], daysToBirthday: days, updatedAt: updatedAt.toISOString() };
  }
}

export type OrderView = {
  orderId: string;
  status: string;
  total: number | null;
  currency: string | null;
  refunded: number;
  items: OrderRecord['items'];
  history: OrderRecord['history'];
  channel: string | null;
  placedAt: string | null;
};

/** Free text on status changes masked by the catalog's marks of the event that carried it. */
function maskOrder(order: OrderView): OrderView {
  const typeOf: Record<string, string> = { cancelled: 'OrderCancelled', refunded: 'OrderRefunded', paid: 'OrderPaid', shipped: 'OrderShipped' };
  return {
    ...order,
    history: order.history.map((change) => {
      const type = typeOf[change.status];
      if (!type) return change;
      const { status, at, ...data } = change;
      return { status, at, ...maskEventData(type, data) } as typeof change;
    }),
  };
}

function orderView(order: OrderRecord): OrderView {
  return {
    orderId: order.orderId,
    status: order.status,
    total: order.total === null ? null : Number(order.total),
    currency: order.currency,
    refunded: Number(order.refunded),
    items: order.items,
    history: order.history,
    channel: order.channel,
    placedAt: order.placedAt?.toISOString() ?? null,
  };
}

/** The custom segments of row `c` (built-in ones are in the profile document). */
const CUSTOM_SEGMENTS = `array(select m.segment_id from customer_360.segment_members m join segments.definitions d on d.segment_id = m.segment_id and d.deleted_at is null
  where m.customer_id = c.customer_id order by m.segment_id)`;

const SORTS: Record<CustomerSort, { column: string; order: string }> = {
  customerId: { column: 'customer_id', order: 'customer_id' },
  '-netSpend365d': { column: 'net_spend_365d', order: 'net_spend_365d desc, customer_id' },
  '-lastSeenAt': { column: 'last_seen_at', order: 'last_seen_at desc nulls last, customer_id' },
};

function cursorClause(sort: CustomerSort, after: Cursor, param: (v: unknown) => string): string {
  if (sort === 'customerId') return `customer_id > ${param(after.id)}`;
  const column = SORTS[sort].column;
  const type = sort === '-netSpend365d' ? 'bigint' : 'timestamptz';
  if (after.v === null) return `(${column} is null and customer_id > ${param(after.id)})`;
  const v = param(after.v);
  return `(${column} < ${v}::${type} or (${column} = ${v}::${type} and customer_id > ${param(after.id)}) or ${column} is null)`;
}

/** Name, phone or email prefix (Chinese names included); only keys with pii:read get here. */
function searchClause(q: string, param: (v: unknown) => string): string {
  const prefix = `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const clauses = [`name like ${param(prefix)}`];
  if (/^\+?\d+$/.test(q)) clauses.push(q.startsWith('+') ? `phone like ${param(prefix)}` : `(phone like ${param(`+86${prefix}`)} or phone like ${param(`+${prefix}`)})`);
  if (/[@.A-Za-z]/.test(q)) clauses.push(`lower(email) like ${param(prefix.toLowerCase())}`);
  return `(${clauses.join(' or ')})`;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.v, cursor.id])).toString('base64url');
}

/** Undefined when the text is not one of our cursors. */
export function decodeCursor(text: string): Cursor | undefined {
  try {
    const [v, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if ((v === null || typeof v === 'string') && typeof id === 'string') return { v, id };
  } catch {
    // fall through
  }
  return undefined;
}
