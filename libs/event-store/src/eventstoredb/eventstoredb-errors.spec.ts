import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  convertToCommandError,
} from '@eventstore/db-client';
import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { problemFromError } from '@tessera/platform';
import {
  AppendTooLargeError,
  DeletedStreamError,
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  anyRevision,
  exactRevision,
} from '../event-store.port';
import { EsdbOperation, isRejection, toPortError } from './eventstoredb-errors';

const append: EsdbOperation = { kind: 'append', streamId: 'customer-c1', expected: anyRevision, indexes: [3, 4] };
const readAll: EsdbOperation = { kind: 'read-all' };

/** A raw gRPC error as @grpc/grpc-js hands it to the client, before the client converts it. */
function grpcError(code: status, details: string, entries: Record<string, string> = {}): ServiceError {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

describe('EventStoreDB client errors as port errors', () => {
  it.each([
    ['the batch-append "Server Is Not Ready" (compose start, no leader yet)', new UnknownError(undefined, 'Could not recognize Server Is Not Ready')],
    ['the batch-append "Server Too Busy"', new UnknownError(undefined, 'Could not recognize Server Too Busy')],
    ['a cancellation (another client disposed: the client rejects every pending batch append)', convertToCommandError(grpcError(status.CANCELLED, 'Cancelled on client'))],
    ['a server-side cancellation', new CancelledError()],
    ['an aborted call (TimeoutError)', new TimeoutError()],
    ['a deadline', new DeadlineExceededError()],
    ['no connection', new UnavailableError()],
    ['a raw UNAVAILABLE gRPC error', grpcError(status.UNAVAILABLE, 'No connection established')],
    ['not the leader', grpcError(status.NOT_FOUND, 'Leader info available', { exception: 'not-leader', 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' })],
    ['an unrecognised gRPC status', grpcError(status.INTERNAL, 'boom')],
  ])('maps %s during an append to 503, in doubt', (_, error) => {
    const mapped = toPortError(error, append);
    expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
    expect(mapped).toMatchObject({ inDoubt: true });
    expect(isRejection(mapped)).toBe(false);
    expect(problemFromError(mapped as EventStoreUnavailableError)).toMatchObject({ status: 503 });
  });

  it('maps transport errors during a read to 503, not in doubt', () => {
    expect(toPortError(new DeadlineExceededError(), readAll)).toMatchObject({ inDoubt: false, message: expect.stringContaining('reading $all') });
    expect(toPortError(new UnknownError(undefined, 'Could not recognize Server Is Not Ready'), { kind: 'read-stream', streamId: 'customer-c1' })).toBeInstanceOf(EventStoreUnavailableError);
  });

  it('maps a wrong expected version to the port conflict with the actual revision', () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'customer-c1', expected: 4n, current: 7n });
    const mapped = toPortError(error, { ...append, expected: exactRevision(4n) });
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({ actual: 7n });
    expect(isRejection(mapped)).toBe(true);
  });

  it('maps access denied to its own 503 problem naming the missing permission', () => {
    const forAll = toPortError(new AccessDeniedError(), readAll);
    expect(forAll).toBeInstanceOf(EventStoreAccessDeniedError);
    expect((forAll as EventStoreAccessDeniedError).permission).toMatch(/\$ops or \$admins/);
    const problem = problemFromError(forAll as EventStoreAccessDeniedError);
    expect(problem).toMatchObject({ status: 503, type: 'https://tessera.dev/problems/event-store-access-denied' });
    const forAppend = toPortError(convertToCommandError(grpcError(status.PERMISSION_DENIED, 'Access denied', { exception: 'access-denied' })), append);
    expect((forAppend as EventStoreAccessDeniedError).permission).toMatch(/may not write to customer-c1/);
    expect(isRejection(forAppend)).toBe(true);
  });

  it('tells wrong or missing credentials (UNAUTHENTICATED) apart from a missing permission', () => {
    const mapped = toPortError(convertToCommandError(grpcError(status.UNAUTHENTICATED, 'Bad credentials')), readAll);
    expect(mapped).toBeInstanceOf(EventStoreAccessDeniedError);
    expect((mapped as EventStoreAccessDeniedError).permission).toMatch(/refused the credentials of EVENTSTOREDB_URL/);
  });

  it('maps a deleted stream to its own 409 problem naming the events by index', () => {
    const mapped = toPortError(StreamDeletedError.fromStreamName('customer-c1'), append);
    expect(mapped).toBeInstanceOf(DeletedStreamError);
    expect(isRejection(mapped)).toBe(true);
    expect(problemFromError(mapped as DeletedStreamError)).toMatchObject({
      status: 409,
      type: 'https://tessera.dev/problems/stream-deleted',
      errors: [
        { index: 3, pointer: '/customerId', rule: 'streamDeleted' },
        { index: 4, pointer: '/customerId', rule: 'streamDeleted' },
      ],
    });
  });

  it('maps the server refusing the append size to a 413 naming the events by index', () => {
    const mapped = toPortError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), append);
    expect(mapped).toBeInstanceOf(AppendTooLargeError);
    expect(isRejection(mapped)).toBe(true);
    expect(problemFromError(mapped as AppendTooLargeError)).toMatchObject({ status: 413, errors: [{ index: 3, rule: 'maxAppendSize' }, { index: 4 }] });
  });

  it('leaves a client-side invalid argument as it is (a bug, not an outage), and a rejection', () => {
    const error = new InvalidArgumentError('bad');
    expect(toPortError(error, append)).toBe(error);
    expect(isRejection(error)).toBe(true);
  });
});
