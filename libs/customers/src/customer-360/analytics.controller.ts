import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CHANNELS } from '@tessera/catalog';
import { RequireScope, FieldError, ValidationError } from '@tessera/platform';
import { AnalyticsQueries } from './analytics';
import { GetLifecycleAnalytics, GetSatisfactionAnalytics, GetValueTierAnalytics } from './customer-360.queries';

@Controller('v1/analytics')
@RequireScope('analytics:read')
export class AnalyticsController {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly queries: QueryBus,
  ) {}

  /** Customers per stage now, and the transitions whose instant falls in the period. */
  @Get('lifecycle')
  lifecycle(@Query() query: Record<string, unknown>, @Query('from') from?: string, @Query('to') to?: string) {
    const errors = unknownParameters(query, ['from', 'to']);
    const period = this.analytics.period(from, to, errors);
    if (errors.length > 0) throw new ValidationError('the lifecycle request is not valid', errors);
    return this.queries.execute(new GetLifecycleAnalytics(period));
  }

  @Get('value-tiers')
  valueTiers(@Query() query: Record<string, unknown>) {
    const errors = unknownParameters(query, []);
    if (errors.length > 0) throw new ValidationError('the value-tiers request is not valid', errors);
    return this.queries.execute(new GetValueTierAnalytics());
  }

  @Get('satisfaction')
  satisfaction(@Query() query: Record<string, unknown>, @Query('from') from?: string, @Query('to') to?: string, @Query('channel') channel?: string) {
    const errors = unknownParameters(query, ['from', 'to', 'channel']);
    const period = this.analytics.period(from, to, errors);
    if (channel !== undefined && !(CHANNELS as readonly string[]).includes(channel)) {
      errors.push({ pointer: '/query/channel', rule: 'isIn', message: `channel must be one of ${CHANNELS.join(', ')}` });
    }
    if (errors.length > 0) throw new ValidationError('the satisfaction request is not valid', errors);
    return this.queries.execute(new GetSatisfactionAnalytics(period, channel));
  }
}

/** Like every list endpoint: a misspelt parameter is an error, not a silently wider answer. */
function unknownParameters(query: Record<string, unknown>, known: string[]): FieldError[] {
  return Object.keys(query)
    .filter((name) => !known.includes(name))
    .map((name) => ({ pointer: `/query/${name}`, rule: 'unknownParameter', message: `unknown parameter ${name}${known.length > 0 ? `; use ${known.join(', ')}` : ''}` }));
}
