import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { EVENT_TYPES } from '@tessera/catalog';
import { CONSENT_FLAGS, STAGES, VALUE_TIERS } from '@tessera/customers';
import { deadLetter, DLQ_HEADER, parseValue, ingestGroupId } from '@tessera/ingestion';
import { lifecycleStageMessage, segmentMembershipMessage } from '@tessera/outbox';
import { problemFromError, HEADER, topicsFor } from '@tessera/platform';
import {
  describeErrors,
  DOCS_DIR,
  ingestDeadLetter,
  JsonObject,
  lifecycleStageChanged,
  messageValidators,
  newAjv,
  NO_CONSENT,
  readJson,
  SCHEMA_FILES,
  SchemaName,
  segmentMembershipChanged,
  withChange,
} from './message-contracts';

const validators = messageValidators();

function expectValid(schema: SchemaName, message: unknown): void {
  const validate = validators[schema];
  const ok = validate(message);
  if (!ok) throw new Error(`${schema} rejected a valid message: ${describeErrors(validate.errors)}`);
}

/** The keywords the broken message failed on (empty when it passed). */
function failures(schema: SchemaName, message: unknown): string[] {
  const validate = validators[schema];
  return validate(message) ? [] : (validate.errors ?? []).map((e) => e.keyword);
}

describe('segment-membership.v1 schema', () => {
  const entered = segmentMembershipChanged();

  it.each<[string, unknown]>([
    ['an entry caused by an event', entered],
    ['an exit of a built-in segment caused by time', segmentMembershipChanged({ kind: 'exited', segmentId: 'stage:active', cause: { kind: 'time', ruleVersion: 1 } })],
    ['an entry found by a backfill', segmentMembershipChanged({ cause: { kind: 'backfill', ruleVersion: 3 } })],
    ['an exit because the segment was deleted', segmentMembershipChanged({ kind: 'exited', cause: { kind: 'deleted', ruleVersion: 3 } })],
    ['a consent segment without any consent', segmentMembershipChanged({ kind: 'exited', segmentId: 'consent:marketing-email', traits: { lifecycleStage: 'prospect', valueTier: 'none', consent: NO_CONSENT } })],
  ])('accepts %s', (_name, message) => expectValid('segmentMembership', message));

  it.each<[string, unknown, string]>([
    ['a missing messageId', withChange(entered, ['messageId'], undefined), 'required'],
    ['missing traits', withChange(entered, ['traits'], undefined), 'required'],
    ['a missing consent flag', withChange(entered, ['traits', 'consent', 'marketingSms'], undefined), 'required'],
    ['an unknown kind', withChange(entered, ['kind'], 'joined'), 'enum'],
    ['an unknown lifecycle stage', withChange(entered, ['traits', 'lifecycleStage'], 'dormant'), 'enum'],
    ['an unknown value tier', withChange(entered, ['traits', 'valueTier'], 'gold'), 'enum'],
    ['an unknown cause kind', withChange(entered, ['cause'], { kind: 'manual', ruleVersion: 1 }), 'oneOf'],
    ['an extra top-level field', withChange(entered, ['email'], 'a@example.com'), 'additionalProperties'],
    ['an extra cause field', withChange(entered, ['cause', 'note'], 'x'), 'oneOf'],
    ['an extra consent flag', withChange(entered, ['traits', 'consent', 'marketingFax'], true), 'additionalProperties'],
    ['a messageId that is not a UUID', withChange(entered, ['messageId'], 'msg-1'), 'format'],
    ['an `at` without a time', withChange(entered, ['at'], '2026-11-24'), 'format'],
    ['rule version 0', withChange(entered, ['ruleVersion'], 0), 'minimum'],
    ['a segment id that is neither a slug nor built-in', withChange(entered, ['segmentId'], 'VIP Book Lovers'), 'pattern'],
    ['a consent flag that is not a boolean', withChange(entered, ['traits', 'consent', 'marketingEmail'], 'yes'), 'type'],
  ])('rejects %s', (_name, message, keyword) => expect(failures('segmentMembership', message)).toContain(keyword));
});

