import { createHash, randomUUID } from 'node:crypto';
import {
  AppendedEvent,
  EventStore,
  IdempotencyConflictError,
  NewEvent,
  RecordedEvent,
  WrongExpectedRevisionError,
  anyRevision,
  exactRevision,
  noStream,
} from '../event-store.port';

/**
 * The one contract every event store adapter passes (DESIGN §1). Each test works on fresh
 * stream ids, so the suite also runs against a shared server.
 */
export type OpenStore = () => Promise<{ store: EventStore; close(): Promise<void> }>;

export function eventStoreContract(adapterName: string, open: OpenStore): void {
  describe(`event store contract: ${adapterName}`, () => {
    let store: EventStore;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(async () => close?.());

    describe('append and read a stream', () => {
      it('numbers a new stream from revision 0 and answers every event in input order', async () => {
        const stream = newStream();
        const events = [newEvent('CustomerRegistered', { name: '张伟' }), newEvent('PageViewed', { url: '/books' })];
        const results = await store.append([{ streamId: stream, expectedRevision: noStream, events }]);
        expect(results.map((r) => [r.eventId, r.streamId, r.streamRevision, r.duplicate])).toEqual([
          [events[0].eventId, stream, 0n, false],
          [events[1].eventId, stream, 1n, false],
        ]);
        expect(typeof results[0].position).toBe('string');
        expect(results[0].position).not.toEqual(results[1].position);
      });

      it('round-trips type, occurredAt, channel, Chinese text, nested data and metadata exactly', async () => {
        const stream = newStream();
        const event = newEvent(
          'AddressSaved',
          { addressId: 'a1', province: '江苏省', city: '南京市', district: '玄武区', line1: '中山路 1 号', isDefault: true, tags: ['家', { 层: 3 }] },
          { correlationId: 'c-1', source: 'crm' },
          '2026-03-01T09:30:00.123+08:00',
        );
        await store.append([{ streamId: stream, expectedRevision: anyRevision, events: [event] }]);
        const [read] = await store.readStream(stream, { direction: 'forwards', maxCount: 10 });
        expect(read).toMatchObject({
          eventId: event.eventId,
          streamId: stream,
          streamRevision: 0n,
          type: 'AddressSaved',
          occurredAt: '2026-03-01T09:30:00.123+08:00',
          channel: 'app',
          data: event.data,
          metadata: event.metadata,
        });
        expect(Number.isNaN(Date.parse(read.recordedAt))).toBe(false);
      });

      it('reads forwards and backwards from a revision, bounded by maxCount', async () => {
        const stream = newStream();
        await store.append([{ streamId: stream, expectedRevision: anyRevision, events: range(5).map((i) => newEvent('PageViewed', { url: `/p/${i}` })) }]);
        const revisions = (events: RecordedEvent[]) => events.map((e) => e.streamRevision);
        expect(revisions(await store.readStream(stream, { direction: 'forwards', maxCount: 100 }))).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(revisions(await store.readStream(stream, { direction: 'forwards', fromRevision: 2n, maxCount: 2 }))).toEqual([2n, 3n]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 2 }))).toEqual([4n, 3n]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 1n, maxCount: 10 }))).toEqual([1n, 0n]);
      });

      it('reads a stream that does not exist as empty', async () => {
        expect(await store.readStream(newStream(), { direction: 'backwards', maxCount: 10 })).toEqual([]);
      });
    });

    describe('expected revision', () => {
      it('accepts the exact current revision and rejects a stale one without writing', async () => {
        const stream = newStream();
        await store.append([{ streamId: stream, expectedRevision: noStream, events: [newEvent('CustomerRegistered', {})] }]);
        await store.append([{ streamId: stream, expectedRevision: exactRevision(0n), events: [newEvent('ProfileUpdated', { name: '李娜' })] }]);
        await expect(
          store.append([{ streamId: stream, expectedRevision: exactRevision(0n), events: [newEvent('ProfileUpdated', { name: '王芳' })] }]),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(store.append([{ streamId: stream, expectedRevision: noStream, events: [newEvent('CustomerRegistered', {})] }])).rejects.toMatchObject({
          streamId: stream,
          actual: 1n,
        });
        expect(await store.readStream(stream, { direction: 'forwards', maxCount: 10 })).toHaveLength(2);
      });

      it('rejects an exact revision on a stream that does not exist', async () => {
        await expect(
          store.append([{ streamId: newStream(), expectedRevision: exactRevision(3n), events: [newEvent('PageViewed', { url: '/' })] }]),
        ).rejects.toMatchObject({ actual: 'no_stream' });
      });

      it('lets only one of two concurrent writers with the same expected revision win', async () => {
        const stream = newStream();
        await store.append([{ streamId: stream, expectedRevision: noStream, events: [newEvent('CustomerRegistered', {})] }]);
        const outcomes = await Promise.allSettled(
          range(4).map(() => store.append([{ streamId: stream, expectedRevision: exactRevision(0n), events: [newEvent('PageViewed', { url: '/' })] }])),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(outcomes.filter((o) => o.status === 'rejected').every((o) => (o as PromiseRejectedResult).reason instanceof WrongExpectedRevisionError)).toBe(true);
        expect(await store.readStream(stream, { direction: 'forwards', maxCount: 10 })).toHaveLength(2);
      });
    });

    describe('idempotency by eventId', () => {
      it('answers a re-sent event as a duplicate with the first revision and position, storing nothing', async () => {
        const stream = newStream();
        const event = newEvent('OrderPlaced', { orderId: 'o-1', total: 12_900 });
        const [first] = await store.append([{ streamId: stream, expectedRevision: anyRevision, events: [event] }]);
        await store.append([{ streamId: stream, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/' })] }]);
        const [again] = await store.append([{ streamId: stream, expectedRevision: anyRevision, events: [event] }]);
        expect(again).toEqual({ ...first, duplicate: true });
        expect(await store.readStream(stream, { direction: 'forwards', maxCount: 10 })).toHaveLength(2);
      });

      it('answers a retry as duplicates even when its expected revision is now stale', async () => {
        const stream = newStream();
        const events = [newEvent('CustomerRegistered', {}), newEvent('ConsentChanged', { marketingSms: true })];
        const first = await store.append([{ streamId: stream, expectedRevision: noStream, events }]);
        const retry = await store.append([{ streamId: stream, expectedRevision: noStream, events }]);
        expect(retry).toEqual(first.map((r) => ({ ...r, duplicate: true })));
      });

      it('stores the new events of a call and answers the repeated ones as duplicates', async () => {
        const stream = newStream();
        const old = newEvent('PageViewed', { url: '/a' });
        const [stored] = await store.append([{ streamId: stream, expectedRevision: anyRevision, events: [old] }]);
        const fresh = newEvent('PageViewed', { url: '/b' });
        const results = await store.append([{ streamId: stream, expectedRevision: anyRevision, events: [old, fresh, fresh] }]);
        expect(results.map((r) => [r.eventId, r.streamRevision, r.duplicate])).toEqual([
          [old.eventId, 0n, true],
          [fresh.eventId, 1n, false],
          [fresh.eventId, 1n, true],
        ]);
        expect(results[0].position).toBe(stored.position);
        expect(results[2].position).toBe(results[1].position);
      });

      it('rejects the same eventId with other content as a conflict and stores nothing of that call', async () => {
        const stream = newStream();
        const event = newEvent('SurveyAnswered', { surveyId: 's1', kind: 'NPS', score: 9 });
        await store.append([{ streamId: stream, expectedRevision: anyRevision, events: [event] }]);
        const changed = { ...event, data: { ...event.data, score: 3 }, contentHash: hashOf('SurveyAnswered', { ...event.data, score: 3 }) };
        const bystander = newEvent('PageViewed', { url: '/' });
        const error = await store
          .append([{ streamId: newStream(), expectedRevision: anyRevision, events: [bystander] }, { streamId: stream, expectedRevision: anyRevision, events: [changed] }])
          .then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(IdempotencyConflictError);
        expect((error as IdempotencyConflictError).conflicts).toEqual([{ index: 1, eventId: event.eventId }]);
        expect(await store.readStream(stream, { direction: 'forwards', maxCount: 10 })).toHaveLength(1);
        const again = await store.append([{ streamId: newStream(), expectedRevision: anyRevision, events: [bystander] }]);
        expect(again[0].duplicate).toBe(false);
      });

      it('stores an event once when the same new eventId is appended concurrently', async () => {
        const stream = newStream();
        const event = newEvent('ComplaintFiled', { complaintId: 'k1', category: 'delivery', severity: 'high' });
        const results = await Promise.all(range(6).map(() => store.append([{ streamId: stream, expectedRevision: anyRevision, events: [event] }])));
        const flat = results.flat();
        expect(flat.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(flat.map((r) => `${r.streamRevision}/${r.position}`)).size).toBe(1);
        expect(await store.readStream(stream, { direction: 'forwards', maxCount: 10 })).toHaveLength(1);
      });
    });

    describe('many streams in one call', () => {
      it('answers in input order with per-stream revisions', async () => {
        const [a, b] = [newStream(), newStream()];
        const results = await store.append([
          { streamId: a, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/1' })] },
          { streamId: b, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/2' }), newEvent('PageViewed', { url: '/3' })] },
          { streamId: a, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/4' })] },
        ]);
        expect(results.map((r) => [r.streamId, r.streamRevision])).toEqual([
          [a, 0n],
          [b, 0n],
          [b, 1n],
          [a, 1n],
        ]);
      });
    });

    describe('read all', () => {
      it('reads the log after a position, exclusively, in the same order page by page', async () => {
        const streams = [newStream(), newStream()];
        const before = await store.append([{ streamId: streams[0], expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/before' })] }]);
        const written: AppendedEvent[] = [];
        for (const i of range(6)) {
          const results = await store.append([{ streamId: streams[i % 2], expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: `/${i}` })] }]);
          written.push(...results);
        }
        const mine = await readAllOf(store, new Set(streams), before[0].position, 2);
        expect(mine.map((e) => e.eventId)).toEqual(written.map((w) => w.eventId));
        expect(mine.map((e) => e.position)).toEqual(written.map((w) => w.position));
      });
    });

    describe('catch-up subscription', () => {
      it('delivers history then live events, each once, in log order, resuming after a checkpoint', async () => {
        const streams = new Set([newStream(), newStream(), newStream()]);
        const [s1, s2, s3] = [...streams];
        const history = await store.append([{ streamId: s1, expectedRevision: anyRevision, events: range(3).map((i) => newEvent('PageViewed', { url: `/h${i}` })) }]);
        const seen: RecordedEvent[] = [];
        const subscription = store.subscribeToAll(async (batch) => void seen.push(...batch.filter((e) => streams.has(e.streamId))), { batchSize: 4 });
        try {
          await waitFor(() => seen.length >= 3);
          const live = await store.append([
            { streamId: s2, expectedRevision: anyRevision, events: range(5).map((i) => newEvent('PageViewed', { url: `/l${i}` })) },
            { streamId: s3, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: '/l5' })] },
          ]);
          await waitFor(() => seen.length >= 9);
          expect(seen.map((e) => e.eventId)).toEqual([...history, ...live].map((e) => e.eventId));
        } finally {
          await subscription.stop();
        }

        const resumed: RecordedEvent[] = [];
        const fromCheckpoint = store.subscribeToAll(async (batch) => void resumed.push(...batch.filter((e) => streams.has(e.streamId))), { after: seen[4].position });
        try {
          await waitFor(() => resumed.length >= 4);
          expect(resumed.map((e) => e.eventId)).toEqual(seen.slice(5).map((e) => e.eventId));
        } finally {
          await fromCheckpoint.stop();
        }
      });

      it('never skips or reorders under concurrent writers: every event once, streams in revision order, same order as read all', async () => {
        const streams = range(8).map(() => newStream());
        const mine = new Set(streams);
        const seen: RecordedEvent[] = [];
        const subscription = store.subscribeToAll(async (batch) => void seen.push(...batch.filter((e) => mine.has(e.streamId))), { batchSize: 7 });
        let appended = 0;
        try {
          await Promise.all(
            streams.map(async (stream, writer) => {
              for (const i of range(15)) {
                const other = streams[(writer + i) % streams.length];
                const results = await store.append([
                  { streamId: stream, expectedRevision: anyRevision, events: [newEvent('PageViewed', { url: `/${writer}/${i}` })] },
                  { streamId: other, expectedRevision: anyRevision, events: [newEvent('ProductViewed', { sku: `${writer}-${i}`, category: 'books' })] },
                ]);
                appended += results.length;
              }
            }),
          );
          await waitFor(() => seen.length >= appended);
        } finally {
          await subscription.stop();
        }
        expect(new Set(seen.map((e) => e.eventId)).size).toBe(appended);
        expect(seen).toHaveLength(appended);
        for (const stream of streams) {
          const revisions = seen.filter((e) => e.streamId === stream).map((e) => Number(e.streamRevision));
          expect(revisions).toEqual(range(revisions.length));
        }
        const all = await readAllOf(store, mine, undefined, 50);
        expect(all.map((e) => e.eventId)).toEqual(seen.map((e) => e.eventId));
      });
    });
  });
}

export function newStream(): string {
  return `customer-contract-${randomUUID()}`;
}

export function newEvent(type: string, data: Record<string, unknown>, metadata: Record<string, unknown> = {}, occurredAt = '2026-11-20T10:00:00+08:00'): NewEvent {
  return { eventId: randomUUID(), type, occurredAt, channel: 'app', data, metadata, contentHash: hashOf(type, data) };
}

function hashOf(type: string, data: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify([type, data])).digest('hex');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function readAllOf(store: EventStore, streams: Set<string>, after: string | undefined, pageSize: number): Promise<RecordedEvent[]> {
  const found: RecordedEvent[] = [];
  let position = after;
  for (;;) {
    const page = await store.readAll({ after: position, maxCount: pageSize });
    if (page.length === 0) return found;
    found.push(...page.filter((e) => streams.has(e.streamId)));
    position = page[page.length - 1].position;
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 10));
  }
}
