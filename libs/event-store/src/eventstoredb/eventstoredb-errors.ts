import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  convertToCommandError,
} from '@eventstore/db-client';
import {
  AppendTooLargeError,
  DeletedStreamError,
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  ExpectedRevision,
  WrongExpectedRevisionError,
} from '../event-store.port';

/** gRPC status 16: the server did not accept the credentials at all (as opposed to an ACL refusing them). */
const GRPC_UNAUTHENTICATED = 16;
const CREDENTIALS_REFUSED =
  'EventStoreDB refused the credentials of EVENTSTOREDB_URL (wrong user or password, or none given to a secure cluster): use esdb://user:password@host:2113';

/** What the adapter was doing when the client failed: the port error depends on it. */
export type EsdbOperation =
  | { kind: 'append'; streamId: string; expected: ExpectedRevision; indexes: number[] }
  | { kind: 'read-stream'; streamId: string }
  | { kind: 'read-all' };

/**
 * Client errors as port errors. Some client paths reject with the raw gRPC error (an append to an
 * unreachable server does), so errors are converted to the client's command errors first.
 *
 * Every transport and availability failure becomes `EventStoreUnavailableError` (503): no
 * connection, no leader, deadline, cancellation, and the `UnknownError`s the batch-append path
 * makes of "Server Is Not Ready" / "Server Too Busy" / "Leader info available" or of a
 * cancellation caused by another client's `dispose()`. After an append it is in doubt: the
 * events may be stored, and the eventId ledger makes the retry safe.
 */
export function toPortError(error: unknown, operation: EsdbOperation): unknown {
  const converted = error instanceof Error ? convertToCommandError(error) : error;
  const appending = operation.kind === 'append';
  if (converted instanceof WrongExpectedVersionError && appending) {
    return new WrongExpectedRevisionError(operation.streamId, operation.expected, converted.actualVersion);
  }
  if (converted instanceof StreamDeletedError && appending) return new DeletedStreamError(operation.streamId, operation.indexes);
  if (converted instanceof MaxAppendSizeExceededError && appending) {
    return new AppendTooLargeError(
      `EventStoreDB refused an append of ${operation.indexes.length} event(s) to ${operation.streamId} as larger than its MaxAppendSize of ${converted.maxAppendSize} bytes; set TESSERA_ESDB_MAX_APPEND_BYTES below it`,
      converted.maxAppendSize,
      operation.indexes.map((index) => ({ index, pointer: '', rule: 'maxAppendSize', message: `the append holding this event exceeds the event store's limit of ${converted.maxAppendSize} bytes` })),
    );
  }
  if (converted instanceof AccessDeniedError) {
    const wrongCredentials = converted.code === GRPC_UNAUTHENTICATED;
    return new EventStoreAccessDeniedError(wrongCredentials ? CREDENTIALS_REFUSED : permissionNeeded(operation), converted);
  }
  if (isTransportError(converted)) {
    const doing = appending ? `appending to ${operation.streamId} (in doubt: the events may have been stored; a retry is safe)` : describe(operation);
    return new EventStoreUnavailableError(`EventStoreDB failed while ${doing}: ${converted.message || converted.constructor.name}`, converted, appending);
  }
  return converted;
}

/** Errors that say nothing about the request, only that the server could not be used (now). */
function isTransportError(error: unknown): error is Error {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof CancelledError ||
    error instanceof NotLeaderError ||
    error instanceof UnknownError
  );
}

/** The server refused the append, so nothing of it was written (its reservations can be released). */
export function isRejection(error: unknown): boolean {
  return (
    error instanceof WrongExpectedRevisionError ||
    error instanceof DeletedStreamError ||
    error instanceof EventStoreAccessDeniedError ||
    error instanceof AppendTooLargeError ||
    error instanceof InvalidArgumentError
  );
}

/** The permission Tessera's EventStoreDB user lacks, in words an operator can act on. */
export function permissionNeeded(operation: EsdbOperation): string {
  switch (operation.kind) {
    case 'append':
      return `the EventStoreDB user of EVENTSTOREDB_URL may not write to ${operation.streamId}: grant it write ($w) on customer streams (default ACL $userStreamAcl), or give EVENTSTOREDB_URL credentials (esdb://user:password@host:2113)`;
    case 'read-stream':
      return `the EventStoreDB user of EVENTSTOREDB_URL may not read ${operation.streamId}: grant it read ($r) on customer streams (default ACL $userStreamAcl), or give EVENTSTOREDB_URL credentials`;
    case 'read-all':
      return 'reading $all needs an EventStoreDB user in $ops or $admins (or read on $all by ACL): put that user in EVENTSTOREDB_URL (esdb://user:password@host:2113)';
    default: {
      const unreachable: never = operation;
      return unreachable;
    }
  }
}

function describe(operation: Exclude<EsdbOperation, { kind: 'append' }>): string {
  return operation.kind === 'read-all' ? 'reading $all' : `reading ${operation.streamId}`;
}
