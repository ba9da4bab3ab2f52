import { BACKWARDS, END, EventStoreDBClient, FORWARDS, START, StreamNotFoundError } from '@eventstore/db-client';
import type { Position, ReadStreamOptions as EsdbReadOptions, StreamingRead } from '@eventstore/db-client';
import { ReadStreamOptions, RecordedEvent } from '../event-store.port';
import { withDeadline } from './eventstoredb-deadline';
import { toPortError } from './eventstoredb-errors';
import { EsdbEvent, Stored, isUserEvent, requirePosition, storedFromEvent, toRecorded } from './eventstoredb-events';
import { comparePositions } from './eventstoredb-positions';

export type Scan = { events: RecordedEvent[]; scanned: Position | undefined };

const MAX_PAGE = 1_000;

/** Every read of the adapter, each bounded by `deadlineMs` and failing with port errors. */
export class EventStoreDbReads {
  constructor(
    private readonly client: EventStoreDBClient,
    private readonly deadlineMs: number,
  ) {}

  async readStream(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    if (options.maxCount <= 0) return [];
    const forwards = options.direction === 'forwards';
    const events = await this.readEsdbStream(streamId, {
      direction: forwards ? FORWARDS : BACKWARDS,
      fromRevision: options.fromRevision ?? (forwards ? START : END),
      maxCount: options.maxCount,
    });
    return events.map((event) => toRecorded(event, requirePosition(event)));
  }

  /** A stream that does not exist reads as empty. */
  async readEsdbStream(streamId: string, options: EsdbReadOptions): Promise<EsdbEvent[]> {
    try {
      return await this.collect(this.client.readStream(streamId, options), `a read of ${streamId}`);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toPortError(error, { kind: 'read-stream', streamId });
    }
  }

  /** The newest `scanLimit` events of a stream, searched for these (lower-case) eventIds; read from the leader. */
  async findInStream(streamId: string, keys: string[], scanLimit: number): Promise<Map<string, Stored>> {
    const wanted = new Set(keys);
    const read = await this.readEsdbStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: scanLimit, requiresLeader: true });
    return new Map(read.filter((event) => wanted.has(event.id.toLowerCase())).map((event) => [event.id.toLowerCase(), storedFromEvent(event)]));
  }

  /**
   * Up to `maxCount` events after `after` (exclusive), skipping system events; `scanned` is how far
   * the log was read, so a subscription does not re-read a tail of system events on every poll.
   * EventStoreDB reads `$all` forwards from a position inclusively, hence the filter.
   */
  async scan(after: Position | undefined, maxCount: number): Promise<Scan> {
    const events: RecordedEvent[] = [];
    let from = after;
    let scanned = after;
    const pageSize = Math.min(Math.max(maxCount + 1, 2), MAX_PAGE);
    while (events.length < maxCount) {
      const page = await this.readAllPage(from, pageSize);
      for (const event of page) {
        if (from && comparePositions(event.position, from) <= 0) continue;
        scanned = event.position;
        if (isUserEvent(event)) events.push(toRecorded(event, event.position));
        if (events.length === maxCount) break;
      }
      if (page.length < pageSize || scanned === from) break;
      from = scanned;
    }
    return { events, scanned };
  }

  /** One event read backwards from the end of `$all`: the health probe, bounded by its own deadline. */
  async probeAll(deadlineMs: number): Promise<void> {
    try {
      await this.collect(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }), 'the health probe (one event of $all)', deadlineMs);
    } catch (error) {
      throw toPortError(error, { kind: 'read-all' });
    }
  }

  private async readAllPage(from: Position | undefined, maxCount: number): Promise<(EsdbEvent & { position: Position })[]> {
    try {
      const events = await this.collect(this.client.readAll({ direction: FORWARDS, fromPosition: from ?? START, maxCount, resolveLinkTos: false }), 'a read of $all');
      return events.map((event) => ({ ...event, position: requirePosition(event) }));
    } catch (error) {
      throw toPortError(error, { kind: 'read-all' });
    }
  }

  private collect<E extends { event?: EsdbEvent }>(read: StreamingRead<E>, what: string, deadlineMs = this.deadlineMs): Promise<EsdbEvent[]> {
    return withDeadline(readEvents(read), deadlineMs, what, () => void read.cancel().catch(() => undefined));
  }
}

async function readEvents<E extends { event?: EsdbEvent }>(read: StreamingRead<E>): Promise<EsdbEvent[]> {
  const events: EsdbEvent[] = [];
  for await (const resolved of read) if (resolved.event) events.push(resolved.event);
  return events;
}
