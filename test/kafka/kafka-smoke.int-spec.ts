import { randomUUID } from 'node:crypto';
import { describeWithKafka, kafkaBrokers } from '../support/kafka-suite';
import { Admin, Consumer, Kafka, KafkaMessage, logLevel, Partitioners, Producer } from 'kafkajs';

const brokers = kafkaBrokers;
const TIMEOUT_MS = 60_000;

describeWithKafka('kafka smoke', () => {
  const kafka = new Kafka({
    clientId: 'tessera-kafka-smoke',
    brokers,
    logLevel: logLevel.ERROR,
  });
  const topic = `tessera.smoke.${randomUUID()}`;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
  }, TIMEOUT_MS);

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, TIMEOUT_MS);

  it(
    'round-trips key, value and headers through an idempotent producer',
    async () => {
      producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      const key = `customer-${randomUUID()}`;
      const value = JSON.stringify({ type: 'CustomerRegistered', at: new Date().toISOString() });
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key, value, headers: { 'event-type': 'CustomerRegistered', 'schema-version': '1' } }],
      });

      consumer = kafka.consumer({ groupId: `tessera-smoke-${randomUUID()}` });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received = new Promise<KafkaMessage>((resolve) => {
        void consumer?.run({
          eachMessage: async ({ message }) => resolve(message),
        });
      });
      const message = await received;

      expect(message.key?.toString()).toBe(key);
      expect(message.value?.toString()).toBe(value);
      expect(message.headers?.['event-type']?.toString()).toBe('CustomerRegistered');
      expect(message.headers?.['schema-version']?.toString()).toBe('1');
    },
    TIMEOUT_MS,
  );
});
