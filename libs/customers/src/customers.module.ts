import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AnalyticsController, AnalyticsQueries } from './customer-360/analytics';
import { CustomerQueries } from './customer-360/customer-queries';
import { CustomersController } from './customer-360/customers.controller';
import { GetTimelineHandler } from './timeline/get-timeline.handler';
import { TimelineController } from './timeline/timeline.controller';

/** The `query` role: customer 360 profiles, orders, timelines and analytics. */
@Module({
  imports: [CqrsModule],
  controllers: [CustomersController, TimelineController, AnalyticsController],
  providers: [GetTimelineHandler, CustomerQueries, AnalyticsQueries],
})
export class CustomersModule {}
