import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { kafkaClient } from '@tessera/platform';
import { CORRECTNESS_DEADLINE_MS, eventually } from '../../../../test/support/eventually';
import { brokerSockets, describeWithKafka, kafkaBrokers, watchTimers } from '../../../../test/support/kafka-suite';
import { KafkaMessageConsumer } from './kafka-message-consumer';
import { InboundMessage } from './message-consumer';

/**
 * The consumer's lifecycle against the real broker: whenever stop() comes — while the group is
 * still being joined, while a failed batch pauses — it ends with no socket to the broker and no
 * timer of its own left, so a stopped consumer can never keep a process (or jest) alive.
 */
describeWithKafka('KafkaMessageConsumer: stop() leaves nothing behind', () => {
  const kafka = new Kafka({ clientId: 'consumer-lifecycle-int', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const client = kafkaClient(kafkaBrokers, 'consumer-lifecycle-int', logLevel.NOTHING);
  const fastRetry = { initialMs: 50, maxMs: 200 };
  const topics: string[] = [];

  /** A short-lived admin client, so nothing of the test's own is open when sockets are counted. */
  const withAdmin = async <T>(work: (admin: Admin) => Promise<T>): Promise<T> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  };
  const newTopic = async (): Promise<string> => {
    const topic = `t-lifecycle-${randomUUID().slice(0, 8)}`;
    topics.push(topic);
    await withAdmin((admin) => admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }));
    return topic;
  };
  const produce = async (topic: string, values: string[]): Promise<void> => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    } finally {
      await producer.disconnect();
    }
  };
  const groupState = (groupId: string): Promise<string> => withAdmin(async (admin) => (await admin.describeGroups([groupId])).groups[0].state);

  // a watch left on by a failed assertion would hook every timer of the files after this one
  let timers: ReturnType<typeof watchTimers> | undefined;
  afterEach(() => timers?.close());

  afterAll(async () => {
    await withAdmin((admin) => admin.deleteTopics({ topics })).catch(() => undefined);
  });

  it('stopped while the group is still being joined: no socket, no timer', async () => {
    const topic = await newTopic();
    const groupId = `g-${randomUUID()}`;
    const handler = async (_messages: readonly InboundMessage[]) => undefined;
    timers = watchTimers();
    // A member already in the group makes a second member's join wait for a rebalance (until the
    // first rejoins at its next heartbeat), so the second is stopped while its join is in flight.
    const holder = new KafkaMessageConsumer(client, groupId, fastRetry);
    await holder.start(topic, handler);
    await eventually('the first member to run', async () => holder.status().state === 'running');

    const joiner = new KafkaMessageConsumer(client, groupId, fastRetry);
    const started = joiner.start(topic, handler);
    await eventually('the group to rebalance for the second member', async () => (await groupState(groupId)) === 'PreparingRebalance', CORRECTNESS_DEADLINE_MS, 5);
    expect(joiner.status().state).toBe('starting');
    await joiner.stop();
    await started;
    await holder.stop();

    expect(joiner.status().state).toBe('stopped');
    expect(brokerSockets()).toBe(0);
    expect(await timers.pending()).toEqual([]);
  });

  it('stopped at once after start(): the start returns, nothing is left', async () => {
    const topic = await newTopic();
    timers = watchTimers();
    const consumer = new KafkaMessageConsumer(client, `g-${randomUUID()}`, fastRetry);
    const started = consumer.start(topic, async () => undefined);
    await consumer.stop();
    await started;
    expect(brokerSockets()).toBe(0);
    expect(await timers.pending()).toEqual([]);
  });

  it('stopped while a failed batch pauses: nothing committed, nothing left', async () => {
    const topic = await newTopic();
    const groupId = `g-${randomUUID()}`;
    await produce(topic, ['a', 'b']);
    let attempts = 0;
    timers = watchTimers();
    const consumer = new KafkaMessageConsumer(client, groupId, { initialMs: 60_000, maxMs: 60_000 });
    await consumer.start(topic, async () => {
      attempts += 1;
      throw new Error('the store is unreachable');
    });
    await eventually('the failed batch to pause', async () => consumer.status().state === 'retrying');
    expect((await timers.pending()).length).toBeGreaterThan(0); // the pause, heartbeats, kafkajs' own
    await consumer.stop();
    expect(attempts).toBe(1);
    expect(brokerSockets()).toBe(0);
    expect(await timers.pending()).toEqual([]);
    const [committed] = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
    expect(committed.partitions[0].offset).toBe('-1');
  });
});
