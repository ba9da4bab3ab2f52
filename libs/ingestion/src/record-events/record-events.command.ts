import { Command } from '@nestjs/cqrs';
import { EventWriter } from './event-writer';

export type RecordedResult = { eventId: string; streamRevision: number; position: string; duplicate: boolean };

/** Append client events to their customers' streams; answered once durably stored. */
export class RecordEvents extends Command<RecordedResult[]> {
  constructor(
    readonly bodies: unknown[],
    /** A batch reports bad events by index; a single event by field only. */
    readonly batch: boolean,
    /** Who sends them: decides what a re-sent eventId may learn (docs/privacy.md). */
    readonly writer: EventWriter,
  ) {
    super();
  }
}
