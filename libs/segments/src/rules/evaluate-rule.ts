import { SEGMENT_FIELDS } from './segment-fields';
import { durationMs } from '@tessera/platform';
import { Condition, Rule, Scalar } from './segment-rule';

/**
 * Evaluates a checked rule against a profile document at `now` (DESIGN §11): an operator on a
 * missing value is false, `exists` tests for it; `within P30D` = at or after now − 30 days,
 * `before P30D` = earlier than now − 30 days. The SQL compiler must agree (tested).
 */
export function evaluateRule(rule: Rule, profile: Record<string, unknown>, now: number): boolean {
  if ('all' in rule) return rule.all.every((r) => evaluateRule(r, profile, now));
  if ('any' in rule) return rule.any.some((r) => evaluateRule(r, profile, now));
  if ('not' in rule) return !evaluateRule(rule.not, profile, now);
  return evaluateCondition(rule, profile, now);
}

function evaluateCondition(condition: Condition, profile: Record<string, unknown>, now: number): boolean {
  const field = SEGMENT_FIELDS[condition.field];
  const value = field.read(profile);
  const missing = value === null || value === undefined;
  if (condition.op === 'exists') return missing !== (condition.value ?? true);
  if (missing) return false;
  const comparable = (v: unknown): number | string | boolean => (field.type === 'timestamp' ? Date.parse(String(v)) : (v as Scalar));
  const actual = comparable(value);
  switch (condition.op) {
    case 'eq':
      return actual === comparable(condition.value);
    case 'neq':
      return actual !== comparable(condition.value);
    case 'gt':
      return actual > comparable(condition.value);
    case 'gte':
      return actual >= comparable(condition.value);
    case 'lt':
      return actual < comparable(condition.value);
    case 'lte':
      return actual <= comparable(condition.value);
    case 'in':
      return condition.value.some((v) => comparable(v) === actual);
    case 'contains':
      return Array.isArray(value) && value.includes(condition.value);
    case 'within':
      return (actual as number) >= now - durationMs(condition.value)!;
    case 'before':
      return (actual as number) < now - durationMs(condition.value)!;
  }
}
