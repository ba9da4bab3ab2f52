import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GetTimelineHandler } from './timeline/get-timeline.handler';
import { TimelineController } from './timeline/timeline.controller';

/** The `query` role's customer views; profiles and orders join here with the read models. */
@Module({
  imports: [CqrsModule],
  controllers: [TimelineController],
  providers: [GetTimelineHandler],
})
export class CustomersModule {}
