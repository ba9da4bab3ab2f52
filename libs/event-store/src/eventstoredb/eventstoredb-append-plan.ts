import type { EventData } from '@eventstore/db-client';
import { AppendTooLargeError, ExpectedRevision, NewEvent, anyRevision } from '../event-store.port';
import { appendSize, toEsdbEvent } from './eventstoredb-events';

/** One event of a call, by its index in the call; `key` is the lower-case eventId. */
export type Item = { index: number; key: string; streamId: string; expected: ExpectedRevision; event: NewEvent };

/** One append to EventStoreDB: consecutive events of one stream, under the size limit. */
export type Chunk = { streamId: string; expected: ExpectedRevision; items: Item[]; events: EventData[] };

/**
 * Refuses, before anything is reserved or stored, what cannot be appended under `maxAppendBytes`:
 * an event larger than the limit alone, and the events of a stream with an expected revision
 * other than `any` that do not fit one append together (splitting them would give up the
 * all-or-nothing promise that an expected revision makes).
 */
export function refuseOversized(items: Item[], maxAppendBytes: number): void {
  const errors = items.flatMap((item) => {
    const size = appendSize(toEsdbEvent(item.event));
    return size > maxAppendBytes
      ? [{ index: item.index, pointer: '', rule: 'maxAppendSize', message: `the event takes ${size} bytes in the event store; one append takes at most ${maxAppendBytes}` }]
      : [];
  });
  for (const run of runsOf(items)) {
    if (run.expected.kind === 'any') continue;
    const size = run.items.reduce((sum, item) => sum + appendSize(toEsdbEvent(item.event)), 0);
    if (size <= maxAppendBytes) continue;
    const message = `the ${run.items.length} events for ${run.streamId} take ${size} bytes; with an expected revision they must fit one append of at most ${maxAppendBytes}`;
    errors.push(...run.items.filter((item) => !errors.some((e) => e.index === item.index)).map((item) => ({ index: item.index, pointer: '', rule: 'maxAppendSize', message })));
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.index - b.index);
    throw new AppendTooLargeError(`${errors.length} event(s) exceed the event store's append size limit of ${maxAppendBytes} bytes; nothing was stored`, maxAppendBytes, errors);
  }
}

/**
 * The appends for these items, in their order: each run of consecutive events of one stream is
 * one append, split where it would exceed `maxAppendBytes` (only runs expecting `any` ever are,
 * see `refuseOversized`). Appending the chunks in order keeps `$all` in input order.
 */
export function planChunks(items: Item[], maxAppendBytes: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (const run of runsOf(items)) {
    let current: Chunk | undefined;
    let size = 0;
    for (const item of run.items) {
      const event = toEsdbEvent(item.event);
      const eventSize = appendSize(event);
      if (!current || (size + eventSize > maxAppendBytes && current.items.length > 0)) {
        current = { streamId: run.streamId, expected: current ? anyRevision : run.expected, items: [], events: [] };
        chunks.push(current);
        size = 0;
      }
      current.items.push(item);
      current.events.push(event);
      size += eventSize;
    }
  }
  return chunks;
}

type Run = { streamId: string; expected: ExpectedRevision; items: Item[] };

/** Maximal runs of consecutive items of one stream; a run's expected revision is its first item's. */
function runsOf(items: Item[]): Run[] {
  const runs: Run[] = [];
  for (const item of items) {
    const last = runs[runs.length - 1];
    if (last && last.streamId === item.streamId) last.items.push(item);
    else runs.push({ streamId: item.streamId, expected: item.expected, items: [item] });
  }
  return runs;
}
