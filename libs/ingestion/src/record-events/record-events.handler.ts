import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore } from '@tessera/event-store';
import { TESSERA_CONFIG, TesseraConfig, ValidationError, appendSeconds, eventsAppended, eventsRejected } from '@tessera/platform';
import { RecordEvents, RecordedResult } from './record-events.command';
import { prepareAppends } from './prepare-appends';

@CommandHandler(RecordEvents)
export class RecordEventsHandler implements ICommandHandler<RecordEvents> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
  ) {}

  async execute({ bodies, batch }: RecordEvents): Promise<RecordedResult[]> {
    const prepared = prepareAppends(bodies, { now: new Date(), currency: this.config.currency }, batch);
    if (!prepared.ok) {
      eventsRejected.inc({ reason: 'validation' }, bodies.length);
      throw new ValidationError(batch ? 'some events of the batch are not valid; nothing was stored' : 'the event is not valid; nothing was stored', prepared.errors);
    }
    const timer = appendSeconds.startTimer({ store: this.store.name });
    const results = await this.store.append(prepared.appends).finally(() => timer());
    const duplicates = results.filter((r) => r.duplicate).length;
    eventsAppended.inc({ result: 'stored' }, results.length - duplicates);
    eventsAppended.inc({ result: 'duplicate' }, duplicates);
    return results.map((r) => ({ eventId: r.eventId, streamRevision: Number(r.streamRevision), position: r.position, duplicate: r.duplicate }));
  }
}
