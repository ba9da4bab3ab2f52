import { Query } from '@nestjs/cqrs';

export type TimelineItem = {
  eventId: string;
  type: string;
  occurredAt: string;
  recordedAt: string;
  channel: string;
  streamRevision: number;
  position: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
};

export type TimelinePage = { items: TimelineItem[]; nextCursor: string | null };

/** A customer's events from the event store, newest first by stream revision (DESIGN §11). */
export class GetTimeline extends Query<TimelinePage> {
  constructor(
    readonly customerId: string,
    readonly limit: number,
    /** Exclusive stream revision: only older events. */
    readonly before: bigint | undefined,
    readonly showPersonalData: boolean,
  ) {
    super();
  }
}
