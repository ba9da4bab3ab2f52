import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { SegmentQueries } from './segment-queries';
import { ChangeSegmentHandler, DefineSegmentHandler, DeleteSegmentHandler } from './segments.commands';
import { CustomerSegmentsController, SegmentsController } from './segments.controller';
import { SegmentsModule } from './segments.module';

/** The segments HTTP API (role `query`). */
@Module({
  imports: [CqrsModule, SegmentsModule],
  controllers: [SegmentsController, CustomerSegmentsController],
  providers: [SegmentQueries, DefineSegmentHandler, ChangeSegmentHandler, DeleteSegmentHandler],
})
export class SegmentsApiModule {}
