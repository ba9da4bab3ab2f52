import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { KafkaIngestConsumer } from './kafka/kafka-ingest.consumer';
import { EventsController } from './record-events/events.controller';
import { EventWritersRepository } from './record-events/event-writers.repository';
import { RecordEventsHandler } from './record-events/record-events.handler';

/** The `ingest` role: customer facts in, once, to the event store, over HTTP and from Kafka. */
@Module({
  imports: [CqrsModule],
  controllers: [EventsController],
  providers: [RecordEventsHandler, EventWritersRepository, KafkaIngestConsumer],
})
export class IngestionModule {}
