import { FieldError, escapePointer } from '../errors';
import { SCOPES, Scope, isScope } from './scopes';

export type NewApiKey = { name: string; scopes: Scope[] };

const FIELDS = ['name', 'scopes'];

/** Validates `POST /v1/api-keys {name, scopes}`: every problem at once; unknown fields are refused. */
export function checkNewApiKey(body: unknown): { ok: true; input: NewApiKey } | { ok: false; errors: FieldError[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: [{ pointer: '', rule: 'isObject', message: 'the body is a JSON object {name, scopes}' }] };
  }
  const { name, scopes, ...rest } = body as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(rest)
    .filter((key) => !FIELDS.includes(key))
    .map((key) => ({ pointer: `/${escapePointer(key)}`, rule: 'unknownField', message: `unknown field ${key}; an API key request is {name, scopes}` }));
  if (typeof name !== 'string' || name.trim().length < 1 || name.length > 100) {
    errors.push({ pointer: '/name', rule: 'isLength', message: 'name must be a string of 1–100 characters' });
  }
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every(isScope)) {
    errors.push({ pointer: '/scopes', rule: 'isIn', message: `scopes must be a non-empty array of ${SCOPES.join(', ')}` });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, input: { name: (name as string).trim(), scopes: [...new Set(scopes as Scope[])] } };
}
