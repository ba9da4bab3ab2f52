import {
  TESSERA_CONFIG,
  TesseraConfig,
  HEALTH_CHECKS,
  HealthCheck,
  ensureTopics,
  kafkaClient,
  KafkaMessageProducer,
  MessageProducer,
  Topics,
  topicsFor,
  Pause,
} from '@tessera/platform';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { KAFKA_INGEST_WRITER } from '../record-events/event-writer';
import { RecordEvents } from '../record-events/record-events.command';
import { deadLetter } from './dead-letter';
import { Recorder, ingestMessages } from './ingest-messages';
import { kafkaIngestMessages } from './kafka-ingest.metrics';
import { DEFAULT_RETRY, KafkaMessageConsumer, retryDelayMs } from './kafka-message-consumer';
import { InboundMessage, MessageConsumer } from './message-consumer';

/**
 * The group follows the topic prefix (`tessera.` → `tessera-ingest`), so deployments and test
 * runs that share a cluster under other prefixes never share offsets or a group.
 */
export function ingestGroupId(topicPrefix: string): string {
  return `${topicPrefix.replace(/[._-]+$/, '') || 'tessera'}-ingest`;
}

type Wiring = { start: () => Promise<string[]>; topics: Topics; groupId: string; consumer: MessageConsumer; producer: MessageProducer };

/**
 * Kafka ingestion (DESIGN §7, §11), in a process with the `ingest` role and KAFKA_BROKERS set:
 * consumes `<prefix>ingest.v1`, appends each envelope exactly as `POST /v1/events` would, sends
 * the ones that API would refuse (400, 409) to `<prefix>ingest.dlq.v1` with the problem, and
 * commits a batch's offsets only after its appends and its dead letters are acknowledged. When
 * the store cannot be reached nothing is committed: the batch is read again after a pause, and
 * the eventId ledger answers what had been appended already as duplicates.
 */
@Injectable()
export class KafkaIngestConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaIngestConsumer.name);
  private wiring: Wiring | undefined;
  private starting: Promise<void> | undefined;
  private startError: string | undefined;
  private stopping = false;
  private readonly waits = new Pause();
  private readonly record: Recorder = (bodies, batch) => this.commands.execute(new RecordEvents(bodies, batch, KAFKA_INGEST_WRITER));

  constructor(
    private readonly commands: CommandBus,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    @Inject(HEALTH_CHECKS) private readonly healthChecks: HealthCheck[],
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('ingest')) return;
    if (this.config.kafkaBrokers.length === 0) {
      this.healthChecks.push({ name: 'kafka-ingest', critical: false, check: async () => ({ status: 'disabled', detail: 'KAFKA_BROKERS is not set; events arrive over HTTP only' }) });
      return;
    }
    const kafka = kafkaClient(this.config.kafkaBrokers, 'tessera-ingest');
    const topics = topicsFor(this.config.topicPrefix);
    const groupId = ingestGroupId(this.config.topicPrefix);
    this.wiring = {
      start: () => ensureTopics(kafka, [topics.ingest, topics.ingestDlq], this.config.topicPartitions),
      topics,
      groupId,
      consumer: new KafkaMessageConsumer(kafka, groupId),
      producer: new KafkaMessageProducer(kafka),
    };
    this.healthChecks.push(this.healthCheckOf(this.wiring));
    this.starting = this.startWithRetries(this.wiring);
  }

  async onApplicationShutdown(): Promise<void> {
    const wiring = this.wiring;
    if (!wiring) return;
    this.stopping = true;
    this.waits.wake();
    await wiring.consumer.stop().catch((error: unknown) => this.logger.warn({ msg: 'the ingest consumer did not stop cleanly', error: error instanceof Error ? error.message : String(error) }));
    await this.starting;
    await wiring.producer.disconnect().catch(() => undefined);
  }

  /** Kafka may be down at start: the app serves HTTP meanwhile and `/health` says `degraded`. */
  private async startWithRetries(wiring: Wiring): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const created = await wiring.start();
        await wiring.producer.connect();
        if (this.stopping) return;
        await wiring.consumer.start(wiring.topics.ingest, (messages) => this.handle(wiring, messages));
        if (this.stopping) return;
        this.startError = undefined;
        this.logger.log({ msg: 'consuming the ingest topic', topic: wiring.topics.ingest, dlq: wiring.topics.ingestDlq, groupId: wiring.groupId, createdTopics: created });
        return;
      } catch (error) {
        if (this.stopping) return;
        this.startError = error instanceof Error ? error.message : String(error);
        const retryInMs = retryDelayMs(attempt, DEFAULT_RETRY);
        this.logger.warn({ msg: 'cannot consume the ingest topic yet; trying again after a pause', topic: wiring.topics.ingest, attempt, retryInMs, error: this.startError });
        await this.waits.pause(retryInMs);
      }
    }
  }

  /** Resolves once every message is appended or dead-lettered; throws (nothing committed) otherwise. */
  private async handle(wiring: Wiring, messages: readonly InboundMessage[]): Promise<void> {
    const outcomes = await ingestMessages(messages, this.record, { now: new Date(), currency: this.config.currency });
    const letters = outcomes.flatMap((outcome, i) => (outcome.kind === 'rejected' ? [deadLetter(messages[i], outcome, wiring.topics.ingestDlq)] : []));
    if (letters.length > 0) await wiring.producer.send(letters);
    outcomes.forEach((outcome, i) => {
      if (outcome.kind !== 'rejected') return kafkaIngestMessages.inc({ result: outcome.kind });
      kafkaIngestMessages.inc({ result: 'dlq' });
      const { topic, partition, offset, key } = messages[i];
      this.logger.warn({ msg: 'message sent to the dead-letter topic', topic, partition, offset, key, reason: outcome.reason, detail: outcome.problem.detail, errors: outcome.problem.errors?.slice(0, 5) });
    });
  }

  /** Not critical: without the consumer, HTTP ingestion still works (DESIGN §11: `degraded`). */
  private healthCheckOf(wiring: Wiring): HealthCheck {
    return {
      name: 'kafka-ingest',
      critical: false,
      check: async () => {
        const { state, detail } = wiring.consumer.status();
        if (state === 'running' || state === 'rebalancing') return { status: 'up', detail: `${state}: ${wiring.topics.ingest} as group ${wiring.groupId}` };
        if (state === 'stopped') return { status: 'down', detail: this.startError ? `not started: ${this.startError}` : 'starting' };
        return { status: 'down', detail: detail ? `${state}: ${detail}` : state };
      },
    };
  }
}
