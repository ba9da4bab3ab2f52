import { isStorableInstant, durationMs, escapePointer, FieldError, isStorableText } from '@tessera/platform';
import { isSegmentField, SEGMENT_FIELDS, SegmentFieldName } from './segment-fields';

/** The rule language of DESIGN §5: `all`/`any`/`not` over comparisons of whitelisted fields. */
export const OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'within', 'before'] as const;
export type Operator = (typeof OPERATORS)[number];
export type Scalar = string | number | boolean;

export type Condition =
  | { field: SegmentFieldName; op: 'eq' | 'neq'; value: Scalar }
  | { field: SegmentFieldName; op: 'gt' | 'gte' | 'lt' | 'lte'; value: number | string }
  | { field: SegmentFieldName; op: 'in'; value: Scalar[] }
  | { field: SegmentFieldName; op: 'contains'; value: string }
  | { field: SegmentFieldName; op: 'exists'; value?: boolean }
  | { field: SegmentFieldName; op: 'within' | 'before'; value: string };

export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition;

export type RuleCheck = { ok: true; rule: Rule } | { ok: false; errors: FieldError[] };

const MAX_DEPTH = 8;
const MAX_NODES = 200;
const MAX_IN = 1_000;

/**
 * Validates a rule as the API receives it. Every error names the JSON pointer of the bad node
 * (under `base`, e.g. `/rule/all/1/value`) and the rule it breaks; nothing unknown passes, so the
 * evaluator and the SQL compiler only ever see whitelisted fields, known operators and values of
 * the field's type.
 */
export function checkRule(input: unknown, base = '/rule'): RuleCheck {
  const errors: FieldError[] = [];
  let nodes = 0;
  const fail = (pointer: string, rule: string, message: string): void => {
    errors.push({ pointer, rule, message });
  };

  const visit = (node: unknown, at: string, depth: number): void => {
    nodes += 1;
    if (nodes > MAX_NODES) {
      if (nodes === MAX_NODES + 1) fail(at, 'maxNodes', `a rule has at most ${MAX_NODES} nodes`);
      return;
    }
    if (depth > MAX_DEPTH) return fail(at, 'maxDepth', `rules nest at most ${MAX_DEPTH} levels`);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return fail(at, 'isObject', 'a rule node is an object: {all: [...]}, {any: [...]}, {not: {...}} or {field, op, value}');
    const keys = Object.keys(node);
    const record = node as Record<string, unknown>;
    if ('all' in record || 'any' in record) {
      const key = 'all' in record ? 'all' : 'any';
      if (keys.length !== 1) return fail(at, 'onlyKey', `a {${key}} node has no other keys`);
      const children = record[key];
      if (!Array.isArray(children) || children.length === 0) return fail(`${at}/${key}`, 'nonEmptyArray', `${key} is a non-empty array of rules`);
      children.forEach((child, i) => visit(child, `${at}/${key}/${i}`, depth + 1));
      return;
    }
    if ('not' in record) {
      if (keys.length !== 1) return fail(at, 'onlyKey', 'a {not} node has no other keys');
      return visit(record.not, `${at}/not`, depth + 1);
    }
    const unknown = keys.filter((k) => !['field', 'op', 'value'].includes(k));
    if (unknown.length > 0) fail(`${at}/${escapePointer(unknown[0])}`, 'unknownKey', `unknown key ${unknown[0]}; a condition is {field, op, value}`);
    if (!isSegmentField(record.field)) return fail(`${at}/field`, 'isIn', `field must be one of ${Object.keys(SEGMENT_FIELDS).join(', ')}`);
    if (!(OPERATORS as readonly unknown[]).includes(record.op)) return fail(`${at}/op`, 'isIn', `op must be one of ${OPERATORS.join(', ')}`);
    checkValue(record.field, record.op as Operator, record.value, 'value' in record, `${at}/value`, fail);
  };
  visit(input, base, 0);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rule: input as Rule };
}

function checkValue(field: SegmentFieldName, op: Operator, value: unknown, given: boolean, at: string, fail: (pointer: string, rule: string, message: string) => void): void {
  const type = SEGMENT_FIELDS[field].type;
  const scalarOf = (v: unknown) =>
    type === 'number' ? isRuleNumber(v) : type === 'boolean' ? typeof v === 'boolean' : type === 'timestamp' ? isInstant(v) : typeof v === 'string' && v.length <= 200 && isStorableText(v);
  switch (op) {
    case 'exists':
      if (given && typeof value !== 'boolean') fail(at, 'isBoolean', 'exists takes true (default) or false');
      return;
    case 'contains':
      if (type !== 'list') return fail(at.replace(/\/value$/, '/op'), 'opForField', `contains applies to list fields (tags, interests, channels), not ${field}`);
      if (typeof value !== 'string' || value.length === 0 || value.length > 200 || !isStorableText(value)) fail(at, 'isString', 'contains takes a string of 1–200 storable characters');
      return;
    case 'within':
    case 'before':
      if (type !== 'timestamp') return fail(at.replace(/\/value$/, '/op'), 'opForField', `${op} applies to instants (…At fields), not ${field}`);
      if (durationMs(value) === undefined) fail(at, 'isDuration', `${op} takes an ISO-8601 duration in weeks, days, hours, minutes or seconds, e.g. P30D or PT12H`);
      return;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (type !== 'number' && type !== 'timestamp') return fail(at.replace(/\/value$/, '/op'), 'opForField', `${op} applies to numbers and instants, not ${field}`);
      if (!scalarOf(value)) fail(at, type === 'number' ? 'isNumber' : 'isInstant', type === 'number' ? `value must be a number from -${MAX_RULE_NUMBER} to ${MAX_RULE_NUMBER}` : 'value must be an ISO-8601 date-time with an offset');
      return;
    case 'in':
      if (type === 'list') return fail(at.replace(/\/value$/, '/op'), 'opForField', `in applies to single values; use contains for ${field}`);
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN) return fail(at, 'nonEmptyArray', `in takes an array of 1–${MAX_IN} values`);
      value.forEach((v, i) => {
        if (!scalarOf(v)) fail(`${at}/${i}`, 'isOfFieldType', `value must be a ${type} like the field ${field}`);
      });
      return;
    case 'eq':
    case 'neq':
      if (type === 'list') return fail(at.replace(/\/value$/, '/op'), 'opForField', `${op} applies to single values; use contains for ${field}`);
      if (!scalarOf(value)) fail(at, 'isOfFieldType', `value must be a ${type} like the field ${field}`);
      return;
  }
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An instant the evaluator (Date.parse) and the backfill (timestamptz) both read, the same way. */
function isInstant(value: unknown): boolean {
  return typeof value === 'string' && INSTANT.test(value) && isStorableInstant(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Larger than any profile figure (amounts ≤ 10^12 minor units), and small enough that a double
 * holds every integer exactly, so the evaluator's and numeric's comparisons agree.
 */
export const MAX_RULE_NUMBER = 1e15;

function isRuleNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_RULE_NUMBER;
}
