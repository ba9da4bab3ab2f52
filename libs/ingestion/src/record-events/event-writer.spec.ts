import { EventWriter, KAFKA_INGEST_WRITER, foreignEventIds } from './event-writer';

describe('foreignEventIds: which re-sent eventIds a writer may not compare', () => {
  const owners = new Map<string, string | null>([
    ['a', 'key-1'],
    ['b', 'key-2'],
    ['c', null],
  ]);
  const key1: EventWriter = { id: 'key-1', mayCompareContent: false };

  it.each([
    ['its own eventIds only', key1, ['a'], []],
    ["another key's eventId", key1, ['a', 'b'], [{ index: 1, eventId: 'b' }]],
    ['an eventId of unknown writer', key1, ['c', 'a'], [{ index: 0, eventId: 'c' }]],
    ['an eventId not answered by the ledger', key1, ['d'], [{ index: 0, eventId: 'd' }]],
    ['any eventId, for a key with pii:read', { id: 'key-3', mayCompareContent: true }, ['a', 'b', 'c'], []],
    ['any eventId, for the Kafka ingest consumer', KAFKA_INGEST_WRITER, ['a', 'b', 'c'], []],
  ])('%s', (_case, writer, eventIds, expected) => {
    expect(foreignEventIds(eventIds, owners, writer)).toEqual(expected);
  });
});
