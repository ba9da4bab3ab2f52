import { EventStoreUnavailableError } from '../event-store.port';

/**
 * `work` bounded by a deadline of our own: the client gives reads no deadline at all (it forces
 * `deadline: Infinity`) and waits on a stuck batch-append stream for ever. Past `ms`, `onTimeout`
 * runs (cancel the read) and the call fails with `EventStoreUnavailableError`.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string, onTimeout: () => void = () => undefined, inDoubt = false): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      const doubt = inDoubt ? ' (in doubt: the events may have been stored; a retry is safe)' : '';
      reject(new EventStoreUnavailableError(`EventStoreDB did not answer ${what} within ${ms} ms${doubt}`, undefined, inDoubt));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
