import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AnalyticsQueries } from './customer-360/analytics';
import { AnalyticsController } from './customer-360/analytics.controller';
import { CUSTOMER_360_QUERY_HANDLERS } from './customer-360/customer-360.queries';
import { CustomerQueries } from './customer-360/customer-queries';
import { CustomersController } from './customer-360/customers.controller';
import { GetTimelineHandler } from './timeline/get-timeline.handler';
import { TimelineController } from './timeline/timeline.controller';

/** The `query` role: customer 360 profiles, orders, timelines and analytics. */
@Module({
  imports: [CqrsModule],
  controllers: [CustomersController, TimelineController, AnalyticsController],
  providers: [GetTimelineHandler, CustomerQueries, AnalyticsQueries, ...CUSTOMER_360_QUERY_HANDLERS],
})
export class CustomersModule {}
