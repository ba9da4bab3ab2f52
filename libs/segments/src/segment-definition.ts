import { escapePointer, FieldError } from '@tessera/platform';
import { checkRule, Rule } from './rules/segment-rule';
import { isBuiltIn } from './membership/memberships';

/** A client-chosen slug (DESIGN §11); built-in ids contain `:` and so never match. */
export const SEGMENT_ID = /^[a-z0-9-]{1,64}$/;

export type SegmentInput = { id?: string; name: string; description: string | null; rule: Rule };

const FIELDS = ['id', 'name', 'description', 'rule'];

/**
 * Validates the body of `POST /v1/segments` (`allowId`) or `PUT /v1/segments/:id`: every problem
 * at once, each naming its JSON pointer and rule; unknown fields are refused.
 */
export function checkSegmentInput(body: unknown, allowId: boolean): { ok: true; input: SegmentInput } | { ok: false; errors: FieldError[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: [{ pointer: '', rule: 'isObject', message: 'the body is a JSON object {name, description?, rule}' }] };
  }
  const record = body as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const key of Object.keys(record)) {
    if (!FIELDS.includes(key) || (key === 'id' && !allowId)) errors.push({ pointer: `/${escapePointer(key)}`, rule: 'unknownField', message: `unknown field ${key}; a segment is {${allowId ? 'id?, ' : ''}name, description?, rule}` });
  }
  if (allowId && record.id !== undefined) {
    if (typeof record.id === 'string' && isBuiltIn(record.id)) errors.push({ pointer: '/id', rule: 'notBuiltIn', message: 'ids with ":" are built-in segments; they cannot be created' });
    else if (typeof record.id !== 'string' || !SEGMENT_ID.test(record.id)) errors.push({ pointer: '/id', rule: 'matches', message: 'id must be 1–64 characters of a-z 0-9 -' });
  }
  if (typeof record.name !== 'string' || record.name.trim() === '' || Array.from(record.name).length > 200) errors.push({ pointer: '/name', rule: 'length', message: 'name is a string of 1–200 characters' });
  if (record.description !== undefined && record.description !== null && (typeof record.description !== 'string' || Array.from(record.description).length > 2000)) {
    errors.push({ pointer: '/description', rule: 'length', message: 'description is a string of at most 2000 characters' });
  }
  if (!('rule' in record)) errors.push({ pointer: '/rule', rule: 'required', message: 'rule is required' });
  const rule = 'rule' in record ? checkRule(record.rule, '/rule') : undefined;
  if (rule && !rule.ok) errors.push(...rule.errors);
  if (errors.length > 0 || !rule?.ok) return { ok: false, errors };
  return {
    ok: true,
    input: { id: record.id as string | undefined, name: (record.name as string).trim(), description: (record.description as string | null | undefined) ?? null, rule: rule.rule },
  };
}

/** Whether time alone can change the rule's answer, so the scheduler re-evaluates it. */
export function isTimeRelative(rule: Rule): boolean {
  if ('all' in rule) return rule.all.some(isTimeRelative);
  if ('any' in rule) return rule.any.some(isTimeRelative);
  if ('not' in rule) return isTimeRelative(rule.not);
  return rule.op === 'within' || rule.op === 'before' || rule.field === 'daysToBirthday';
}

