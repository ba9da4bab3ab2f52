import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { customerStream } from '@tessera/catalog';
import { EventStoreUnavailableError, PostgresEventStore } from '@tessera/event-store';
import { loadConfig } from '@tessera/platform';
import { TestDatabase, createTestDatabase } from '../../../../test/support/database';
import { startTcpProxy } from '../../../../test/support/tcp-proxy';
import { KAFKA_INGEST_WRITER } from '../record-events/event-writer';
import { EventWritersRepository } from '../record-events/event-writers.repository';
import { RecordEvents } from '../record-events/record-events.command';
import { RecordEventsHandler } from '../record-events/record-events.handler';
import { Outcome, RUN_MAX_EVENTS, Recorder, ingestMessages } from './ingest-messages';
import { InboundMessage } from './message-consumer';

const config = loadConfig({});
const context = () => ({ now: new Date(), currency: config.currency });

const envelope = (customerId: string, extra: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'PageViewed',
  customerId,
  occurredAt: '2026-11-20T10:00:00+08:00',
  channel: 'web',
  data: { url: '/books' },
  ...extra,
});

let offset = 0;
const message = (value: unknown, raw = false): InboundMessage => ({
  topic: 'ingest',
  partition: 0,
  offset: String(offset++),
  key: null,
  value: raw ? (value as string | null) : JSON.stringify(value),
  headers: {},
});

const kinds = (outcomes: Outcome[]) => outcomes.map((o) => (o.kind === 'rejected' ? `${o.reason}:${o.problem.status}` : o.kind));

/** The real command handler on a real database: the HTTP API's path, without HTTP. */
describe('ingestMessages: one verdict per message, appends in runs', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let record: Recorder;
  const stored = async (customerId: string) => (await store.readStream(customerStream(customerId), { direction: 'forwards', maxCount: 5000 })).map((e) => e.eventId);

  beforeAll(async () => {
    database = await createTestDatabase('ingest_messages');
    store = new PostgresEventStore(database.pool);
    const handler = new RecordEventsHandler(store, config, new EventWritersRepository(database.pool));
    record = (bodies, batch) => handler.execute(new RecordEvents(bodies, batch, KAFKA_INGEST_WRITER));
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('appends valid envelopes in message order and answers a repeat as a duplicate', async () => {
    const customer = `c-${randomUUID()}`;
    const [a, b] = [envelope(customer), envelope(customer)];
    const outcomes = await ingestMessages([message(a), message(b), message({ ...a, metadata: { source: 'retry' } })], record, context());
    expect(kinds(outcomes)).toEqual(['appended', 'appended', 'duplicate']);
    expect(outcomes[2]).toMatchObject({ result: { eventId: a.eventId, streamRevision: 0, duplicate: true } });
    expect(await stored(customer)).toEqual([a.eventId, b.eventId]);
  });

  it('rejects what is not JSON, not an object or not valid, with the problem POST /v1/events answers, and appends the rest', async () => {
    const customer = `c-${randomUUID()}`;
    const [first, last] = [envelope(customer), envelope(customer)];
    const invalid = envelope(customer, { customerId: 'c 1/x', data: { url: '/', extra: 1 } });
    const outcomes = await ingestMessages(
      [message(first), message(invalid), message('{"type": ', true), message([first]), message(null, true), message(last)],
      record,
      context(),
    );
    expect(kinds(outcomes)).toEqual(['appended', 'validation:400', 'validation:400', 'validation:400', 'validation:400', 'appended']);
    expect(outcomes[1]).toEqual({
      kind: 'rejected',
      reason: 'validation',
      original: invalid,
      problem: {
        type: 'https://tessera.dev/problems/validation',
        title: 'Your request is not valid',
        status: 400,
        detail: 'the event is not valid; nothing was stored',
        errors: expect.arrayContaining([
          { pointer: '/customerId', rule: 'matches', message: expect.any(String) },
          { pointer: '/data/extra', rule: 'unknownField', message: 'extra is not a field of this object' },
        ]),
      },
    });
    expect(outcomes[2]).toMatchObject({ original: '{"type": ', problem: { status: 400, errors: [{ pointer: '', rule: 'isJson', message: expect.stringContaining('not valid JSON') }] } });
    expect(outcomes[3]).toMatchObject({ original: [first], problem: { errors: [{ pointer: '', rule: 'isObject' }] } });
    expect(outcomes[4]).toMatchObject({ original: null, problem: { errors: [{ pointer: '', rule: 'isJson', message: expect.stringContaining('no value') }] } });
    expect(await stored(customer)).toEqual([first.eventId, last.eventId]);
  });

  it('rejects a 409 (known eventId, other content) alone and appends the rest of its run', async () => {
    const customer = `c-${randomUUID()}`;
    const known = envelope(customer);
    await record([known], false);
    const [before, after] = [envelope(customer), envelope(customer)];
    const outcomes = await ingestMessages([message(before), message({ ...known, data: { url: '/other' } }), message(after)], record, context());
    expect(kinds(outcomes)).toEqual(['appended', 'conflict:409', 'appended']);
    expect(outcomes[1]).toMatchObject({ problem: { type: 'https://tessera.dev/problems/conflict', errors: [{ pointer: '/eventId', rule: 'idempotency' }] } });
    expect(await stored(customer)).toEqual([known.eventId, before.eventId, after.eventId]);
    const [kept] = await store.readStream(customerStream(customer), { direction: 'forwards', maxCount: 1 });
    expect(kept.data).toEqual({ url: '/books' });
  });

  it('keeps the first of two messages with one eventId and other content; the second is a 409', async () => {
    const customer = `c-${randomUUID()}`;
    const first = envelope(customer);
    const outcomes = await ingestMessages([message(first), message({ ...first, data: { url: '/second' } })], record, context());
    expect(kinds(outcomes)).toEqual(['appended', 'conflict:409']);
    expect(await stored(customer)).toEqual([first.eventId]);
  });

  it(`appends more than ${RUN_MAX_EVENTS} messages in order, in several calls`, async () => {
    const customer = `c-${randomUUID()}`;
    const bodies = Array.from({ length: RUN_MAX_EVENTS + 201 }, () => envelope(customer));
    const outcomes = await ingestMessages(bodies.map((b) => message(b)), record, context());
    expect(outcomes.every((o) => o.kind === 'appended')).toBe(true);
    expect(outcomes.map((o) => (o.kind === 'appended' ? o.result.streamRevision : -1))).toEqual(bodies.map((_, i) => i));
    expect(await stored(customer)).toEqual(bodies.map((b) => b.eventId));
  });

  it('throws, settling nothing, when the store cannot be reached', async () => {
    const target = new URL(database.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const pool = new Pool({ connectionString: viaProxy.toString() });
    pool.on('error', () => undefined);
    const down = new RecordEventsHandler(new PostgresEventStore(pool), config, new EventWritersRepository(pool));
    try {
      proxy.cut();
      const body = envelope(`c-${randomUUID()}`);
      const attempt = ingestMessages([message('not json', true), message(body)], (bodies, batch) => down.execute(new RecordEvents(bodies, batch, KAFKA_INGEST_WRITER)), context());
      await expect(attempt).rejects.toBeInstanceOf(EventStoreUnavailableError);
      expect(await stored(body.customerId)).toEqual([]);
    } finally {
      await pool.end();
      await proxy.close();
    }
  });
});
