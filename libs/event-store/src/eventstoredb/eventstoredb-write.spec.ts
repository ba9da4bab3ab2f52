import { randomUUID } from 'node:crypto';
import { StreamDeletedError, UnknownError } from '@eventstore/db-client';
import { problemFromError } from '@tessera/platform';
import { EventStoreUnavailableError, PartialAppendError, anyRevision } from '../event-store.port';
import { Chunk, Item, planChunks } from './eventstoredb-append-plan';
import { toPortError } from './eventstoredb-errors';
import { Stored } from './eventstoredb-events';
import { failureOf, writeInOrder } from './eventstoredb-write';

function item(index: number, streamId: string): Item {
  const eventId = randomUUID();
  return { index, key: eventId, streamId, expected: anyRevision, event: { eventId, type: 'PageViewed', occurredAt: '2026-01-01T00:00:00Z', channel: 'web', data: {}, metadata: {}, contentHash: 'h' } };
}

/** A client that stores chunks until the `failAt`-th, which fails with `error` as the client would. */
function appender(failAt: number, error: unknown) {
  const tried: string[] = [];
  let position = 0;
  const append = async (chunk: Chunk): Promise<Map<string, Stored>> => {
    tried.push(chunk.streamId);
    if (tried.length === failAt + 1) throw toPortError(error, { kind: 'append', streamId: chunk.streamId, expected: chunk.expected, indexes: chunk.items.map((i) => i.index) });
    return new Map(chunk.items.map((i, n) => [i.key, { streamRevision: BigInt(n), position: String(++position).padStart(4, '0') }]));
  };
  return { tried, append };
}

describe('EventStoreDB multi-stream appends stop at the first failure and say what is stored', () => {
  const items = [item(0, 'customer-a'), item(1, 'customer-b'), item(2, 'customer-c'), item(3, 'customer-d')];
  const chunks = planChunks(items, 1_000_000);

  it('appends one stream at a time in input order and never tries the streams after a failure', async () => {
    const { tried, append } = appender(1, new UnknownError(undefined, 'Could not recognize Server Is Not Ready'));
    const outcome = await writeInOrder(chunks, append);
    expect(tried).toEqual(['customer-a', 'customer-b']);
    expect([...outcome.located.keys()]).toEqual([items[0].key]);
    expect(outcome.abandon.map((i) => i.index)).toEqual([1]);
    expect(outcome.release.map((i) => i.index)).toEqual([2, 3]);
  });

  it('releases the reservations of a rejected stream (nothing of it was written) and of those never tried', async () => {
    const { append } = appender(2, StreamDeletedError.fromStreamName('customer-c'));
    const outcome = await writeInOrder(chunks, append);
    expect(outcome.abandon).toEqual([]);
    expect(outcome.release.map((i) => i.index)).toEqual([2, 3]);
  });

  it('answers a partial failure with the cause status and, by index, what is stored, in doubt and not stored', async () => {
    const { append } = appender(1, new UnknownError(undefined, 'Could not recognize Server Is Not Ready'));
    const outcome = await writeInOrder(chunks, append);
    const error = failureOf(items, new Map(), { mine: outcome.located, theirs: new Map(), failure: outcome.failure }, outcome.failure!);
    expect(error).toBeInstanceOf(PartialAppendError);
    expect(error).toMatchObject({ kind: 'unavailable', inDoubt: [1], notStored: [2, 3] });
    expect(problemFromError(error as PartialAppendError)).toMatchObject({
      status: 503,
      stored: [{ index: 0, eventId: items[0].event.eventId, streamRevision: 0, position: '0001', duplicate: false }],
      inDoubt: [1],
      notStored: [2, 3],
    });
  });

  it('throws the cause alone when nothing of the call is stored', async () => {
    const { append } = appender(0, new UnknownError(undefined, 'Could not recognize Server Is Not Ready'));
    const outcome = await writeInOrder(chunks, append);
    const error = failureOf(items, new Map(), { mine: outcome.located, theirs: new Map(), failure: outcome.failure }, outcome.failure!);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).toMatchObject({ inDoubt: true });
  });

  it('reports any failure that is not a rejection as unavailable and in doubt, and as partial once something is stored', async () => {
    const { append } = appender(1, new Error('EventStoreDB accepted the append but does not show it'));
    const outcome = await writeInOrder(chunks, append);
    expect(outcome.failure!.error).toBeInstanceOf(EventStoreUnavailableError);
    expect(outcome.failure!.error).toMatchObject({ inDoubt: true });
    const error = failureOf(items, new Map(), { mine: outcome.located, theirs: new Map(), failure: outcome.failure }, outcome.failure!);
    expect(error).toBeInstanceOf(PartialAppendError);
    expect(problemFromError(error as PartialAppendError)).toMatchObject({ status: 503, inDoubt: [1], notStored: [2, 3] });
  });
});
