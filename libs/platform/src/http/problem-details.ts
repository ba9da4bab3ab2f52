import { FieldError, TesseraError } from '../errors';

/** RFC 9457 problem details, with Tessera's per-field `errors` (DESIGN §11). */
export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
};

const TYPE_BASE = 'https://tessera.dev/problems/';

export function problem(status: number, slug: string, title: string, detail: string, extra: Partial<ProblemDetails> = {}): ProblemDetails {
  return { type: `${TYPE_BASE}${slug}`, title, status, detail, ...extra };
}

/** Every domain error maps to exactly one problem; an error may name a narrower type and add extension members. */
export function problemFromError(error: TesseraError): ProblemDetails {
  const details = problemOfKind(error);
  if (error.problemType !== undefined) details.type = `${TYPE_BASE}${error.problemType}`;
  return error.extensions === undefined ? details : { ...error.extensions, ...details };
}

/** The problem of each kind; the switch is exhaustive. */
function problemOfKind(error: TesseraError): ProblemDetails {
  const kind = error.kind;
  switch (kind) {
    case 'validation':
      return problem(400, 'validation', 'Your request is not valid', error.message, { errors: (error as { errors?: FieldError[] }).errors ?? [] });
    case 'unauthenticated':
      return problem(401, 'unauthenticated', 'An API key is required', error.message);
    case 'forbidden':
      return problem(403, 'forbidden', 'This API key lacks a scope', error.message, { requiredScope: (error as { requiredScope?: string }).requiredScope });
    case 'not_found':
      return problem(404, 'not-found', 'Not found', error.message);
    case 'conflict': {
      const errors = (error as { errors?: FieldError[] }).errors ?? [];
      return problem(409, 'conflict', 'Conflict', error.message, errors.length > 0 ? { errors } : {});
    }
    case 'too_large':
      return problem(413, 'too-large', 'Too large to store', error.message, { errors: (error as { errors?: FieldError[] }).errors ?? [] });
    case 'unavailable':
      return problem(503, 'unavailable', 'A dependency is unavailable', error.message, { retryAfterSeconds: (error as { retryAfterSeconds?: number }).retryAfterSeconds ?? 5 });
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}
