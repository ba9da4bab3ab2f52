import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { IDENTIFIER } from '@tessera/catalog';
import { AuthenticatedRequest, RequireScope, canReadPersonalData, FieldError, ValidationError } from '@tessera/platform';
import { GetTimeline, TimelinePage } from './get-timeline.query';

const MAX_LIMIT = 500;

@Controller('v1/customers')
@RequireScope('profiles:read')
export class TimelineController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/timeline')
  timeline(@Param('id') customerId: string, @Query('limit') limit: string | undefined, @Query('before') before: string | undefined, @Req() request: AuthenticatedRequest): Promise<TimelinePage> {
    const errors: FieldError[] = [];
    if (!IDENTIFIER.test(customerId)) errors.push({ pointer: '/path/id', rule: 'matches', message: 'the customer id must be 1–128 characters of A-Z a-z 0-9 . _ : @ -' });
    if (limit !== undefined && !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= MAX_LIMIT)) {
      errors.push({ pointer: '/query/limit', rule: 'range', message: `limit must be an integer from 1 to ${MAX_LIMIT}` });
    }
    if (before !== undefined && !/^\d{1,18}$/.test(before)) errors.push({ pointer: '/query/before', rule: 'isCursor', message: 'before must be a cursor from nextCursor (a stream revision)' });
    if (errors.length > 0) throw new ValidationError('the timeline request is not valid', errors);
    return this.queries.execute(new GetTimeline(customerId, limit === undefined ? 50 : Number(limit), before === undefined ? undefined : BigInt(before), canReadPersonalData(request.principal)));
  }
}
