import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { HEADER, topicsFor } from '@tessera/platform';
import {
  describeErrors,
  FULL_CONSENT,
  lifecycleStageChanged,
  LifecycleStageChanged,
  messageValidators,
  NO_CONSENT,
  segmentMembershipChanged,
  SegmentMembershipChanged,
} from '../contracts/message-contracts';
import { ConsumerProcess, Line } from '../support/example-consumer';
import { describeWithKafka, kafkaBrokers, uniquePrefix } from '../support/kafka-suite';
import { CORRECTNESS_DEADLINE_MS, eventually, SLOW_TEST_TIMEOUT_MS } from '../support/eventually';
import { makeTempDir, removeTempDir } from '../support/temp-dirs';

jest.setTimeout(SLOW_TEST_TIMEOUT_MS);

/**
 * The copyable marketing consumer (examples/marketing-consumer) against a real broker: consent is
 * checked, each messageId is acted on once — across duplicates, kill -9 and restarts — and the
 * offset is committed only after the side effect (DESIGN §7, §11).
 */
describeWithKafka('marketing consumer example (examples/marketing-consumer)', () => {
  const kafka = new Kafka({ clientId: 'tessera-marketing-consumer-e2e', brokers: kafkaBrokers, logLevel: logLevel.ERROR });
  const validators = messageValidators();
  const created: string[] = [];
  const running: ConsumerProcess[] = [];
  let admin: Admin;
  let producer: Producer;
  let workDir: string;

  beforeAll(async () => {
    workDir = await makeTempDir('tessera-e2e-work-');
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((consumer) => consumer.stop('SIGKILL')));
  });

  afterAll(async () => {
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: created }).catch(() => undefined);
      await admin.disconnect();
    }
    if (workDir) await removeTempDir(workDir);
  });

  /** A fresh topic prefix (both published topics created), state file and consumer group. */
  async function scenario() {
    const prefix = uniquePrefix('marketing');
    const id = randomUUID().slice(0, 8);
    const topics = topicsFor(prefix);
    await admin.createTopics({
      topics: [
        { topic: topics.segmentMembership, numPartitions: 3, replicationFactor: 1 },
        { topic: topics.lifecycleStage, numPartitions: 1, replicationFactor: 1 },
      ],
      waitForLeaders: true,
    });
    created.push(topics.segmentMembership, topics.lifecycleStage);
    const stateFile = join(workDir, `seen-${id}.jsonl`);

    const start = (groupId = `marketing-${id}`): ConsumerProcess => {
      const consumer = new ConsumerProcess({
        KAFKA_BROKERS: kafkaBrokers.join(','),
        TESSERA_TOPIC_PREFIX: prefix,
        GROUP_ID: groupId,
        STATE_FILE: stateFile,
        FROM_BEGINNING: 'true',
        SUBSCRIBE_LIFECYCLE: 'true',
        SESSION_TIMEOUT_MS: '6000',
      });
      running.push(consumer);
      return consumer;
    };

    /** Publishes like Tessera's relay: key = customerId, the three headers; checked against the schema first. */
    const publish = async (message: SegmentMembershipChanged | LifecycleStageChanged): Promise<void> => {
      const membership = 'segmentId' in message;
      const validate = membership ? validators.segmentMembership : validators.lifecycleStage;
      if (!validate(message)) throw new Error(`test message breaks the schema: ${describeErrors(validate.errors)}`);
      await producer.send({
        topic: membership ? topics.segmentMembership : topics.lifecycleStage,
        acks: -1,
        messages: [
          {
            key: message.customerId,
            value: JSON.stringify(message),
            headers: { [HEADER.messageId]: message.messageId, [HEADER.messageType]: membership ? 'SegmentMembershipChanged' : 'LifecycleStageChanged', [HEADER.schemaVersion]: '1' },
          },
        ],
      });
    };
    const publishRaw = (value: string) => producer.send({ topic: topics.segmentMembership, acks: -1, messages: [{ key: 'c-raw', value }] });
    const recorded = (messageId: string): boolean => existsSync(stateFile) && readFileSync(stateFile, 'utf8').includes(`"messageId":"${messageId}"`);

    return { start, publish, publishRaw, recorded };
  }

  const about = (messageId: string, action?: string) => (line: Line) => line.messageId === messageId && (action === undefined || line.action === action);
  const birthday = (consent = FULL_CONSENT) => segmentMembershipChanged({ segmentId: 'birthday-this-week', segmentName: 'Birthday this week', traits: { lifecycleStage: 'active', valueTier: 'low', consent } });

  it('sends with consent, skips without it, and reads lifecycle changes too', async () => {
    const { start, publish, publishRaw } = await scenario();
    const consumer = start();
    await consumer.ready();

    const consented = birthday({ ...NO_CONSENT, marketingEmail: true });
    const refused = birthday({ ...NO_CONSENT, marketingSms: true });
    const atRisk = segmentMembershipChanged({ segmentId: 'stage:at_risk', traits: { lifecycleStage: 'at_risk', valueTier: 'medium', consent: { ...NO_CONSENT, marketingSms: true } } });
    const loyal = lifecycleStageChanged({ from: 'active', to: 'loyal', traits: { lifecycleStage: 'loyal', valueTier: 'high', consent: { ...NO_CONSENT, marketingEmail: true } } });
    await publishRaw('not json');
    for (const message of [consented, refused, atRisk, loyal]) await publish(message);

    expect(await consumer.waitFor('send to the consenting customer', about(consented.messageId))).toMatchObject({
      action: 'send',
      channel: 'email',
      campaign: 'birthday-coupon',
      customerId: consented.customerId,
    });
    expect(await consumer.waitFor('skip of the customer without email consent', about(refused.messageId))).toMatchObject({
      action: 'skip',
      channel: 'email',
      reason: 'no-consent',
      customerId: refused.customerId,
      text: `skip ${refused.customerId}: no marketing consent for email`,
    });
    expect(await consumer.waitFor('win-back by sms', about(atRisk.messageId))).toMatchObject({ action: 'send', channel: 'sms', campaign: 'win-back-offer' });
    expect(await consumer.waitFor('lifecycle change to loyal', about(loyal.messageId))).toMatchObject({ action: 'send', channel: 'email', campaign: 'loyalty-thank-you' });
    expect(await consumer.waitFor('the message that is not JSON', (line) => line.action === 'invalid')).toMatchObject({ reason: 'not a Tessera message' });
  });

  it('acts once when the same messageId arrives twice', async () => {
    const { start, publish } = await scenario();
    const consumer = start();
    await consumer.ready();

    const message = birthday();
    await publish(message);
    await publish(message);

    await consumer.waitFor('the redelivery reported as duplicate', about(message.messageId, 'duplicate'));
    expect(consumer.lines.filter(about(message.messageId)).map((line) => line.action)).toEqual(['send', 'duplicate']);
  });

  it('does not act again after kill -9 and a restart in the same group', async () => {
    const { start, publish, recorded } = await scenario();
    const first = start();
    await first.ready();
    const acted = birthday();
    await publish(acted);
    await first.waitFor('the first send', about(acted.messageId, 'send'));
    await waitUntil(() => recorded(acted.messageId), 'the messageId in the state file');
    expect(await first.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });

    const second = start();
    await second.ready();
    // Same customer, so the same partition: the marker comes after any redelivery of `acted`.
    const marker = { ...birthday(), customerId: acted.customerId };
    await publish(marker);
    await second.waitFor('the message after the restart', about(marker.messageId, 'send'));

    // Committed: not redelivered at all; recorded but not yet committed: redelivered as a duplicate.
    expect(second.lines.filter(about(acted.messageId)).every((line) => line.action === 'duplicate')).toBe(true);
    expect([...first.lines, ...second.lines].filter(about(acted.messageId, 'send'))).toHaveLength(1);
  });

  it('reports everything as duplicate to a new group reading from the start with the same state file', async () => {
    const { start, publish } = await scenario();
    const first = start();
    await first.ready();
    const sent = birthday();
    const skipped = birthday(NO_CONSENT);
    await publish(sent);
    await publish(skipped);
    await first.waitFor('the send', about(sent.messageId, 'send'));
    await first.waitFor('the skip', about(skipped.messageId, 'skip'));
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const replay = start(`replay-${randomUUID().slice(0, 8)}`);
    await replay.waitFor('the send replayed', about(sent.messageId, 'duplicate'));
    await replay.waitFor('the skip replayed', about(skipped.messageId, 'duplicate'));
    expect(replay.lines.filter((line) => line.action === 'send' || line.action === 'skip')).toEqual([]);
  });
});

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  await eventually(what, condition, CORRECTNESS_DEADLINE_MS, 50);
}
