'use strict';

/**
 * A marketing consumer of Tessera's Kafka topics (docs/asyncapi.yaml): for each segment (and
 * optionally lifecycle) change it decides a campaign action, checks consent, acts once per
 * messageId, and only then commits the offset.
 *
 * stdout: one JSON line per decision (and `{"ready":true}` once the group is joined).
 * stderr: logs.
 */
const path = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const { decide } = require('./campaign');
const { openSeenStore } = require('./seen-store');

class ConfigError extends Error {}

function readConfig(env) {
  const brokers = (env.KAFKA_BROKERS || '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new ConfigError('KAFKA_BROKERS is required, e.g. KAFKA_BROKERS=localhost:9092');
  const prefix = env.TESSERA_TOPIC_PREFIX ?? 'tessera.';
  const topics = [`${prefix}segment-membership.v1`];
  if (env.SUBSCRIBE_LIFECYCLE === 'true') topics.push(`${prefix}lifecycle-stage.v1`);
  const sessionTimeout = Number(env.SESSION_TIMEOUT_MS || 30_000);
  if (!Number.isInteger(sessionTimeout) || sessionTimeout < 6_000) throw new ConfigError('SESSION_TIMEOUT_MS must be a whole number of milliseconds, at least 6000 (the brokers\' default minimum)');
  return {
    brokers,
    topics,
    groupId: env.GROUP_ID || 'marketing-consumer',
    stateFile: path.resolve(env.STATE_FILE || './seen-messages.jsonl'),
    fromBeginning: env.FROM_BEGINNING === 'true',
    sessionTimeout,
  };
}

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const log = (level, message, extra = {}) => process.stderr.write(`${JSON.stringify({ level, message, ...extra })}\n`);

/** kafkajs logs to stdout by default; keep stdout for decisions only. */
const LEVEL_NAMES = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN', [logLevel.INFO]: 'INFO', [logLevel.DEBUG]: 'DEBUG' };
const stderrLogger = () => ({ namespace, level, log: entry }) => {
  const { message, ...extra } = entry;
  log(LEVEL_NAMES[level] ?? String(level), `kafkajs ${namespace}: ${message}`, extra);
};

/** The side effect. Replace with your email/SMS service, passing messageId as its idempotency key. */
async function perform(decision) {
  print(decision);
}

/** Parses a message value; null when it is not a Tessera message this consumer can use. */
function parse(value) {
  try {
    const message = JSON.parse(value ? value.toString('utf8') : '');
    return message && typeof message.messageId === 'string' && typeof message.customerId === 'string' ? message : null;
  } catch {
    return null;
  }
}

async function main() {
  const config = readConfig(process.env);
  const seen = openSeenStore(config.stateFile);
  log('INFO', 'starting', { groupId: config.groupId, topics: config.topics, stateFile: config.stateFile, seen: seen.size() });

  const kafka = new Kafka({ clientId: config.groupId, brokers: config.brokers, logLevel: logLevel.WARN, logCreator: stderrLogger });
  const consumer = kafka.consumer({ groupId: config.groupId, sessionTimeout: config.sessionTimeout });

  let ready = false;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    log('INFO', 'joined the group', { memberId: payload.memberId, assignment: payload.memberAssignment });
    if (!ready) print({ ready: true });
    ready = true;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log('ERROR', 'consumer crashed', { error: String(payload.error), restart: payload.restart });
    if (!payload.restart) shutdown(1);
  });

  let stopping = null;
  function shutdown(code) {
    if (stopping) return stopping;
    log('INFO', 'stopping');
    // disconnect() waits for the message in hand to finish (act, record, commit).
    stopping = consumer
      .disconnect()
      .catch((error) => log('ERROR', 'disconnect failed', { error: String(error) }))
      .finally(() => {
        seen.close();
        process.exit(code);
      });
    return stopping;
  }
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));

  await consumer.connect();
  await consumer.subscribe({ topics: config.topics, fromBeginning: config.fromBeginning }).catch((error) => {
    if (error.type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    throw new ConfigError(`topic missing (${config.topics.join(', ')}): check TESSERA_TOPIC_PREFIX; Tessera creates its topics when it starts`);
  });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const payload = parse(message.value);
      if (payload === null) {
        print({ action: 'invalid', topic, partition, offset: message.offset, reason: 'not a Tessera message' });
      } else if (seen.has(payload.messageId)) {
        print({ action: 'duplicate', customerId: payload.customerId, messageId: payload.messageId });
      } else {
        const decision = decide(topic, payload);
        await perform(decision);
        seen.add(payload.messageId, { action: decision.action, customerId: payload.customerId });
      }
      // Only now: a crash before this line redelivers the message, and `seen` turns it into a duplicate.
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    },
  });
}

main().catch((error) => {
  log('ERROR', error.message, error instanceof ConfigError ? {} : { stack: error.stack });
  process.exit(1);
});
