import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * The published message contracts (docs/schemas, docs/asyncapi.yaml) as validators, and builders
 * of valid sample messages that tests break one field at a time.
 */
export const DOCS_DIR = resolve(__dirname, '../../docs');

export const SCHEMA_FILES = {
  segmentMembership: 'schemas/segment-membership.v1.schema.json',
  lifecycleStage: 'schemas/lifecycle-stage.v1.schema.json',
  ingestDlq: 'schemas/ingest-dlq.v1.schema.json',
} as const;
export type SchemaName = keyof typeof SCHEMA_FILES;

export type JsonObject = { [key: string]: unknown };

export const readJson = (pathInDocs: string): JsonObject => JSON.parse(readFileSync(resolve(DOCS_DIR, pathInDocs), 'utf8')) as JsonObject;

export function newAjv(options: { strict: boolean } = { strict: true }): Ajv2020 {
  const ajv = new Ajv2020({ strict: options.strict, allErrors: true });
  addFormats(ajv);
  return ajv;
}

/** Compiled validators of the three message schemas, strict (unknown keywords are errors). */
export function messageValidators(): Record<SchemaName, ValidateFunction> {
  const ajv = newAjv();
  return {
    segmentMembership: ajv.compile(readJson(SCHEMA_FILES.segmentMembership)),
    lifecycleStage: ajv.compile(readJson(SCHEMA_FILES.lifecycleStage)),
    ingestDlq: ajv.compile(readJson(SCHEMA_FILES.ingestDlq)),
  };
}

export const describeErrors = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.keyword}: ${e.message}`).join('; ');

export type Consent = { marketingEmail: boolean; marketingSms: boolean; marketingPush: boolean; personalization: boolean };
export const NO_CONSENT: Consent = { marketingEmail: false, marketingSms: false, marketingPush: false, personalization: false };
export const FULL_CONSENT: Consent = { marketingEmail: true, marketingSms: true, marketingPush: true, personalization: true };

export type Traits = { lifecycleStage: string; valueTier: string; consent: Consent };

export type SegmentMembershipChanged = {
  messageId: string;
  kind: 'entered' | 'exited';
  customerId: string;
  segmentId: string;
  segmentName: string;
  ruleVersion: number;
  at: string;
  cause: JsonObject;
  traits: Traits;
};

export type LifecycleStageChanged = {
  messageId: string;
  customerId: string;
  from: string | null;
  to: string;
  at: string;
  cause: JsonObject;
  traits: Traits;
};

const eventCause = (eventType = 'OrderPlaced'): JsonObject => ({ kind: 'event', eventId: randomUUID(), eventType, position: `${Date.now()}` });

export function segmentMembershipChanged(overrides: Partial<SegmentMembershipChanged> = {}): SegmentMembershipChanged {
  const segmentId = overrides.segmentId ?? 'vip-book-lovers';
  return {
    messageId: randomUUID(),
    kind: 'entered',
    customerId: `c-${randomUUID().slice(0, 8)}`,
    segmentId,
    segmentName: segmentId.includes(':') ? segmentId : 'VIP book lovers',
    ruleVersion: segmentId.includes(':') ? 1 : 3,
    at: new Date().toISOString(),
    cause: eventCause(),
    traits: { lifecycleStage: 'active', valueTier: 'medium', consent: { ...FULL_CONSENT } },
    ...overrides,
  };
}

export function lifecycleStageChanged(overrides: Partial<LifecycleStageChanged> = {}): LifecycleStageChanged {
  return {
    messageId: randomUUID(),
    customerId: `c-${randomUUID().slice(0, 8)}`,
    from: 'active',
    to: 'at_risk',
    at: new Date().toISOString(),
    cause: { kind: 'time', basedOn: { eventId: randomUUID(), position: '1042' } },
    traits: { lifecycleStage: 'at_risk', valueTier: 'low', consent: { ...NO_CONSENT, marketingEmail: true } },
    ...overrides,
  };
}

export function ingestDeadLetter(original: unknown = { type: 'PageViewed', customerId: 'c-1', channel: 'fax' }): JsonObject {
  return {
    original,
    problem: {
      type: 'https://tessera.dev/problems/validation',
      title: 'Your request is not valid',
      status: 400,
      detail: '2 fields are not valid',
      errors: [
        { pointer: '/occurredAt', rule: 'isDefined', message: 'occurredAt is required' },
        { pointer: '/channel', rule: 'isIn', message: 'channel must be one of web, app, …' },
      ],
    },
  };
}

/** A copy of `value` with the property at `path` replaced (or removed when `to` is undefined). */
export function withChange<T>(value: T, path: string[], to: unknown): T {
  const copy = structuredClone(value) as JsonObject;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as JsonObject;
  const last = path[path.length - 1];
  if (to === undefined) delete node[last];
  else node[last] = to;
  return copy as T;
}