describe('lifecycle-stage.v1 schema', () => {
  const change = lifecycleStageChanged();

  it.each<[string, unknown]>([
    ['a change caused by time', change],
    ['a first stage (from null) caused by an order', lifecycleStageChanged({ from: null, to: 'new', cause: { kind: 'event', eventId: '0b0f6d7e-5a3c-4c2e-9f0a-2c1d3e4f5a6b', eventType: 'OrderPlaced', position: '7' } })],
  ])('accepts %s', (_name, message) => expectValid('lifecycleStage', message));

  it.each<[string, unknown, string]>([
    ['a missing from (null must be explicit)', withChange(change, ['from'], undefined), 'required'],
    ['a missing cause', withChange(change, ['cause'], undefined), 'required'],
    ['an unknown stage', withChange(change, ['to'], 'lost'), 'enum'],
    ['a time cause without basedOn', withChange(change, ['cause'], { kind: 'time' }), 'oneOf'],
    ['a segment cause kind', withChange(change, ['cause'], { kind: 'backfill', ruleVersion: 1 }), 'oneOf'],
    ['an extra field', withChange(change, ['segmentId'], 'stage:at_risk'), 'additionalProperties'],
  ])('rejects %s', (_name, message, keyword) => expect(failures('lifecycleStage', message)).toContain(keyword));
});

describe('ingest-dlq.v1 schema', () => {
  it.each<[string, unknown]>([
    ['a parsed message that failed validation', ingestDeadLetter()],
    ['a raw message that is not JSON', ingestDeadLetter('customer c-9 bought a kettle')],
    ['a 409 conflict without field errors', { original: { eventId: '0b0f6d7e-5a3c-4c2e-9f0a-2c1d3e4f5a6b' }, problem: { type: 'https://tessera.dev/problems/conflict', title: 'Conflict', status: 409, detail: 'eventId was used for other content' } }],
  ])('accepts %s', (_name, message) => expectValid('ingestDlq', message));

  const letter = ingestDeadLetter();
  it.each<[string, unknown, string]>([
    ['a missing original', withChange(letter, ['original'], undefined), 'required'],
    ['a problem without status', withChange(letter, ['problem', 'status'], undefined), 'required'],
    ['a field error without rule', withChange(letter, ['problem', 'errors'], [{ pointer: '/channel', message: 'bad' }]), 'required'],
    ['an extra top-level field', withChange(letter, ['reason'], 'bad'), 'additionalProperties'],
    ['a success status', withChange(letter, ['problem', 'status'], 202), 'minimum'],
  ])('rejects %s', (_name, message, keyword) => expect(failures('ingestDlq', message)).toContain(keyword));
});

