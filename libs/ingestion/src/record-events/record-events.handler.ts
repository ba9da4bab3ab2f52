import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AppendedEvent, EVENT_STORE, EventStore, PartialAppendError, StreamAppend } from '@tessera/event-store';
import { TESSERA_CONFIG, TesseraConfig, ValidationError, appendSeconds, eventsAppended, eventsRejected } from '@tessera/platform';
import { RecordEvents, RecordedResult } from './record-events.command';
import { EventIdTakenError, EventWriter, foreignEventIds } from './event-writer';
import { EventWritersRepository } from './event-writers.repository';
import { prepareAppends } from './prepare-appends';

@CommandHandler(RecordEvents)
export class RecordEventsHandler implements ICommandHandler<RecordEvents> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly writers: EventWritersRepository,
  ) {}

  async execute({ bodies, batch, writer }: RecordEvents): Promise<RecordedResult[]> {
    const prepared = prepareAppends(bodies, { now: new Date(), currency: this.config.currency }, batch);
    if (!prepared.ok) {
      eventsRejected.inc({ reason: 'validation' }, bodies.length);
      throw new ValidationError(batch ? 'some events of the batch are not valid; nothing was stored' : 'the event is not valid; nothing was stored', prepared.errors);
    }
    const timer = appendSeconds.startTimer({ store: this.store.name });
    const results = await this.appendAs(prepared.appends, writer).catch((error: unknown) => {
      // A batch that stopped part-way answers its problem with what was stored; count that too.
      if (error instanceof PartialAppendError) eventsAppended.inc({ result: 'stored' }, error.stored.filter((s) => !s.result.duplicate).length);
      if (error instanceof EventIdTakenError) eventsRejected.inc({ reason: 'conflict' }, bodies.length);
      throw error;
    }).finally(() => timer());
    const duplicates = results.filter((r) => r.duplicate).length;
    eventsAppended.inc({ result: 'stored' }, results.length - duplicates);
    eventsAppended.inc({ result: 'duplicate' }, duplicates);
    return results.map((r) => ({ eventId: r.eventId, streamRevision: Number(r.streamRevision), position: r.position, duplicate: r.duplicate }));
  }

  /**
   * Appends as `writer`: a store that records writers itself (PostgreSQL) does it in the append;
   * otherwise (EventStoreDB) the first-writer ledger is claimed first and an eventId of another
   * writer refused before anything is appended.
   */
  private async appendAs(appends: StreamAppend[], writer: EventWriter): Promise<AppendedEvent[]> {
    if (this.store.appendAs) return this.store.appendAs(appends, { id: writer.id, othersTaken: !writer.mayCompareContent });
    const eventIds = appends.map((append) => append.events[0].eventId);
    const taken = foreignEventIds(eventIds, await this.writers.claim(eventIds, writer.id), writer);
    if (taken.length > 0) throw new EventIdTakenError(taken);
    return this.store.append(appends);
  }
}
