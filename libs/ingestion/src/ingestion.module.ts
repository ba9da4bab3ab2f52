import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EventsController } from './record-events/events.controller';
import { RecordEventsHandler } from './record-events/record-events.handler';

/** The `ingest` role: customer facts in, once, to the event store. */
@Module({
  imports: [CqrsModule],
  controllers: [EventsController],
  providers: [RecordEventsHandler],
})
export class IngestionModule {}
