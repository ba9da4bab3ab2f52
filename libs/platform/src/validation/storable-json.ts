import { escapePointer, FieldError } from '../errors';

/**
 * What PostgreSQL can store: `text` and `jsonb` refuse U+0000, and a UTF-16 surrogate without its
 * partner has no UTF-8 encoding. Every string that may reach the database — body fields and keys,
 * query parameters, decoded cursors, Kafka messages — passes this one rule.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this rule refuses
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Deeper than any body Tessera accepts (a segment rule of 8 levels is about 20), far below a stack overflow. */
export const MAX_JSON_DEPTH = 64;
const MAX_ERRORS = 50;

export const STORABLE_TEXT_MESSAGE = 'contains a NUL character (U+0000) or a lone UTF-16 surrogate, which cannot be stored';

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/**
 * Checks a parsed JSON value in one walk, at most `maxDepth` levels deep (so it never overflows
 * the stack): every string and key storable, every number finite (`1e400` parses to Infinity,
 * which JSON cannot hold). Pointers are built only for errors; a valid value allocates none.
 */
export function checkStorableJson(value: unknown, base = '', maxDepth = MAX_JSON_DEPTH): FieldError[] {
  const errors: FieldError[] = [];
  const path: string[] = [];
  const fail = (rule: string, message: string, last?: string) => {
    const pointer = base + [...path, ...(last === undefined ? [] : [last])].map((segment) => `/${escapePointer(segment)}`).join('');
    errors.push({ pointer, rule, message: `${pointer || 'the body'} ${message}` });
  };
  const walk = (node: unknown, depth: number): void => {
    if (errors.length >= MAX_ERRORS) return;
    if (typeof node === 'string') {
      if (!isStorableText(node)) fail('storableText', STORABLE_TEXT_MESSAGE);
      return;
    }
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) fail('finiteNumber', 'is a number too large for JSON');
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    if (depth >= maxDepth) return fail('maxDepth', `nests deeper than ${maxDepth} levels`);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) {
        path.push(String(i));
        walk(node[i], depth + 1);
        path.pop();
      }
      return;
    }
    for (const key of Object.keys(node)) {
      if (!isStorableText(key)) fail('storableText', `has a key that ${STORABLE_TEXT_MESSAGE}`, key);
      path.push(key);
      walk((node as Record<string, unknown>)[key], depth + 1);
      path.pop();
    }
  };
  walk(value, 0);
  return errors;
}
