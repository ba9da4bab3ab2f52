import { randomUUID } from 'node:crypto';
import { AppendTooLargeError, ExpectedRevision, anyRevision, exactRevision, noStream } from '../event-store.port';
import { Item, planChunks, refuseOversized } from './eventstoredb-append-plan';
import { DEFAULT_MAX_APPEND_BYTES } from './eventstoredb-event-store';
import { appendSize, toEsdbEvent } from './eventstoredb-events';

const SERVER_MAX_APPEND_SIZE = 1_048_576;

function item(index: number, streamId: string, bytes: number, expected: ExpectedRevision = anyRevision): Item {
  const eventId = randomUUID();
  return {
    index,
    key: eventId,
    streamId,
    expected,
    event: { eventId, type: 'PageViewed', occurredAt: '2026-01-01T00:00:00+08:00', channel: 'web', data: { url: 'x'.repeat(bytes) }, metadata: {}, contentHash: 'h' },
  };
}

function refusal(act: () => void): AppendTooLargeError {
  try {
    act();
  } catch (error) {
    return error as AppendTooLargeError;
  }
  throw new Error('expected a refusal');
}

const sizeOf = (chunkItems: Item[]) => chunkItems.reduce((sum, i) => sum + appendSize(toEsdbEvent(i.event)), 0);

describe('EventStoreDB appends under the size limit', () => {
  it('defaults to a limit below the server MaxAppendSize of 1 MiB', () => {
    expect(DEFAULT_MAX_APPEND_BYTES).toBeLessThan(SERVER_MAX_APPEND_SIZE);
  });

  it('splits one stream of a full batch (1,000 events, ~5 MiB) into appends under the limit, in order', () => {
    const items = Array.from({ length: 1_000 }, (_, i) => item(i, 'customer-c1', 5_000));
    const chunks = planChunks(items, DEFAULT_MAX_APPEND_BYTES);
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    for (const chunk of chunks) expect(sizeOf(chunk.items)).toBeLessThanOrEqual(DEFAULT_MAX_APPEND_BYTES);
    expect(chunks.flatMap((c) => c.items.map((i) => i.index))).toEqual(items.map((i) => i.index));
    expect(chunks.every((c) => c.events.length === c.items.length && c.events[0].id === c.items[0].event.eventId)).toBe(true);
  });

  it('appends runs of consecutive events of one stream, so $all keeps the input order', () => {
    const items = [item(0, 'customer-a', 10), item(1, 'customer-a', 10), item(2, 'customer-b', 10), item(3, 'customer-a', 10)];
    const chunks = planChunks(items, DEFAULT_MAX_APPEND_BYTES);
    expect(chunks.map((c) => [c.streamId, c.items.map((i) => i.index)])).toEqual([
      ['customer-a', [0, 1]],
      ['customer-b', [2]],
      ['customer-a', [3]],
    ]);
  });

  it('splits only runs expecting any (later parts expect any too); a run with an exact revision stays one append with it', () => {
    const items = [0, 1, 2].map((i) => item(i, 'customer-c1', 400_000));
    const chunks = planChunks(items, DEFAULT_MAX_APPEND_BYTES);
    expect(chunks.map((c) => c.items.length)).toEqual([2, 1]);
    expect(chunks.map((c) => c.expected.kind)).toEqual(['any', 'any']);
    const exact = planChunks([item(0, 'customer-c2', 10, exactRevision(4n)), item(1, 'customer-c2', 10, exactRevision(4n))], DEFAULT_MAX_APPEND_BYTES);
    expect(exact).toEqual([expect.objectContaining({ expected: exactRevision(4n) })]);
  });

  it('refuses an event too large alone before anything is reserved, naming it by index (413)', () => {
    const items = [item(0, 'customer-a', 10), item(1, 'customer-b', 1_100_000), item(2, 'customer-c', 10)];
    const error = refusal(() => refuseOversized(items, DEFAULT_MAX_APPEND_BYTES));
    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect(error.errors).toEqual([expect.objectContaining({ index: 1, rule: 'maxAppendSize' })]);
  });

  it('refuses the events of a stream with an expected revision that cannot fit one append, and accepts them under any', () => {
    const big = (expected: ExpectedRevision) => [item(0, 'customer-a', 600_000, expected), item(1, 'customer-a', 600_000, expected)];
    expect(refusal(() => refuseOversized(big(noStream), DEFAULT_MAX_APPEND_BYTES)).errors).toEqual([
      expect.objectContaining({ index: 0, message: expect.stringContaining('expected revision') }),
      expect.objectContaining({ index: 1, message: expect.stringContaining('expected revision') }),
    ]);
    expect(() => refuseOversized(big(anyRevision), DEFAULT_MAX_APPEND_BYTES)).not.toThrow();
  });
});
