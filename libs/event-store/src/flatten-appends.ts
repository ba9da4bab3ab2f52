import { ExpectedRevision, IdempotencyConflictError, NewEvent, StreamAppend } from './event-store.port';

export type FlatEvent = { streamId: string; expected: ExpectedRevision; event: NewEvent };

/**
 * One entry per event, in input order. A stream may appear in several appends only with `any`:
 * two exact expectations for one stream in one call cannot both hold. One eventId twice with
 * different content is a conflict, whichever adapter stores it.
 */
export function flattenAppends(appends: StreamAppend[]): FlatEvent[] {
  const expectations = new Map<string, ExpectedRevision>();
  for (const { streamId, expectedRevision } of appends) {
    const earlier = expectations.get(streamId);
    if (earlier && (earlier.kind !== 'any' || expectedRevision.kind !== 'any')) {
      throw new TypeError(`stream ${streamId} appears twice in one append with an expected revision other than any`);
    }
    expectations.set(streamId, expectedRevision);
  }
  const flat = appends.flatMap(({ streamId, expectedRevision, events }) => events.map((event) => ({ streamId, expected: expectedRevision, event })));
  const hashes = new Map<string, string>();
  const conflicts = flat.flatMap(({ event }, index) => {
    const earlier = hashes.get(event.eventId);
    if (earlier === undefined) hashes.set(event.eventId, event.contentHash);
    return earlier !== undefined && earlier !== event.contentHash ? [{ index, eventId: event.eventId }] : [];
  });
  if (conflicts.length > 0) throw new IdempotencyConflictError(conflicts);
  return flat;
}
