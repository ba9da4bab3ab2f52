import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '../support/database';
import { ConsumerProcess } from '../support/example-consumer';
import { describeWithKafka, kafkaBrokers, readTopics, ReadMessage, topicSize, uniquePrefix } from '../support/kafka-suite';
import { call, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(120_000);

type Sent = { eventId: string; type: string; position: string };

/**
 * Segments end to end over HTTP and Kafka (DESIGN §5, §7, §11): define a custom segment, move a
 * customer in and out with events, and read the entered/exited messages with their causes from
 * the topic; built-in value-tier and lifecycle messages; backfill, new version, deletion; a
 * rebuild that publishes nothing that did not change.
 */
describeWithKafka('segments fan-out to Kafka', () => {
  let database: TestDatabase;
  let app: TestApp;
  const prefix = uniquePrefix('fanout');
  const segmentTopic = `${prefix}segment-membership.v1`;
  const stageTopic = `${prefix}lifecycle-stage.v1`;
  const now = Date.now();
  const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();

  const send = async (customerId: string, type: string, data: Record<string, unknown>, occurredAt = minutesAgo(1)): Promise<Sent> => {
    const eventId = randomUUID();
    const answer = await call(app.url, 'POST', '/v1/events', { body: { eventId, type, customerId, occurredAt, channel: 'app', data } });
    expect(answer.status).toBe(202);
    return { eventId, type, position: answer.body.position };
  };
  /** Waits until the projection applied the last event sent (positions are opaque: equality only). */
  const projected = async (position: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { body } = await call(app.url, 'GET', '/v1/projections/customer-360');
      if (body.position === position) return;
      if (Date.now() > deadline) throw new Error(`projection at ${body.position}, waiting for ${position}`);
      await new Promise((done) => setTimeout(done, 20));
    }
  };
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  };
  const outboxDrained = () => until('an empty outbox', async () => ((await call(app.url, 'GET', '/v1/outbox')).body.depth === 0 ? true : undefined));
  const backfilled = (id: string, version: number) =>
    until(`backfill of ${id} v${version}`, async () => {
      const { body } = await call(app.url, 'GET', `/v1/segments/${id}`);
      if (body.backfill?.status === 'failed') throw new Error(`backfill failed: ${body.backfill.error}`);
      return body.backfill?.version === version && body.backfill.status === 'done' ? body : undefined;
    });
  const order = (orderId: string, total: number) => ({ orderId, items: [{ sku: `sku-${orderId}`, category: 'books', quantity: 1, unitPrice: total }], total, currency: 'CNY' });
  const segmentMessages = (messages: ReadMessage[], customerId: string, segmentId: string) =>
    messages.filter((m) => m.topic === segmentTopic && m.key === customerId && m.value.segmentId === segmentId).map((m) => m.value);

  beforeAll(async () => {
    database = await createTestDatabase('segments_fanout_e2e');
    app = await startTestApp(database.url, { KAFKA_BROKERS: kafkaBrokers.join(','), TESSERA_TOPIC_PREFIX: prefix, TESSERA_TOPIC_PARTITIONS: '3' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('refuses a bad rule with the path of the bad node, and a built-in id, and saves nothing', async () => {
    const bad = await call(app.url, 'POST', '/v1/segments', {
      body: { id: 'broken', name: 'Broken', rule: { all: [{ field: 'netSpend365d', op: 'gte', value: 1 }, { any: [{ field: 'password', op: 'eq', value: 'x' }] }] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.errors).toEqual([expect.objectContaining({ pointer: '/rule/all/1/any/0/field', rule: 'isIn' })]);
    const builtIn = await call(app.url, 'POST', '/v1/segments', { body: { id: 'value:high', name: 'x', rule: { field: 'orderCount', op: 'gt', value: 0 } } });
    expect(builtIn.status).toBe(400);
    expect(builtIn.body.errors).toEqual([expect.objectContaining({ pointer: '/id', rule: 'notBuiltIn' })]);
    expect((await call(app.url, 'PUT', '/v1/segments/value:high', { body: { name: 'x', rule: { field: 'orderCount', op: 'gt', value: 0 } } })).status).toBe(409);
    expect((await call(app.url, 'DELETE', '/v1/segments/stage:active')).status).toBe(409);
    expect((await call(app.url, 'GET', '/v1/segments/broken')).status).toBe(404);
  });

  it('publishes entered and exited with their causes, in order, and records them with the rule version', async () => {
    const created = await call(app.url, 'POST', '/v1/segments', {
      body: { id: 'book-spenders', name: 'Book spenders', rule: { all: [{ field: 'netSpend365d', op: 'gte', value: 50_000 }, { field: 'interests', op: 'contains', value: 'books' }] } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'book-spenders', version: 1, builtIn: false });
    await backfilled('book-spenders', 1);

    await send('c-1', 'CustomerRegistered', { name: '张伟' });
    const consent = await send('c-1', 'ConsentChanged', { marketingEmail: true });
    await projected(consent.position);
    const placed = await send('c-1', 'OrderPlaced', order('o-1', 60_000));
    await projected(placed.position);
    const refunded = await send('c-1', 'OrderRefunded', { orderId: 'o-1', amount: 60_000, currency: 'CNY' });
    await projected(refunded.position);

    const messages = await readTopics([segmentTopic, stageTopic], (seen) => segmentMessages(seen, 'c-1', 'book-spenders').length >= 2);
    const changes = segmentMessages(messages, 'c-1', 'book-spenders');
    expect(changes.map((m) => m.kind)).toEqual(['entered', 'exited']);
    expect(changes[0]).toMatchObject({
      customerId: 'c-1',
      segmentName: 'Book spenders',
      ruleVersion: 1,
      cause: { kind: 'event', eventId: placed.eventId, eventType: 'OrderPlaced', position: placed.position },
      traits: { lifecycleStage: 'new', consent: { marketingEmail: true, marketingSms: false } },
    });
    expect(changes[1].cause).toEqual({ kind: 'event', eventId: refunded.eventId, eventType: 'OrderRefunded', position: refunded.position });
    const entered = messages.find((m) => m.value.messageId === changes[0].messageId)!;
    expect(entered.headers).toEqual({ 'message-id': changes[0].messageId, 'message-type': 'SegmentMembershipChanged', 'schema-version': '1' });

    // Built-in segments and the lifecycle move the same way.
    const builtIn = messages.filter((m) => m.topic === segmentTopic && m.key === 'c-1').map((m) => `${m.value.kind} ${m.value.segmentId}`);
    expect(builtIn).toEqual(expect.arrayContaining(['entered stage:prospect', 'entered consent:marketing-email', 'exited stage:prospect', 'entered stage:new', 'entered value:low', 'entered interest:books']));
    expect(builtIn.indexOf('entered stage:prospect')).toBeLessThan(builtIn.indexOf('exited stage:prospect'));
    const stages = await readTopics([stageTopic], (seen) => seen.some((m) => m.key === 'c-1'));
    expect(stages.find((m) => m.key === 'c-1')!.value).toMatchObject({ customerId: 'c-1', from: 'prospect', to: 'new', cause: { kind: 'event', eventId: placed.eventId } });

    // "Why is this customer in this segment?" — the history answers, with the causes.
    const why = await call(app.url, 'GET', '/v1/customers/c-1/segments');
    expect(why.status).toBe(200);
    const history = why.body.history.filter((h: { segmentId: string }) => h.segmentId === 'book-spenders');
    expect(history.map((h: { kind: string; ruleVersion: number; cause: { eventId: string } }) => [h.kind, h.ruleVersion, h.cause.eventId])).toEqual([
      ['exited', 1, refunded.eventId],
      ['entered', 1, placed.eventId],
    ]);
    expect(why.body.segments.map((s: { segmentId: string }) => s.segmentId)).not.toContain('book-spenders');
    await outboxDrained();
  });

  it('gives each change of a multi-event batch the event it came from, not the last event of the batch', async () => {
    const events = [
      { eventId: randomUUID(), type: 'OrderPlaced', customerId: 'c-batch', occurredAt: minutesAgo(3), channel: 'app', data: { ...order('o-batch', 20_000), items: [{ sku: 'sku-t', category: 'toys', quantity: 1, unitPrice: 20_000 }] } },
      { eventId: randomUUID(), type: 'ProductViewed', customerId: 'c-batch', occurredAt: minutesAgo(2), channel: 'app', data: { sku: 'sku-x', category: 'toys' } },
      { eventId: randomUUID(), type: 'ConsentChanged', customerId: 'c-batch', occurredAt: minutesAgo(1), channel: 'app', data: { marketingSms: true } },
    ];
    const answer = await call(app.url, 'POST', '/v1/events/batch', { body: { events } });
    expect(answer.status).toBe(202);
    await projected(answer.body.results.at(-1).position);
    const why = await call(app.url, 'GET', '/v1/customers/c-batch/segments');
    const causes = Object.fromEntries(why.body.history.map((h: { segmentId: string; cause: { eventId: string } }) => [h.segmentId, h.cause.eventId]));
    expect(causes).toMatchObject({ 'value:low': events[0].eventId, 'stage:new': events[0].eventId, 'interest:toys': events[0].eventId, 'consent:marketing-sms': events[2].eventId });
    expect(Object.values(causes)).not.toContain(events[1].eventId);
  });

  it('backfills a new version and a new segment with cause backfill, lists members, and exits every member on delete', async () => {
    await send('c-2', 'OrderPlaced', order('o-2', 80_000));
    const placed = await send('c-3', 'OrderPlaced', order('o-3', 10_000));
    await projected(placed.position);
    expect((await call(app.url, 'GET', '/v1/segments/book-spenders/members')).body.items.map((m: { customerId: string }) => m.customerId)).toEqual(['c-2']);

    const changed = await call(app.url, 'PUT', '/v1/segments/book-spenders', { body: { name: 'Book buyers', rule: { field: 'interests', op: 'contains', value: 'books' } } });
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);
    const done = await backfilled('book-spenders', 2);
    expect(done).toMatchObject({ size: 3, backfill: { status: 'done', entered: 2, exited: 0, processed: 4 } });
    const versions = await call(app.url, 'GET', '/v1/segments/book-spenders/versions');
    expect(versions.body.items.map((v: { version: number; name: string }) => [v.version, v.name])).toEqual([
      [1, 'Book spenders'],
      [2, 'Book buyers'],
    ]);
    const page1 = await call(app.url, 'GET', '/v1/segments/book-spenders/members?limit=2');
    const page2 = await call(app.url, 'GET', `/v1/segments/book-spenders/members?limit=2&cursor=${page1.body.nextCursor}`);
    expect([...page1.body.items, ...page2.body.items].map((m: { customerId: string; ruleVersion: number }) => `${m.customerId}@${m.ruleVersion}`)).toEqual(['c-1@2', 'c-2@2', 'c-3@2']);
    expect(page2.body.nextCursor).toBeNull();
    expect((await call(app.url, 'GET', '/v1/customers?segment=book-spenders')).body.items.map((c: { customerId: string }) => c.customerId)).toEqual(['c-1', 'c-2', 'c-3']);

    expect((await call(app.url, 'DELETE', '/v1/segments/book-spenders')).status).toBe(204);
    expect((await call(app.url, 'GET', '/v1/segments/book-spenders')).status).toBe(404);
    const messages = await readTopics([segmentTopic], (seen) => seen.filter((m) => m.value.segmentId === 'book-spenders' && m.value.cause.kind === 'deleted').length >= 3);
    const bySegment = messages.filter((m) => m.value.segmentId === 'book-spenders').map((m) => `${m.key} ${m.value.kind} ${m.value.cause.kind} v${m.value.ruleVersion}`);
    expect(bySegment).toEqual(
      expect.arrayContaining(['c-1 entered backfill v2', 'c-3 entered backfill v2', 'c-1 exited deleted v2', 'c-2 exited deleted v2', 'c-3 exited deleted v2']),
    );
    await outboxDrained();
  });

  it('rebuilds the projection without publishing memberships that did not change', async () => {
    await outboxDrained();
    const before = (await topicSize(segmentTopic)) + (await topicSize(stageTopic));
    const rebuild = await call(app.url, 'POST', '/v1/projections/customer-360/rebuild');
    expect(rebuild.status).toBe(202);
    await until('the rebuild', async () => {
      const { body } = await call(app.url, 'GET', '/v1/projections/customer-360');
      return body.rebuild?.state === 'done' ? true : undefined;
    });
    const outbox = await call(app.url, 'GET', '/v1/outbox');
    expect(outbox.body.depth).toBe(0);
    // Memberships survived the swap: an event that changes nothing publishes nothing.
    const viewed = await send('c-2', 'ProductViewed', { sku: 'sku-o-2', category: 'books' });
    await projected(viewed.position);
    expect((await call(app.url, 'GET', '/v1/outbox')).body.depth).toBe(0);
    expect((await topicSize(segmentTopic)) + (await topicSize(stageTopic))).toBe(before);
    const why = await call(app.url, 'GET', '/v1/customers/c-2/segments');
    expect(why.body.segments.map((s: { segmentId: string }) => s.segmentId)).toEqual(expect.arrayContaining(['stage:new', 'value:low', 'interest:books']));
  });
  it('rebuilds under ingestion: the changes of events arriving meanwhile are published exactly once', async () => {
    const rebuild = await call(app.url, 'POST', '/v1/projections/customer-360/rebuild');
    expect(rebuild.status).toBe(202);
    let sent = 0;
    let last: string;
    for (;;) {
      last = (await send(`r-${sent}`, 'OrderPlaced', { ...order(`o-r-${sent}`, 5_000), items: [{ sku: 'sku-r', category: 'garden', quantity: 1, unitPrice: 5_000 }] })).position;
      sent += 1;
      const { body } = await call(app.url, 'GET', '/v1/projections/customer-360');
      if (body.rebuild?.state === 'done' && sent >= 5) break;
      if (body.rebuild?.state === 'failed') throw new Error(`rebuild failed: ${body.rebuild.error}`);
    }
    await projected(last);
    await outboxDrained();
    const customers = Array.from({ length: sent }, (_, i) => `r-${i}`);
    const messages = await readTopics([segmentTopic], (seen) => customers.every((c) => seen.some((m) => m.key === c && m.value.segmentId === 'interest:garden')));
    for (const customerId of customers) {
      const entered = messages.filter((m) => m.key === customerId && m.value.segmentId === 'interest:garden');
      expect(entered.map((m) => m.value.kind)).toEqual(['entered']);
    }
  });

  it('drives the example marketing consumer: a birthday coupon for the customer who opted in, a skip for the one who did not', async () => {
    const consumer = new ConsumerProcess({
      KAFKA_BROKERS: kafkaBrokers.join(','),
      TESSERA_TOPIC_PREFIX: prefix,
      GROUP_ID: `marketing-${randomUUID()}`,
      STATE_FILE: `/tmp/tessera-e2e-seen-${randomUUID()}.jsonl`,
      FROM_BEGINNING: 'true',
    });
    try {
      await consumer.ready();
      const created = await call(app.url, 'POST', '/v1/segments', {
        body: { id: 'birthday-week', name: 'Birthday within a week', rule: { field: 'daysToBirthday', op: 'lte', value: 7 } },
      });
      expect(created.status).toBe(201);
      await backfilled('birthday-week', 1);
      // Leap birth years, so the test holds on 29 February too.
      const inThreeDays = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit' }).format(Date.now() + 3 * 86_400_000);
      await send('bd-1', 'ConsentChanged', { marketingEmail: true });
      await send('bd-1', 'CustomerRegistered', { name: '李娜', birthDate: `1996-${inThreeDays}` });
      const last = await send('bd-2', 'CustomerRegistered', { name: '王芳', birthDate: `1992-${inThreeDays}` });
      await projected(last.position);

      const sent = await consumer.waitFor('a coupon for bd-1', (line) => line.customerId === 'bd-1' && line.segmentId === 'birthday-week');
      expect(sent).toMatchObject({ action: 'send', channel: 'email', campaign: 'birthday-coupon' });
      const skipped = await consumer.waitFor('a skip for bd-2', (line) => line.customerId === 'bd-2' && line.segmentId === 'birthday-week');
      expect(skipped).toMatchObject({ action: 'skip', reason: 'no-consent' });
    } finally {
      await consumer.stop('SIGTERM');
    }
  });
});
