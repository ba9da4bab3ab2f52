import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { customerStream, maskEventData } from '@tessera/catalog';
import { EVENT_STORE, EventStore } from '@tessera/event-store';
import { NotFoundError } from '@tessera/platform';
import { GetTimeline, TimelinePage } from './get-timeline.query';

@QueryHandler(GetTimeline)
export class GetTimelineHandler implements IQueryHandler<GetTimeline> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ customerId, limit, before, showPersonalData }: GetTimeline): Promise<TimelinePage> {
    if (before !== undefined && before <= 0n) return { items: [], nextCursor: null };
    const events = await this.store.readStream(customerStream(customerId), {
      direction: 'backwards',
      fromRevision: before === undefined ? undefined : before - 1n,
      maxCount: limit + 1,
    });
    if (events.length === 0 && before === undefined) throw new NotFoundError(`no events for customer ${customerId}`);
    const page = events.slice(0, limit);
    return {
      items: page.map((e) => ({
        eventId: e.eventId,
        type: e.type,
        occurredAt: e.occurredAt,
        recordedAt: e.recordedAt,
        channel: e.channel,
        streamRevision: Number(e.streamRevision),
        position: e.position,
        data: showPersonalData ? e.data : maskEventData(e.type, e.data),
        metadata: e.metadata,
      })),
      nextCursor: events.length > limit ? page[page.length - 1].streamRevision.toString() : null,
    };
  }
}
