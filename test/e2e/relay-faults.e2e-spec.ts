import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/database';
import { Kafka, logLevel } from 'kafkajs';
import { brokerSockets, describeWithKafka, kafkaBrokers, kafkaSource, readTopics, uniquePrefix } from '../support/kafka-suite';
import { call, startTestApp, TestApp } from '../support/test-app';
import { CORRECTNESS_DEADLINE_MS, eventually, SLOW_TEST_TIMEOUT_MS } from '../support/eventually';

jest.setTimeout(2 * SLOW_TEST_TIMEOUT_MS);

const MAIN = resolve(__dirname, '../../dist/apps/tessera/src/main.js');
const KAFKA_SH = resolve(__dirname, '../../infra/kafka/kafka.sh');

const exited = (child: ChildProcess) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));

/**
 * The relay's delivery guarantees against the real broker (DESIGN §7): every committed outbox row
 * reaches Kafka although the relay is killed mid-publish (duplicates carry the same messageId);
 * per-customer order holds; with the broker stopped, ingestion and projections go on, the
 * outbox holds, and it drains in order when the broker is back.
 */
describeWithKafka('outbox relay under faults', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('relay_faults');
  });
  afterAll(async () => database?.drop());

  const depth = async () => Number((await database.pool.query<{ n: string }>(`select count(*) as n from outbox.messages`)).rows[0].n);

  it('loses nothing when the relay is killed mid-publish: after a restart every row is on the topic, repeats with the same id and content, per-customer order kept', async () => {
    const prefix = uniquePrefix('relaykill');
    const topic = `${prefix}segment-membership.v1`;
    const total = 150_000;
    const customers = 500;
    // Outbox rows as the projector writes them: n is each customer's own sequence.
    await database.pool.query(
      `insert into outbox.messages (message_id, topic, key, type, payload, at)
       select md5($1 || i)::uuid, $1, 'c-' || (i % $3), 'SegmentMembershipChanged',
              json_build_object('messageId', md5($1 || i)::uuid, 'customerId', 'c-' || (i % $3), 'n', i / $3)::text, now()
       from generate_series(0, $2 - 1) as i order by i`,
      [topic, total, customers],
    );
    const start = () =>
      spawn(process.execPath, [MAIN], {
        env: { ...process.env, DATABASE_URL: database.url, TESSERA_ROLES: 'relay', PORT: '0', HOST: '127.0.0.1', TESSERA_ADMIN_KEY: 'relay-kill-admin-key-0123456789', KAFKA_BROKERS: kafkaBrokers.join(','), TESSERA_TOPIC_PREFIX: prefix, TESSERA_TOPIC_PARTITIONS: '4' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });

    const first = start();
    // Killed once it has published something, so the kill lands mid-publish however slow the machine.
    await eventually('the first relay to publish', async () => (await depth()) < total, CORRECTNESS_DEADLINE_MS, 20);
    first.kill('SIGKILL');
    await exited(first);
    const leftAfterKill = await depth();
    expect(leftAfterKill).toBeGreaterThan(0);
    expect(leftAfterKill).toBeLessThan(total);

    const second = start();
    try {
      await eventually('an empty outbox', async () => (await depth()) === 0, 2 * CORRECTNESS_DEADLINE_MS, 100);
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }

    const seen = new Map<string, string>();
    const messages = await readTopics([topic], (all) => new Set(all.map((m) => m.headers['message-id'])).size >= total, 2 * CORRECTNESS_DEADLINE_MS);
    const lastN = new Map<string, number>();
    for (const m of messages) {
      const id = m.headers['message-id'];
      expect(m.value.messageId).toBe(id);
      const payload = JSON.stringify(m.value);
      if (seen.has(id)) {
        expect(payload).toBe(seen.get(id));
        continue;
      }
      seen.set(id, payload);
      // First deliveries of one customer arrive in its order (one key, one partition).
      expect(m.value.n).toBeGreaterThan(lastN.get(m.key) ?? -1);
      lastN.set(m.key, m.value.n);
    }
    expect(seen.size).toBe(total);
    expect(lastN.size).toBe(customers);
  });

  // Only the infra/kafka broker can be stopped and started here; CI runs that one, so there the
  // case must run (a skip would hide it).
  const brokerOurs = kafkaSource === 'infra' || process.env.CI === 'true';
  if (!brokerOurs) console.warn(`SKIPPED: broker-stop case — the broker came from ${kafkaSource}, not infra/kafka, so this suite cannot stop it`);
  (brokerOurs ? it : it.skip)('keeps ingesting and projecting with the broker stopped, holds the outbox, and drains it in order when the broker returns', async () => {
    const prefix = uniquePrefix('brokerstop');
    const app: TestApp = await startTestApp(database.url, { KAFKA_BROKERS: kafkaBrokers.join(','), TESSERA_TOPIC_PREFIX: prefix, TESSERA_TOPIC_PARTITIONS: '2' });
    const kafkaSh = (command: string) => {
      const result = spawnSync('bash', [KAFKA_SH, command], { encoding: 'utf8', timeout: 180_000 });
      if (result.status !== 0) throw new Error(`kafka.sh ${command} failed: ${result.stdout}\n${result.stderr}`);
    };
    try {
      const send = async (customerId: string, orderId: string, total: number) => {
        const answer = await call(app.url, 'POST', '/v1/events', {
          body: { eventId: randomUUID(), type: 'OrderPlaced', customerId, occurredAt: new Date().toISOString(), channel: 'web', data: { orderId, items: [{ sku: orderId, category: 'toys', quantity: 1, unitPrice: total }], total, currency: 'CNY' } },
        });
        expect(answer.status).toBe(202);
        return answer.body.position as string;
      };
      await send('b-1', 'o-0', 100);
      await eventually('an empty outbox', async () => (await call(app.url, 'GET', '/v1/outbox')).body.depth === 0);

      let waiting: { key: string; message_id: string; topic: string }[] = [];
      kafkaSh('stop');
      try {
        let last = '';
        for (let i = 1; i <= 12; i += 1) last = await send(`b-${i % 3}`, `o-${i}`, 100 * i);
        await eventually(`the projection at ${last}`, async () => (await call(app.url, 'GET', '/v1/projections/customer-360')).body.position === last);
        const profile = await call(app.url, 'GET', '/v1/customers/b-0');
        expect(profile.status).toBe(200);
        expect(profile.body.orderCount).toBe(4);
        const outbox = await call(app.url, 'GET', '/v1/outbox');
        expect(outbox.body.depth).toBeGreaterThan(0);
        expect(outbox.body.oldest).toMatchObject({ type: expect.any(String), topic: expect.stringContaining(prefix) });
        const health = await call(app.url, 'GET', '/health');
        expect(health.status).toBe(200);
        expect(health.body.status).toBe('degraded');
        expect(health.body.checks.kafka.status).toBe('down');
        const metrics = await call(app.url, 'GET', '/metrics');
        expect(metrics.body).toMatch(/tessera_outbox_depth [1-9]/);
        // the ingest consumer gives up on the broker (kafkajs' retries run out) and says so
        await eventually('the ingest consumer to report the broker gone', async () => (await call(app.url, 'GET', '/health')).body.checks['kafka-ingest'].status === 'down');
        const held = await database.pool.query<{ key: string; message_id: string; topic: string }>(`select key, message_id, topic from outbox.messages order by seq`);
        waiting = held.rows;
      } finally {
        kafkaSh('start');
      }
      await eventually('an empty outbox after the broker returned', async () => (await call(app.url, 'GET', '/v1/outbox')).body.depth === 0);

      // What waited came out, and each customer's messages in the order the outbox held them.
      const topics = [...new Set(waiting.map((w) => w.topic))];
      const messages = await readTopics(topics, (all) => waiting.every((w) => all.some((m) => m.headers['message-id'] === w.message_id)));
      for (const customerId of ['b-0', 'b-1', 'b-2']) {
        for (const topic of topics) {
          const expected = waiting.filter((w) => w.key === customerId && w.topic === topic).map((w) => w.message_id);
          const published = [...new Set(messages.filter((m) => m.key === customerId && m.topic === topic).map((m) => m.headers['message-id']))].filter((id) => expected.includes(id));
          expect(published).toEqual(expected);
        }
      }
      expect(waiting.length).toBeGreaterThan(3);

      // The crashed ingest consumer was replaced by a fresh one, which consumes again.
      await eventually('the ingest consumer to run again', async () => (await call(app.url, 'GET', '/health')).body.checks['kafka-ingest'].status === 'up');
      const producer = new Kafka({ clientId: 'relay-faults-e2e', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      const late = { eventId: randomUUID(), type: 'PageViewed', customerId: 'b-late', occurredAt: new Date().toISOString(), channel: 'web', data: { url: '/after-the-broker-returned' } };
      await producer.send({ topic: `${prefix}ingest.v1`, acks: -1, messages: [{ key: late.customerId, value: JSON.stringify(late) }] }).finally(() => producer.disconnect());
      await eventually('the event sent over Kafka after the broker returned', async () => (await call(app.url, 'GET', '/v1/customers/b-late/timeline')).body.items?.some((e: { eventId: string }) => e.eventId === late.eventId));
    } finally {
      await app.close();
    }
    // whatever the consumer went through (crashes, fresh starts), once closed nothing of it is left
    expect(brokerSockets()).toBe(0);
  });
});
