import { NewEvent, anyRevision, exactRevision, noStream } from './event-store.port';
import { flattenAppends } from './flatten-appends';

const event = (eventId: string): NewEvent => ({ eventId, type: 'PageViewed', occurredAt: '2026-01-01T00:00:00Z', channel: 'web', data: {}, metadata: {}, contentHash: eventId });

describe('flattenAppends', () => {
  it('keeps input order across streams', () => {
    const flat = flattenAppends([
      { streamId: 'a', expectedRevision: anyRevision, events: [event('1'), event('2')] },
      { streamId: 'b', expectedRevision: noStream, events: [event('3')] },
      { streamId: 'a', expectedRevision: anyRevision, events: [event('4')] },
    ]);
    expect(flat.map((f) => [f.streamId, f.event.eventId])).toEqual([['a', '1'], ['a', '2'], ['b', '3'], ['a', '4']]);
  });

  it('refuses one eventId twice with different content as a conflict at the later index', () => {
    const later = { ...event('1'), contentHash: 'other' };
    expect(() => flattenAppends([{ streamId: 'a', expectedRevision: anyRevision, events: [event('1'), event('2'), later] }])).toThrow(
      expect.objectContaining({ conflicts: [{ index: 2, eventId: '1' }] }),
    );
  });

  it('refuses one stream twice with an exact expectation', () => {
    expect(() =>
      flattenAppends([
        { streamId: 'a', expectedRevision: exactRevision(1n), events: [event('1')] },
        { streamId: 'a', expectedRevision: anyRevision, events: [event('2')] },
      ]),
    ).toThrow(TypeError);
  });
});
