import { randomUUID } from 'node:crypto';
import { customerStream } from '@tessera/catalog';
import { StreamAppend, anyRevision } from '@tessera/event-store';
import { FieldError } from '@tessera/platform';
import { contentHash } from './content-hash';
import { ValidationContext, validateEvent } from './validate-event';

export type Prepared = { ok: true; appends: StreamAppend[] } | { ok: false; errors: FieldError[] };

/**
 * Validates every body first (nothing is stored if any is bad), then groups the events into
 * one append per event in request order, so results map back by index. A batch that repeats an
 * eventId with other content is refused here, before the store is asked (DESIGN §11).
 */
export function prepareAppends(bodies: unknown[], context: ValidationContext, batch: boolean, newId: () => string = randomUUID): Prepared {
  const errors: FieldError[] = [];
  const appends: StreamAppend[] = [];
  const hashes = new Map<string, { hash: string; index: number }>();
  bodies.forEach((body, index) => {
    const result = validateEvent(body, context, batch ? index : undefined);
    if (!result.ok) {
      errors.push(...result.errors);
      return;
    }
    const { event } = result;
    const eventId = event.eventId?.toLowerCase() ?? newId();
    const hash = contentHash(event);
    const earlier = hashes.get(eventId);
    if (earlier && earlier.hash !== hash) {
      errors.push({ index, pointer: '/eventId', rule: 'uniqueInBatch', message: `eventId ${eventId} appears at index ${earlier.index} with different content` });
      return;
    }
    hashes.set(eventId, { hash, index });
    appends.push({
      streamId: customerStream(event.customerId),
      expectedRevision: anyRevision,
      events: [{ eventId, type: event.type, occurredAt: event.occurredAt, channel: event.channel, data: event.data, metadata: event.metadata, contentHash: hash }],
    });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, appends };
}
