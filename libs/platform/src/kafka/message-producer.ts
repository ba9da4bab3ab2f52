import { CompressionTypes, Kafka, Partitioners, Producer } from 'kafkajs';

/** One message to publish; `key` decides the partition, so one customer's messages stay in order. */
export type OutboundMessage = {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
};

/**
 * Tessera's producer port (DESIGN §10: kafkajs is unmaintained, so it stays behind this). `send`
 * resolves once every message is acknowledged by all in-sync replicas, in the order given per
 * topic and key; it rejects without partial success being reported, so callers re-send all.
 */
export interface MessageProducer {
  connect(): Promise<void>;
  send(messages: readonly OutboundMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** The producer settings of DESIGN §1/§10, shared with the benchmark's baseline. */
export const PRODUCER_SETTINGS = { idempotent: true, maxInFlightRequests: 1, acks: -1 } as const;

/**
 * kafkajs behind MessageProducer: idempotent, acks=all, one request in flight. kafkajs has no
 * linger or batch size, so the caller's array is the batch; one `sendBatch` carries it, split
 * into chunks of `maxBatchMessages`.
 */
export class KafkaMessageProducer implements MessageProducer {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly maxBatchMessages = 5_000,
  ) {
    // The default partitioner named explicitly (kafkajs warns when it is left implicit); bounded
    // retries are deliberate, see BOUNDED_RETRIES_WARNING.
    this.producer = kafka.producer({
      idempotent: PRODUCER_SETTINGS.idempotent,
      maxInFlightRequests: PRODUCER_SETTINGS.maxInFlightRequests,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(messages: readonly OutboundMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += this.maxBatchMessages) {
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const m of messages.slice(start, start + this.maxBatchMessages)) {
        const list = byTopic.get(m.topic) ?? [];
        list.push({ key: m.key, value: m.value, headers: m.headers });
        byTopic.set(m.topic, list);
      }
      await this.producer.sendBatch({
        acks: PRODUCER_SETTINGS.acks,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
      });
    }
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
