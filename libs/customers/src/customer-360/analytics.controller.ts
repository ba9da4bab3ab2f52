import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CHANNELS } from '@tessera/catalog';
import { RequireScope } from '@tessera/platform/auth/api-key.guard';
import { FieldError, ValidationError } from '@tessera/platform/errors';
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
  lifecycle(@Query('from') from?: string, @Query('to') to?: string) {
    const errors: FieldError[] = [];
    const period = this.analytics.period(from, to, errors);
    if (errors.length > 0) throw new ValidationError('the lifecycle request is not valid', errors);
    return this.queries.execute(new GetLifecycleAnalytics(period));
  }

  @Get('value-tiers')
  valueTiers() {
    return this.queries.execute(new GetValueTierAnalytics());
  }

  @Get('satisfaction')
  satisfaction(@Query('from') from?: string, @Query('to') to?: string, @Query('channel') channel?: string) {
    const errors: FieldError[] = [];
    const period = this.analytics.period(from, to, errors);
    if (channel !== undefined && !(CHANNELS as readonly string[]).includes(channel)) {
      errors.push({ pointer: '/query/channel', rule: 'isIn', message: `channel must be one of ${CHANNELS.join(', ')}` });
    }
    if (errors.length > 0) throw new ValidationError('the satisfaction request is not valid', errors);
    return this.queries.execute(new GetSatisfactionAnalytics(period, channel));
  }
}
