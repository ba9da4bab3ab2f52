import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { IDENTIFIER } from '@tessera/catalog';
import { RequireScope, escapePointer, FieldError, ValidationError } from '@tessera/platform';
import { checkSegmentInput } from './segment-definition';
import { CustomerSegments, MemberView, Page, SegmentQueries } from './segment-queries';
import { ChangeSegment, DefineSegment, DeleteSegment } from './segments.commands';
import { SegmentsService, SegmentVersionView, SegmentView } from './segments.service';

const MAX_LIMIT = 500;
const ANY_SEGMENT_ID = /^[a-z0-9-]{1,64}$|^[a-z]+:[A-Za-z0-9._@-]{1,128}$/;

/** Segment definitions, sizes and members (DESIGN §5, §6, §11). */
@Controller('v1/segments')
export class SegmentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly segments: SegmentsService,
    private readonly queries: SegmentQueries,
  ) {}

  /** Built-in and custom segments with their sizes; custom ones with rule, version and backfill. */
  @Get()
  @RequireScope('analytics:read')
  async list(): Promise<{ items: SegmentView[]; nextCursor: null }> {
    return { items: await this.segments.list(), nextCursor: null };
  }

  @Post()
  @HttpCode(201)
  @RequireScope('segments:write')
  create(@Body() body: unknown): Promise<SegmentView> {
    const checked = checkSegmentInput(body, true);
    if (!checked.ok) throw new ValidationError('the segment is not valid; nothing was saved', checked.errors);
    return this.commands.execute(new DefineSegment(checked.input));
  }

  @Get(':id')
  @RequireScope('analytics:read')
  get(@Param('id') id: string): Promise<SegmentView> {
    checkSegmentId(id);
    return this.segments.get(id);
  }

  /** Every saved version of a custom segment, oldest first. */
  @Get(':id/versions')
  @RequireScope('analytics:read')
  async versions(@Param('id') id: string): Promise<{ items: SegmentVersionView[]; nextCursor: null }> {
    checkSegmentId(id);
    return { items: await this.segments.versions(id), nextCursor: null };
  }

  @Put(':id')
  @RequireScope('segments:write')
  update(@Param('id') id: string, @Body() body: unknown): Promise<SegmentView> {
    checkSegmentId(id);
    const checked = checkSegmentInput(body, false);
    if (!checked.ok) throw new ValidationError('the segment is not valid; nothing was saved', checked.errors);
    return this.commands.execute(new ChangeSegment(id, checked.input));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('segments:write')
  async remove(@Param('id') id: string): Promise<void> {
    checkSegmentId(id);
    await this.commands.execute(new DeleteSegment(id));
  }

  @Get(':id/members')
  @RequireScope('analytics:read')
  members(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<Page<MemberView>> {
    checkSegmentId(id);
    const errors: FieldError[] = [];
    for (const name of Object.keys(query)) if (name !== 'limit' && name !== 'cursor') errors.push({ pointer: `/query/${escapePointer(name)}`, rule: 'unknownParameter', message: `unknown parameter ${name}; use limit, cursor` });
    const limit = query.limit;
    if (limit !== undefined && !(typeof limit === 'string' && /^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= MAX_LIMIT)) {
      errors.push({ pointer: '/query/limit', rule: 'range', message: `limit must be an integer from 1 to ${MAX_LIMIT}` });
    }
    const cursor = query.cursor;
    if (cursor !== undefined && !(typeof cursor === 'string' && /^[A-Za-z0-9_-]{1,200}$/.test(cursor) && IDENTIFIER.test(Buffer.from(cursor, 'base64url').toString('utf8')))) errors.push({ pointer: '/query/cursor', rule: 'isCursor', message: 'cursor must be a nextCursor value from a previous page' });
    if (errors.length > 0) throw new ValidationError('the members request is not valid', errors);
    return this.queries.members(id, limit === undefined ? 100 : Number(limit), cursor as string | undefined);
  }
}

/** A customer's current memberships and their history, each with its cause. */
@Controller('v1/customers')
export class CustomerSegmentsController {
  constructor(private readonly queries: SegmentQueries) {}

  @Get(':id/segments')
  @RequireScope('profiles:read')
  segments(@Param('id') customerId: string): Promise<CustomerSegments> {
    if (!IDENTIFIER.test(customerId)) {
      throw new ValidationError('the customer id is not valid', [{ pointer: '/path/id', rule: 'matches', message: 'the customer id must be 1–128 characters of A-Z a-z 0-9 . _ : @ -' }]);
    }
    return this.queries.ofCustomer(customerId);
  }
}

function checkSegmentId(id: string): void {
  if (!ANY_SEGMENT_ID.test(id)) {
    throw new ValidationError('the segment id is not valid', [{ pointer: '/path/id', rule: 'matches', message: 'a segment id is a slug of a-z 0-9 - (1–64), or a built-in id such as value:high' }]);
  }
}
