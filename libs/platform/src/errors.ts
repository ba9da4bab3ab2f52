/**
 * The small error set domain and application code throws. One exception filter
 * (http/problem-details.filter.ts) maps each to an RFC 9457 problem; domain code never throws
 * HTTP exceptions.
 */
export type FieldError = {
  /** Position in a batch, when the request carried many items. */
  index?: number;
  /** JSON pointer into the request body (or `/query/<name>` for query parameters). */
  pointer: string;
  /** Machine-readable rule name, e.g. `isUUID`, `maxLength`, `whitelist`. */
  rule: string;
  message: string;
};

export abstract class TesseraError extends Error {
  abstract readonly kind: 'validation' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'too_large' | 'unavailable';
  /** A more specific problem type than the kind's own (a slug under the problem type base). */
  readonly problemType?: string;
  /** RFC 9457 extension members this error adds to its problem (e.g. what a batch stored before it failed). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends TesseraError {
  readonly kind = 'validation';
  constructor(message: string, readonly errors: FieldError[]) {
    super(message);
  }
}

export class UnauthenticatedError extends TesseraError {
  readonly kind = 'unauthenticated';
}

export class ForbiddenError extends TesseraError {
  readonly kind = 'forbidden';
  constructor(message: string, readonly requiredScope: string) {
    super(message);
  }
}

export class NotFoundError extends TesseraError {
  readonly kind = 'not_found';
}

export class ConflictError extends TesseraError {
  readonly kind = 'conflict';
  constructor(message: string, readonly errors: FieldError[] = []) {
    super(message);
  }
}

/** Content the system cannot take in one piece (an event larger than the event store accepts). */
export class TooLargeError extends TesseraError {
  readonly kind = 'too_large';
  constructor(message: string, readonly errors: FieldError[] = []) {
    super(message);
  }
}

/** A dependency cannot be reached; nothing was changed and the client may retry. */
export class UnavailableError extends TesseraError {
  readonly kind = 'unavailable';
  constructor(message: string, readonly retryAfterSeconds = 5, override readonly cause?: unknown) {
    super(message);
  }
}

/** A key as one JSON-pointer token (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