describe('schemas and the code agree', () => {
  const segment = readJson(SCHEMA_FILES.segmentMembership) as { $defs: Record<string, JsonObject> };
  const lifecycle = readJson(SCHEMA_FILES.lifecycleStage) as { $defs: Record<string, JsonObject> };
  const traits = segment.$defs.traits as { properties: { valueTier: { enum: string[] }; consent: { required: string[] } } };

  it('uses the stages, value tiers, consent flags and event types of the code', () => {
    expect(segment.$defs.stage.enum).toEqual([...STAGES]);
    expect(traits.properties.valueTier.enum).toEqual([...VALUE_TIERS]);
    expect(traits.properties.consent.required).toEqual([...CONSENT_FLAGS]);
    expect([...(segment.$defs.eventType.enum as string[])].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('describes traits, stages and event causes identically in both published schemas', () => {
    for (const name of ['traits', 'stage', 'eventType', 'eventCause']) expect(lifecycle.$defs[name]).toEqual(segment.$defs[name]);
  });

  it('accepts the messages the outbox builds', () => {
    const topics = topicsFor('tessera.');
    const traitsAt = { lifecycleStage: 'loyal', valueTier: 'high', consent: { ...NO_CONSENT, marketingEmail: true } };
    const cause = { kind: 'event' as const, eventId: '0b0f6d7e-5a3c-4c2e-9f0a-2c1d3e4f5a6b', eventType: 'OrderPlaced', position: '1042' };
    const membership = segmentMembershipMessage(topics.segmentMembership, { customerId: 'c-1', segmentId: 'value:high', segmentName: 'value:high', kind: 'entered', ruleVersion: 1, at: Date.now(), cause }, traitsAt);
    const stage = lifecycleStageMessage(topics.lifecycleStage, { customerId: 'c-1', from: null, to: 'new', at: Date.now(), cause }, traitsAt);
    expectValid('segmentMembership', JSON.parse(membership.payload));
    expectValid('lifecycleStage', JSON.parse(stage.payload));
    expect([membership.type, stage.type]).toEqual(['SegmentMembershipChanged', 'LifecycleStageChanged']);
  });

  it('accepts the dead letters the ingest consumer builds', () => {
    const topics = topicsFor('tessera.');
    for (const value of ['customer c-9 bought a kettle', null]) {
      const parsed = parseValue(value);
      if (parsed.ok) throw new Error('expected a refusal');
      const inbound = { topic: topics.ingest, partition: 3, offset: '1207', key: 'c-9', value, headers: { source: 'pos' } };
      const letter = deadLetter(inbound, { kind: 'rejected', reason: 'validation', original: parsed.original, problem: problemFromError(parsed.error) }, topics.ingestDlq);
      expectValid('ingestDlq', JSON.parse(letter.value));
      expect(letter.headers).toMatchObject({ source: 'pos', [DLQ_HEADER.reason]: 'validation' });
    }
  });
});

describe('docs/asyncapi.yaml', () => {
  const doc = parse(readFileSync(resolve(DOCS_DIR, 'asyncapi.yaml'), 'utf8')) as JsonObject;
  const channels = doc.channels as Record<string, { address: string; messages: Record<string, JsonObject> }>;
  const operations = doc.operations as Record<string, { action: string; channel: { $ref: string } }>;
  const messages = (doc.components as { messages: Record<string, Message> }).messages;
  type Message = { name: string; headers?: JsonObject; payload: { schema: { $ref: string } }; examples?: { headers?: JsonObject; payload: unknown }[] };

  /** Follows a `$ref` (local `#/…` or `file#/…`, relative to docs/) to the value it names. */
  function follow(ref: string): unknown {
    const [file, pointer = ''] = ref.split('#');
    if (file !== '' && !existsSync(resolve(DOCS_DIR, file))) throw new Error(`${ref}: ${file} does not exist`);
    const root: unknown = file === '' ? doc : readJson(file);
    return pointer
      .split('/')
      .slice(1)
      .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => {
        if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`${ref}: nothing at ${key}`);
        return (node as JsonObject)[key];
      }, root);
  }

  function refsIn(node: unknown): string[] {
    if (node === null || typeof node !== 'object') return [];
    const own = typeof (node as JsonObject).$ref === 'string' ? [(node as JsonObject).$ref as string] : [];
    return [...own, ...Object.values(node).flatMap(refsIn)];
  }

  it('is an AsyncAPI 3.0 document with the four topics at their default addresses', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.values(channels).map((c) => c.address).sort()).toEqual(Object.values(topicsFor('tessera.')).sort());
  });

  it('has every $ref resolve, and payloads reference the schema files', () => {
    const refs = refsIn(doc);
    for (const ref of refs) expect(() => follow(ref)).not.toThrow();
    for (const file of Object.values(SCHEMA_FILES)) expect(refs).toContain(`./${file}`);
  });

  it('lets Tessera send on the published topics and the DLQ, and receive on ingest', () => {
    const actionOn = Object.fromEntries(Object.values(operations).map((o) => [channels[o.channel.$ref.split('/').pop()!].address, o.action]));
    const topics = topicsFor('tessera.');
    expect(actionOn).toEqual({ [topics.segmentMembership]: 'send', [topics.lifecycleStage]: 'send', [topics.ingestDlq]: 'send', [topics.ingest]: 'receive' });
  });

  it('names the dead-letter headers and the ingest group the consumer uses', () => {
    const dlqHeaders = messages.IngestDeadLetter.headers as { required: string[] };
    expect(dlqHeaders.required.sort()).toEqual(Object.values(DLQ_HEADER).sort());
    const receive = operations.receiveEventEnvelope as unknown as { bindings: { kafka: { groupId: { enum: string[] } } } };
    expect(receive.bindings.kafka.groupId.enum).toEqual([ingestGroupId('tessera.')]);
  });

  it('gives published messages the headers the producer sets', () => {
    for (const name of ['SegmentMembershipChanged', 'LifecycleStageChanged']) {
      const headers = messages[name].headers as { required: string[]; properties: Record<string, { const?: string }> };
      expect(headers.required.sort()).toEqual(Object.values(HEADER).sort());
      expect(headers.properties[HEADER.messageType].const).toBe(name);
      expect(headers.properties[HEADER.schemaVersion].const).toBe('1');
    }
  });

  it('has examples that match their payload and header schemas', () => {
    const ajv = newAjv({ strict: false });
    for (const message of Object.values(messages)) {
      const payload = ajv.compile(follow(message.payload.schema.$ref) as JsonObject);
      const headers = message.headers ? ajv.compile(message.headers) : undefined;
      expect(message.examples?.length).toBeGreaterThan(0);
      for (const example of message.examples ?? []) {
        expect({ name: message.name, valid: payload(example.payload), errors: describeErrors(payload.errors) }).toEqual({ name: message.name, valid: true, errors: '' });
        if (headers && example.headers) expect(headers(example.headers)).toBe(true);
        if (example.headers?.[HEADER.messageId] !== undefined) expect(example.headers[HEADER.messageId]).toBe((example.payload as JsonObject).messageId);
      }
    }
  });
});
