import { randomUUID } from 'node:crypto';
import { AppendTooLargeError, DeletedStreamError, EventStoreAccessDeniedError, EventStoreUnavailableError, PartialAppendError } from '@tessera/event-store';
import { RecordedResult } from '../record-events/record-events.command';
import { Recorder, ingestMessages } from './ingest-messages';
import { InboundMessage } from './message-consumer';

/**
 * What the Kafka ingest path does with the event store's answers (the errors the EventStoreDB
 * adapter throws): a verdict on an event dead-letters that event, anything else stops the batch.
 * The recorder stands in for the store here; the store's side is tested in libs/event-store.
 */
const context = { now: new Date('2026-11-20T03:00:00Z'), currency: 'CNY' };
const envelope = (customerId: string, url = '/') => ({ eventId: randomUUID(), type: 'PageViewed', customerId, occurredAt: '2026-11-20T10:00:00+08:00', channel: 'web', data: { url } });
const message = (value: unknown, offset: number): InboundMessage => ({ topic: 'ingest', partition: 0, offset: String(offset), key: null, value: JSON.stringify(value), headers: {} });
const result = (body: unknown, i: number): RecordedResult => ({ eventId: (body as { eventId: string }).eventId, streamRevision: i, position: String(i), duplicate: false });

/** Refuses any call holding an event whose url is 'huge', as the adapter does before storing anything. */
const refusingHuge: Recorder = async (bodies) => {
  const huge = bodies.flatMap((body, index) => ((body as { data: { url: string } }).data.url === 'huge' ? [index] : []));
  if (huge.length > 0) throw new AppendTooLargeError('too large', 1_000_000, huge.map((index) => ({ index, pointer: '', rule: 'maxAppendSize', message: 'too large' })));
  return bodies.map(result);
};

describe('ingestMessages: event store verdicts', () => {
  it('dead-letters an event too large for the event store (413) and appends the others', async () => {
    const bodies = [envelope('c-1'), envelope('c-2', 'huge'), envelope('c-3')];
    const outcomes = await ingestMessages(bodies.map(message), refusingHuge, context);
    expect(outcomes.map((o) => (o.kind === 'rejected' ? `${o.reason}:${o.problem.status}` : o.kind))).toEqual(['appended', 'too_large:413', 'appended']);
  });

  it('dead-letters the events of a deleted stream after a partial append, and appends the rest again', async () => {
    const bodies = [envelope('c-1'), envelope('gone'), envelope('c-3')];
    const calls: number[] = [];
    const record: Recorder = async (batch) => {
      calls.push(batch.length);
      const gone = batch.findIndex((body) => (body as { customerId: string }).customerId === 'gone');
      if (gone < 0) return batch.map(result);
      const cause = new DeletedStreamError('customer-gone', [gone]);
      if (gone === 0) throw cause;
      throw new PartialAppendError(cause, [{ index: 0, result: { eventId: 'x', streamId: 'customer-c-1', streamRevision: 0n, position: '0', duplicate: false } }], [], [gone, gone + 1]);
    };
    const outcomes = await ingestMessages(bodies.map(message), record, context);
    expect(outcomes.map((o) => (o.kind === 'rejected' ? `${o.reason}:${o.problem.status}:${o.problem.type}` : o.kind))).toEqual([
      'appended',
      'conflict:409:https://tessera.dev/problems/stream-deleted',
      'appended',
    ]);
  });

  it.each([
    ['unreachable or in doubt', new EventStoreUnavailableError('no leader', undefined, true)],
    ['denying Tessera access', new EventStoreAccessDeniedError('write on customer streams')],
    ['stopping part-way while unavailable', new PartialAppendError(new EventStoreUnavailableError('no leader'), [], [0], [1])],
  ])('stops the batch without a verdict when the store is %s (nothing is committed or dead-lettered)', async (_, error) => {
    const record: Recorder = async () => {
      throw error;
    };
    await expect(ingestMessages([message(envelope('c-1'), 0), message(envelope('c-2'), 1)], record, context)).rejects.toBe(error);
  });
});
