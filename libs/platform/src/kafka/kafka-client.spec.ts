import { Logger, LoggerService } from '@nestjs/common';
import { kafkaClient } from './kafka-client';
import { KafkaMessageProducer } from './message-producer';

/** Nothing connects: kafkajs logs these warnings when a producer is created. */
describe('kafka client logging', () => {
  const warnings: string[] = [];
  const capture: LoggerService = {
    log: () => undefined,
    error: () => undefined,
    warn: (message: { msg?: string } | string) => void warnings.push(typeof message === 'string' ? message : String(message.msg)),
  };
  const partitionerWarning = process.env.KAFKAJS_NO_PARTITIONER_WARNING;
  beforeAll(() => delete process.env.KAFKAJS_NO_PARTITIONER_WARNING);
  beforeEach(() => {
    warnings.length = 0;
    Logger.overrideLogger(capture);
  });
  afterAll(() => {
    Logger.overrideLogger(false);
    if (partitionerWarning !== undefined) process.env.KAFKAJS_NO_PARTITIONER_WARNING = partitionerWarning;
  });

  it('creates our idempotent, acks=all producer without a warning', () => {
    new KafkaMessageProducer(kafkaClient(['127.0.0.1:9'], 'spec'));
    expect(warnings).toEqual([]);
  });

  it('still logs the other kafkajs warnings', () => {
    kafkaClient(['127.0.0.1:9'], 'spec').producer({ idempotent: true });
    expect(warnings).toEqual([expect.stringContaining('switched default partitioner')]);
  });
});
