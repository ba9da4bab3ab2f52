import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { IDENTIFIER } from '@tessera/catalog';
import { isStorableInstant, AuthenticatedRequest, RequireScope, canReadPersonalData, FieldError, ValidationError } from '@tessera/platform';
import { CustomerFilter, CustomerSort, decodeCursor, OrderView, Page, ProfileView } from './customer-queries';
import { GetCustomerOrders, GetCustomerProfile, ListCustomers } from './customer-360.queries';
import { Stage, STAGES } from './lifecycle';
import { VALUE_TIERS, ValueTier } from './value-tier';

const SORTS: CustomerSort[] = ['customerId', '-netSpend365d', '-lastSeenAt'];
const MAX_LIMIT = 500;
const SLUG = /^[A-Za-z0-9._:@-]{1,128}$/;

type ListQuery = Partial<Record<'stage' | 'valueTier' | 'membershipTier' | 'tag' | 'interest' | 'segment' | 'q' | 'sort' | 'limit' | 'cursor', string>>;

@Controller('v1/customers')
@RequireScope('profiles:read')
export class CustomersController {
  constructor(private readonly queries: QueryBus) {}

  /** Filtered, sorted, cursor-paginated profiles (DESIGN §6, §11). */
  @Get()
  list(@Query() query: ListQuery, @Req() request: AuthenticatedRequest): Promise<Page<ProfileView>> {
    const errors: FieldError[] = [];
    const bad = (name: string, rule: string, message: string) => errors.push({ pointer: `/query/${name}`, rule, message });
    const known = new Set(['stage', 'valueTier', 'membershipTier', 'tag', 'interest', 'segment', 'q', 'sort', 'limit', 'cursor']);
    for (const name of Object.keys(query)) if (!known.has(name)) bad(name, 'unknownParameter', `unknown parameter ${name}; use ${[...known].join(', ')}`);
    for (const [name, value] of Object.entries(query)) if (Array.isArray(value)) bad(name, 'single', `${name} may be given once`);
    if (query.stage !== undefined && !(STAGES as readonly string[]).includes(query.stage)) bad('stage', 'isIn', `stage must be one of ${STAGES.join(', ')}`);
    if (query.valueTier !== undefined && !(VALUE_TIERS as readonly string[]).includes(query.valueTier)) bad('valueTier', 'isIn', `valueTier must be one of ${VALUE_TIERS.join(', ')}`);
    for (const name of ['membershipTier', 'tag', 'interest', 'segment'] as const) {
      const value = query[name];
      if (value !== undefined && !SLUG.test(value)) bad(name, 'matches', `${name} must be 1–128 characters of A-Z a-z 0-9 . _ : @ -`);
    }
    if (query.q !== undefined && (query.q.trim() === '' || Array.from(query.q).length > 64)) bad('q', 'length', 'q must be 1–64 characters');
    if (query.sort !== undefined && !(SORTS as string[]).includes(query.sort)) bad('sort', 'isIn', `sort must be one of ${SORTS.join(', ')}`);
    if (query.limit !== undefined && !(/^\d+$/.test(query.limit) && Number(query.limit) >= 1 && Number(query.limit) <= MAX_LIMIT)) bad('limit', 'range', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    if (query.cursor !== undefined && !cursorFits(query.cursor, query.sort ?? 'customerId')) bad('cursor', 'isCursor', 'cursor must be a nextCursor value from a previous page with the same sort');
    if (errors.length > 0) throw new ValidationError('the customer list request is not valid', errors);
    const filter: CustomerFilter = {
      stage: query.stage as Stage | undefined,
      valueTier: query.valueTier as ValueTier | undefined,
      membershipTier: query.membershipTier,
      tag: query.tag,
      interest: query.interest,
      segment: query.segment,
      q: query.q?.trim(),
    };
    return this.queries.execute(new ListCustomers(filter, (query.sort ?? 'customerId') as CustomerSort, query.limit === undefined ? 50 : Number(query.limit), query.cursor, canReadPersonalData(request.principal)));
  }

  /** The customer 360 profile; personal data masked without pii:read. */
  @Get(':id')
  profile(@Param('id') customerId: string, @Req() request: AuthenticatedRequest): Promise<ProfileView> {
    checkId(customerId);
    return this.queries.execute(new GetCustomerProfile(customerId, canReadPersonalData(request.principal)));
  }

  /** Order history with status and every status change, newest order first. */
  @Get(':id/orders')
  orders(@Param('id') customerId: string, @Req() request: AuthenticatedRequest): Promise<Page<OrderView>> {
    checkId(customerId);
    return this.queries.execute(new GetCustomerOrders(customerId, canReadPersonalData(request.principal)));
  }
}

/**
 * A cursor carries the sort value and customer id of its last row: a forged one must hold values
 * PostgreSQL takes (a real id, a real instant), or the query would fail rather than answer 400.
 */
function cursorFits(text: string, sort: string): boolean {
  const cursor = decodeCursor(text);
  if (!cursor || !IDENTIFIER.test(cursor.id)) return false;
  if (sort === 'customerId') return cursor.v === null;
  if (cursor.v === null) return true;
  return sort === '-netSpend365d' ? /^-?\d{1,18}$/.test(cursor.v) : isStorableInstant(cursor.v);
}

function checkId(customerId: string): void {
  if (!IDENTIFIER.test(customerId)) {
    throw new ValidationError('the customer id is not valid', [{ pointer: '/path/id', rule: 'matches', message: 'the customer id must be 1–128 characters of A-Z a-z 0-9 . _ : @ -' }]);
  }
}
