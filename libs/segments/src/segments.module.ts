import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { SegmentsService } from './segments.service';

/** Segment definitions, backfills and time passes; wired in every role (backfills resume in `projector`). */
@Module({
  imports: [CqrsModule],
  providers: [SegmentsService],
  exports: [SegmentsService],
})
export class SegmentsModule {}
