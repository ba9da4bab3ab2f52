import { TesseraError } from '@tessera/platform';
import { AppendedEvent, EventStoreUnavailableError, PartialAppendError } from '../event-store.port';
import { Chunk, Item } from './eventstoredb-append-plan';
import { isRejection } from './eventstoredb-errors';
import { Stored } from './eventstoredb-events';

/** The chunk that failed, whether it may have been stored anyway, and the items never tried. */
export type WriteFailure = { error: unknown; chunk: Chunk; inDoubt: boolean; notTried: Item[] };

/** What the appends of one call did, and what the ledger must do about it. */
export type WriteOutcome = { located: Map<string, Stored>; release: Item[]; abandon: Item[]; failure?: WriteFailure };

/** Events this call stored (`mine`), stored by a call that took over its reservation (`theirs`), and the failure. */
export type Written = { mine: Map<string, Stored>; theirs: Map<string, Stored>; failure?: WriteFailure };

/**
 * Appends the chunks one after another and stops at the first failure: chunks after it are not
 * tried, so what is stored is always a prefix of the call. Reservations of a rejected chunk and
 * of chunks never tried are to be released; those of a chunk whose outcome is in doubt (timeout,
 * lost connection) abandoned, for the next call to recover from what the server holds. Every
 * failure that is not a rejection is reported as `EventStoreUnavailableError` in doubt, whatever
 * threw it (a lost read-back, an unmapped client error): the chunk may be stored.
 */
export async function writeInOrder(chunks: Chunk[], appendChunk: (chunk: Chunk) => Promise<Map<string, Stored>>): Promise<WriteOutcome> {
  const located = new Map<string, Stored>();
  for (const [i, chunk] of chunks.entries()) {
    try {
      (await appendChunk(chunk)).forEach((stored, key) => located.set(key, stored));
    } catch (thrown) {
      const inDoubt = !isRejection(thrown);
      const error = inDoubt ? asInDoubt(thrown, chunk) : thrown;
      const notTried = chunks.slice(i + 1).flatMap((later) => later.items);
      return {
        located,
        release: [...(inDoubt ? [] : chunk.items), ...notTried],
        abandon: inDoubt ? chunk.items : [],
        failure: { error, chunk, inDoubt, notTried },
      };
    }
  }
  return { located, release: [], abandon: [] };
}

/**
 * The answer for each item, or undefined when it is not stored: the first item of an eventId
 * this call stored is fresh, any other (a repeat, or one stored before) is a duplicate.
 */
export function answersOf(items: Item[], known: Map<string, Stored>, written: Written): (AppendedEvent | undefined)[] {
  const firstIndex = new Map(items.map((item) => [item.key, item.index] as const).reverse());
  return items.map((item) => {
    const fresh = firstIndex.get(item.key) === item.index ? written.mine.get(item.key) : undefined;
    const stored = fresh ?? written.mine.get(item.key) ?? known.get(item.key) ?? written.theirs.get(item.key);
    return stored ? { eventId: item.event.eventId, streamId: item.streamId, ...stored, duplicate: fresh === undefined } : undefined;
  });
}

/**
 * The error a failed call throws: its cause alone when nothing of the call is stored, else a
 * `PartialAppendError` that says, by index, what is stored, what is in doubt and what is not.
 */
export function failureOf(items: Item[], known: Map<string, Stored>, written: Written, failure: WriteFailure): unknown {
  const answers = answersOf(items, known, written);
  const stored = items.flatMap((item, i) => {
    const result = answers[i];
    return result ? [{ index: item.index, result }] : [];
  });
  if (stored.length === 0) return failure.error;
  const cause = failure.error instanceof TesseraError ? failure.error : asInDoubt(failure.error, failure.chunk);
  const doubtful = new Set(failure.inDoubt ? failure.chunk.items.map((item) => item.key) : []);
  const open = items.filter((_, i) => answers[i] === undefined);
  return new PartialAppendError(
    cause,
    stored,
    open.filter((item) => doubtful.has(item.key)).map((item) => item.index),
    open.filter((item) => !doubtful.has(item.key)).map((item) => item.index),
  );
}

/** A failure of a chunk that may be stored, as the port says so: unavailable, in doubt. */
function asInDoubt(error: unknown, chunk: Chunk): EventStoreUnavailableError {
  if (error instanceof EventStoreUnavailableError && error.inDoubt) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`the append to ${chunk.streamId} may or may not be stored (${reason}); a retry is safe`, error, true);
}
