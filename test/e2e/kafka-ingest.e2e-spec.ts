import { randomUUID } from 'node:crypto';
import { Admin, Consumer, IHeaders, Kafka, logLevel, Partitioners, Producer, RecordMetadata } from 'kafkajs';
import { ingestGroupId } from '@tessera/ingestion';
import { Topics, topicsFor } from '@tessera/platform';
import { TestDatabase, createTestDatabase } from '../support/database';
import { describeWithKafka, kafkaBrokers } from '../support/kafka-suite';
import { startTcpProxy } from '../support/tcp-proxy';
import { TestApp, call, startTestApp } from '../support/test-app';
import { CORRECTNESS_DEADLINE_MS, SLOW_TEST_TIMEOUT_MS } from '../support/eventually';

const brokers = kafkaBrokers;
jest.setTimeout(SLOW_TEST_TIMEOUT_MS);

type DeadLetter = { key: string | null; value: { original: unknown; problem: Record<string, unknown> }; headers: Record<string, string> };

const envelope = (customerId: string, extra: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'PageViewed',
  customerId,
  occurredAt: '2026-11-20T10:00:00+08:00',
  channel: 'web',
  data: { url: `/books/${randomUUID().slice(0, 8)}` },
  ...extra,
});

/** Polls a condition (never a fixed sleep) until it holds. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = CORRECTNESS_DEADLINE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Kafka ingestion end to end (DESIGN §7, §11) against the real broker: the app, the topics, the group's offsets. */
describeWithKafka('Kafka ingestion (role ingest)', () => {
  const kafka = new Kafka({ clientId: 'kafka-ingest-e2e', brokers, logLevel: logLevel.ERROR });
  const prefix = `t-${randomUUID().slice(0, 8)}.`;
  const topics = topicsFor(prefix);
  const groupId = ingestGroupId(prefix);
  const envOf = (topicPrefix: string) => ({ KAFKA_BROKERS: brokers.join(','), TESSERA_TOPIC_PREFIX: topicPrefix, TESSERA_TOPIC_PARTITIONS: '3', TESSERA_ROLES: 'ingest,query' });
  const cleanup: { topics: string[]; groups: string[] } = { topics: [topics.ingest, topics.ingestDlq], groups: [groupId, `${prefix}dlq-reader`] };
  let database: TestDatabase;
  let app: TestApp;
  let admin: Admin;
  let producer: Producer;
  let dlqReader: Consumer;
  const deadLetters: DeadLetter[] = [];

  const produce = async (topic: string, messages: { key: string | null; value: string | null; headers?: Record<string, string> }[]): Promise<RecordMetadata[]> =>
    producer.send({ topic, acks: -1, messages });
  const produceEnvelopes = (...bodies: ReturnType<typeof envelope>[]) => produce(topics.ingest, bodies.map((b) => ({ key: b.customerId, value: JSON.stringify(b) })));
  const timelineIds = async (target: TestApp, customerId: string): Promise<string[]> => {
    const answer = await call(target.url, 'GET', `/v1/customers/${customerId}/timeline?limit=500`);
    return (answer.body.items as { eventId: string }[]).map((e) => e.eventId).reverse();
  };
  const storedCount = async (pool = database.pool) => Number((await pool.query('select count(*) from es_events')).rows[0].count);
  const ingestCount = async (target: TestApp, result: 'appended' | 'duplicate' | 'dlq'): Promise<number> => {
    const metrics = await call(target.url, 'GET', '/metrics', { key: null });
    return Number(new RegExp(`^tessera_kafka_ingest_messages_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(metrics.body as string)?.[1]);
  };
  const ingestCheck = async (target: TestApp) => (await call(target.url, 'GET', '/health', { key: null })).body.checks['kafka-ingest'] as { status: string; detail?: string };
  const deadLetterWith = (messageId: string) => eventually(`a dead letter for ${messageId}`, async () => deadLetters.find((d) => d.headers['message-id'] === messageId));

  /** Every partition's committed offset equals its end offset (nothing consumed is left uncommitted). */
  const committedAtEnd = async (group: string, topic: string): Promise<boolean> => {
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    return ends.every(({ partition, high }) => {
      // a negative offset: nothing committed (-1), or reset to the earliest (-2)
      const offset = committed.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
      return offset === high || (offset.startsWith('-') && high === '0');
    });
  };
  const committedOffset = async (group: string, topic: string, partition: number): Promise<bigint> => {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return BigInt(committed.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
  };

  beforeAll(async () => {
    database = await createTestDatabase('e2e_kafka_ingest');
    app = await startTestApp(database.url, envOf(prefix));
    await eventually('the ingest consumer to run', async () => (await ingestCheck(app)).status === 'up');
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    dlqReader = kafka.consumer({ groupId: `${prefix}dlq-reader`, allowAutoTopicCreation: false });
    await dlqReader.connect();
    await dlqReader.subscribe({ topics: [topics.ingestDlq], fromBeginning: true });
    await dlqReader.run({
      eachMessage: async ({ message }) => {
        deadLetters.push({ key: message.key?.toString() ?? null, value: JSON.parse(message.value?.toString() ?? 'null'), headers: decode(message.headers) });
      },
    });
  });

  afterAll(async () => {
    await app?.close();
    await dlqReader?.disconnect();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: cleanup.topics }).catch(() => undefined);
      await admin.deleteGroups(cleanup.groups).catch(() => undefined);
      await admin.disconnect();
    }
    await database?.drop();
  });

  it('created both topics with the configured partitions', async () => {
    const { topics: described } = await admin.fetchTopicMetadata({ topics: [topics.ingest, topics.ingestDlq] });
    expect(described.map((t) => [t.name, t.partitions.length]).sort()).toEqual([
      [topics.ingestDlq, 3],
      [topics.ingest, 3],
    ]);
  });

  it('appends valid envelopes (key = customerId) to the customers’ streams, in order', async () => {
    const appendedBefore = await ingestCount(app, 'appended');
    const [a, b] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    const bodies = [envelope(a), envelope(b), envelope(a, { type: 'CustomerRegistered', data: { name: '张伟', phone: '+8613800138000' } }), envelope(a), envelope(b)];
    await produceEnvelopes(...bodies);
    const forA = bodies.filter((e) => e.customerId === a).map((e) => e.eventId);
    const forB = bodies.filter((e) => e.customerId === b).map((e) => e.eventId);
    await eventually('customer a’s events', async () => (await timelineIds(app, a)).length === forA.length);
    await eventually('customer b’s events', async () => (await timelineIds(app, b)).length === forB.length);
    expect(await timelineIds(app, a)).toEqual(forA);
    expect(await timelineIds(app, b)).toEqual(forB);
    expect((await ingestCount(app, 'appended')) - appendedBefore).toBe(5);
  });

  it('sends an invalid envelope, a non-JSON and a non-object message to the DLQ with the problem and the original headers, appending nothing', async () => {
    const customer = `c-${randomUUID()}`;
    const invalid = envelope(customer, { channel: 'fax', data: { url: '/', extra: 1 } });
    const valid = envelope(customer);
    const ids = { invalid: randomUUID(), notJson: randomUUID(), notObject: randomUUID() };
    const headers = (messageId: string) => ({ 'message-id': messageId, 'source-system': 'crm' });
    const before = await storedCount();
    await produce(topics.ingest, [
      { key: customer, value: JSON.stringify(invalid), headers: headers(ids.invalid) },
      { key: customer, value: '{"type": "PageViewed", ', headers: headers(ids.notJson) },
      { key: customer, value: '[1, 2]', headers: headers(ids.notObject) },
      { key: customer, value: JSON.stringify(valid) },
    ]);

    const asHttp = await call(app.url, 'POST', '/v1/events', { body: invalid });
    expect(asHttp.status).toBe(400);
    const { instance: _instance, ...httpProblem } = asHttp.body;
    const letter = await deadLetterWith(ids.invalid);
    expect(letter.key).toBe(customer);
    expect(letter.value).toEqual({ original: invalid, problem: httpProblem });
    expect(letter.value.problem.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ pointer: '/channel', rule: 'isIn' }), expect.objectContaining({ pointer: '/data/extra', rule: 'unknownField' })]),
    );
    expect(letter.headers).toEqual({
      'message-id': ids.invalid,
      'source-system': 'crm',
      'dlq-reason': 'validation',
      'dlq-original-topic': topics.ingest,
      'dlq-original-partition': expect.stringMatching(/^\d+$/),
      'dlq-original-offset': expect.stringMatching(/^\d+$/),
    });

    const notJson = await deadLetterWith(ids.notJson);
    expect(notJson.value).toEqual({
      original: '{"type": "PageViewed", ',
      problem: expect.objectContaining({ status: 400, type: expect.stringContaining('validation'), errors: [{ pointer: '', rule: 'isJson', message: expect.stringContaining('not valid JSON') }] }),
    });
    expect(notJson.headers).toMatchObject({ 'source-system': 'crm', 'dlq-reason': 'validation' });
    const notObject = await deadLetterWith(ids.notObject);
    expect(notObject.value).toEqual({ original: [1, 2], problem: expect.objectContaining({ status: 400, errors: [{ pointer: '', rule: 'isObject', message: 'an event must be a JSON object' }] }) });

    // the valid message behind them on the same partition is the barrier: they were all handled
    await eventually('the valid message after them', async () => (await timelineIds(app, customer)).length === 1);
    expect(await timelineIds(app, customer)).toEqual([valid.eventId]);
    expect(await storedCount()).toBe(before + 1);
  });

  it('sends hostile messages (NUL, lone surrogates, deep JSON, huge numbers, wrong types, a large value) to the DLQ with a problem, and keeps consuming', async () => {
    const customer = `c-${randomUUID()}`;
    const valid = envelope(customer);
    const hostile: [string, string, { pointer: string; rule: string }][] = [
      ['nul', JSON.stringify(envelope(customer, { data: { url: '/a\u0000' } })), { pointer: '/data/url', rule: 'storableText' }],
      ['surrogate', JSON.stringify(envelope(customer, { type: 'CustomerRegistered', data: { email: 'x@y.z' } })).replace('x@y.z', 'x\\ud800@y.z'), { pointer: '/data/email', rule: 'storableText' }],
      ['nul-metadata', JSON.stringify(envelope(customer, { metadata: { source: '\u0000' } })), { pointer: '/metadata/source', rule: 'storableText' }],
      ['deep', JSON.stringify(envelope(customer)).replace('"data":{', `"data":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)},`), { pointer: expect.any(String) as unknown as string, rule: 'maxDepth' }],
      ['huge-number', JSON.stringify(envelope(customer)).replace('"data":{', '"data":{"n":1e400,'), { pointer: '/data/n', rule: 'finiteNumber' }],
      ['wrong-types', JSON.stringify(envelope(customer, { customerId: 5, occurredAt: true, data: [] })), { pointer: '/customerId', rule: expect.any(String) as unknown as string }],
      ['large', JSON.stringify(envelope(customer, { data: { url: 'x'.repeat(500_000) } })), { pointer: '/data/url', rule: expect.any(String) as unknown as string }],
    ];
    const before = await storedCount();
    await produce(topics.ingest, [...hostile.map(([id, value]) => ({ key: customer, value, headers: { 'message-id': `hostile-${id}-${customer}` } })), { key: customer, value: JSON.stringify(valid) }]);
    for (const [id, , error] of hostile) {
      const letter = await deadLetterWith(`hostile-${id}-${customer}`);
      expect({ id, problem: letter.value.problem }).toEqual({ id, problem: expect.objectContaining({ status: 400, errors: expect.arrayContaining([expect.objectContaining(error)]) }) });
      expect(letter.headers['dlq-reason']).toBe('validation');
    }
    await eventually('the valid message after them', async () => (await timelineIds(app, customer)).length === 1);
    expect(await storedCount()).toBe(before + 1);
  });

  it('sends a 409 (a known eventId with other content) to the DLQ; the first content stays', async () => {
    const customer = `c-${randomUUID()}`;
    const first = envelope(customer);
    const conflicting = { ...first, data: { url: '/something-else' } };
    const after = envelope(customer);
    await produceEnvelopes(first);
    await eventually('the first content', async () => (await timelineIds(app, customer)).length === 1);
    await produce(topics.ingest, [
      { key: customer, value: JSON.stringify(conflicting), headers: { 'message-id': `conflict-${first.eventId}` } },
      { key: customer, value: JSON.stringify(after) },
    ]);

    const letter = await deadLetterWith(`conflict-${first.eventId}`);
    const asHttp = await call(app.url, 'POST', '/v1/events', { body: conflicting });
    expect(asHttp.status).toBe(409);
    const { instance: _instance, ...httpProblem } = asHttp.body;
    expect(letter.value).toEqual({ original: conflicting, problem: httpProblem });
    expect(letter.value.problem).toMatchObject({ status: 409, errors: [expect.objectContaining({ pointer: '/eventId', rule: 'idempotency' })] });
    expect(letter.headers['dlq-reason']).toBe('conflict');

    await eventually('the message after the conflict', async () => (await timelineIds(app, customer)).length === 2);
    expect(await timelineIds(app, customer)).toEqual([first.eventId, after.eventId]);
    const timeline = await call(app.url, 'GET', `/v1/customers/${customer}/timeline`);
    expect(timeline.body.items.find((e: { eventId: string }) => e.eventId === first.eventId).data).toEqual(first.data);
  });

  it('stores an envelope delivered twice once, counting the second as a duplicate', async () => {
    const customer = `c-${randomUUID()}`;
    const body = envelope(customer);
    const [appended, duplicates] = [await ingestCount(app, 'appended'), await ingestCount(app, 'duplicate')];
    await produceEnvelopes(body);
    await produceEnvelopes({ ...body, metadata: { source: 're-sent' } } as ReturnType<typeof envelope>);
    await eventually('the second delivery', async () => (await ingestCount(app, 'duplicate')) === duplicates + 1);
    expect(await ingestCount(app, 'appended')).toBe(appended + 1);
    expect(await timelineIds(app, customer)).toEqual([body.eventId]);
  });

  it('commits offsets after the appends: the group’s committed offsets reach the end offsets', async () => {
    await eventually('committed offsets at the end', () => committedAtEnd(groupId, topics.ingest));
  });

  it('absorbs a re-delivery after a crash between append and commit (offsets behind the appends)', async () => {
    await eventually('committed offsets at the end', () => committedAtEnd(groupId, topics.ingest));
    const stored = await storedCount();
    const [appended, duplicates, dead] = await Promise.all([ingestCount(app, 'appended'), ingestCount(app, 'duplicate'), ingestCount(app, 'dlq')]);
    const deadLettersBefore = deadLetters.length;
    await app.close();
    // Committed offsets behind appended events are exactly what a crash after the append and
    // before the commit leaves: rewind the group to the beginning and start again.
    await admin.resetOffsets({ groupId, topic: topics.ingest, earliest: true });
    const ends = await admin.fetchTopicOffsets(topics.ingest);
    const messages = ends.reduce((sum, p) => sum + Number(p.high), 0);

    app = await startTestApp(database.url, envOf(prefix));
    await eventually('every message handled again', () => committedAtEnd(groupId, topics.ingest));
    expect(await storedCount()).toBe(stored);
    expect(await ingestCount(app, 'appended')).toBe(appended);
    const redelivered = (await ingestCount(app, 'duplicate')) - duplicates + ((await ingestCount(app, 'dlq')) - dead);
    expect(redelivered).toBe(messages);
    // at-least-once: the rejected messages are dead-lettered again
    await eventually('the dead letters again', async () => deadLetters.length === deadLettersBefore + ((await ingestCount(app, 'dlq')) - dead));
  });

  it('stops without committing while the database is unreachable, and resumes where it stopped', async () => {
    const downPrefix = `t-${randomUUID().slice(0, 8)}.`;
    const downTopics: Topics = topicsFor(downPrefix);
    const downGroup = ingestGroupId(downPrefix);
    cleanup.topics.push(downTopics.ingest, downTopics.ingestDlq);
    cleanup.groups.push(downGroup);
    const downDatabase = await createTestDatabase('e2e_kafka_ingest_down');
    const target = new URL(downDatabase.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(downDatabase.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const downApp = await startTestApp(viaProxy.toString(), envOf(downPrefix));
    try {
      await eventually('the ingest consumer to run', async () => (await ingestCheck(downApp)).status === 'up');
      const customer = `c-${randomUUID()}`;
      const [first, second] = [envelope(customer), envelope(customer)];
      await produce(downTopics.ingest, [{ key: customer, value: JSON.stringify(first) }]);
      await eventually('the first event', async () => (await storedCount(downDatabase.pool)) === 1);

      proxy.cut();
      const [sent] = await produce(downTopics.ingest, [{ key: customer, value: JSON.stringify(second) }]);
      const check = await eventually('the consumer to report the failed batch', async () => {
        const c = await ingestCheck(downApp);
        return c.status === 'down' && /retrying/.test(c.detail ?? '') && c;
      });
      expect(check.detail).toMatch(/not committed/);
      expect(await committedOffset(downGroup, downTopics.ingest, sent.partition)).toBeLessThanOrEqual(BigInt(sent.baseOffset!));
      expect((await admin.fetchTopicOffsets(downTopics.ingestDlq)).every((p) => p.high === '0')).toBe(true);

      await proxy.restore();
      await eventually('the second event after the database is back', async () => (await storedCount(downDatabase.pool)) === 2);
      await eventually('committed offsets at the end', () => committedAtEnd(downGroup, downTopics.ingest));
      expect((await downDatabase.pool.query('select event_id from es_events order by stream_revision')).rows.map((r) => r.event_id)).toEqual([first.eventId, second.eventId]);
      expect((await admin.fetchTopicOffsets(downTopics.ingestDlq)).every((p) => p.high === '0')).toBe(true);
      await eventually('the consumer to report running again', async () => (await ingestCheck(downApp)).status === 'up');
    } finally {
      await downApp.close();
      await proxy.close();
      await downDatabase.drop();
    }
  });
});

function decode(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(Array.isArray(value) ? value[value.length - 1] : value)]));
}
