import { FieldType, SEGMENT_FIELDS } from './segment-fields';
import { durationMs } from '@tessera/platform';
import { Condition, Rule } from './segment-rule';

export type CompiledRule = { sql: string; params: unknown[] };

const SQL_TYPES: Record<Exclude<FieldType, 'list'>, string> = { string: 'text', number: 'numeric', boolean: 'boolean', timestamp: 'timestamptz' };
const COMPARISONS = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * Compiles a checked rule to a boolean SQL expression over `customer_360.customers c` for the
 * backfill. Identifiers come only from the field whitelist; every value is a parameter, numbered
 * after `firstParam − 1` existing ones. Each condition is `coalesce(…, false)`, so a missing
 * value is false under `not` too, exactly as in the evaluator.
 */
export function compileRule(rule: Rule, context: { now: number; today: string }, firstParam = 1): CompiledRule {
  const params: unknown[] = [];
  const param = (value: unknown, type: string) => `$${firstParam + params.push(value) - 1}::${type}`;
  let today: string | undefined;
  const todayParam = () => (today ??= param(context.today, 'date'));

  const visit = (node: Rule): string => {
    if ('all' in node) return `(${node.all.map(visit).join(' and ')})`;
    if ('any' in node) return `(${node.any.map(visit).join(' or ')})`;
    if ('not' in node) return `(not ${visit(node.not)})`;
    return `coalesce(${condition(node)}, false)`;
  };

  const condition = (c: Condition): string => {
    const field = SEGMENT_FIELDS[c.field];
    const expression = field.sql.includes('$today') ? field.sql.replace('$today::date', todayParam()) : field.sql;
    if (c.op === 'exists') return `(${expression} is ${(c.value ?? true) ? 'not ' : ''}null)`;
    if (c.op === 'contains') return `(${expression} ? ${param(c.value, 'text')})`;
    if (field.type === 'list') throw new Error(`unchecked rule: ${c.op} on ${c.field}`);
    const type = SQL_TYPES[field.type];
    switch (c.op) {
      case 'in':
        return `(${expression} = any(${param(c.value, `${type}[]`)}))`;
      case 'within':
        return `(${expression} >= ${param(new Date(context.now - durationMs(c.value)!).toISOString(), 'timestamptz')})`;
      case 'before':
        return `(${expression} < ${param(new Date(context.now - durationMs(c.value)!).toISOString(), 'timestamptz')})`;
      default:
        return `(${expression} ${COMPARISONS[c.op]} ${param(c.value, type)})`;
    }
  };

  return { sql: visit(rule), params };
}
