/** One consumed message, decoded; `offset` is Kafka's decimal string. */
export type InboundMessage = {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The value as UTF-8 text; `null` for a message without a value (a tombstone). */
  value: string | null;
  /** Header values as UTF-8 text; of a repeated header, the last value. */
  headers: Record<string, string>;
};

/**
 * Handles one partition's messages in offset order. Resolving means every message was dealt
 * with (appended, or written to the dead-letter topic and acknowledged): the consumer then
 * commits past the last one. Throwing means none of them is committed: the consumer pauses and
 * reads them again from the first.
 */
export type BatchHandler = (messages: readonly InboundMessage[]) => Promise<void>;

export type ConsumerState = 'stopped' | 'starting' | 'running' | 'rebalancing' | 'retrying' | 'crashed';

export type ConsumerStatus = { state: ConsumerState; detail?: string };

/**
 * Tessera's consumer port (kafkajs stays behind it, like MessageProducer): a consumer group
 * member that commits offsets only after the handler resolved for them.
 */
export interface MessageConsumer {
  /** Joins the group and starts handling; resolves once started (joining goes on in the background). */
  start(topic: string, handler: BatchHandler): Promise<void>;
  /** Finishes the batch in flight, leaves the group and disconnects, for good. */
  stop(): Promise<void>;
  status(): ConsumerStatus;
}
