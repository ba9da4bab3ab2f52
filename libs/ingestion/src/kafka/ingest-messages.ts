import { FieldError, TesseraError, ValidationError, ProblemDetails, problemFromError, checkStorableJson } from '@tessera/platform';
import { RecordedResult } from '../record-events/record-events.command';
import { ValidationContext, validateEvent } from '../record-events/validate-event';
import { InboundMessage } from './message-consumer';

/** `RecordEvents` through the command bus: the same validation and append as `POST /v1/events`. */
export type Recorder = (bodies: unknown[], batch: boolean) => Promise<RecordedResult[]>;

export type Rejection = { kind: 'rejected'; reason: Verdict; original: unknown; problem: ProblemDetails };

/** The kinds of error that judge the events themselves; anything else stops the partition uncommitted. */
export type Verdict = 'validation' | 'conflict' | 'too_large';

/** What became of one message. */
export type Outcome = { kind: 'appended' | 'duplicate'; result: RecordedResult } | Rejection;

/** The most events one append call carries (the HTTP batch limit). */
export const RUN_MAX_EVENTS = 1000;

type Pending = { index: number; body: unknown };

/**
 * Appends the envelopes of one partition's messages, one outcome per message in order. Each
 * message is judged alone, as `POST /v1/events` would judge it: one that is not JSON, not valid
 * or a `409` is rejected with that problem and the others are appended. Valid messages are
 * appended in runs of up to RUN_MAX_EVENTS per call; a run ends before an eventId it already
 * holds, so the second of two messages with one id meets the first in the store (a duplicate,
 * or a `409`). Throws whatever is not a verdict on a message (the store cannot be reached):
 * then nothing is settled and the caller must not commit.
 */
export async function ingestMessages(messages: readonly InboundMessage[], record: Recorder, context: ValidationContext): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(messages.length);
  let run: Pending[] = [];
  let runIds = new Set<string>();
  const flush = async () => {
    await appendRun(run, record, outcomes);
    run = [];
    runIds = new Set();
  };
  for (const [index, message] of messages.entries()) {
    const parsed = parseValue(message.value);
    if (!parsed.ok) {
      outcomes[index] = { kind: 'rejected', reason: 'validation', original: parsed.original, problem: problemFromError(parsed.error) };
      continue;
    }
    const validated = validateEvent(parsed.body, context);
    if (!validated.ok) {
      outcomes[index] = await recordAlone(parsed.body, record);
      continue;
    }
    const eventId = validated.event.eventId?.toLowerCase();
    if ((eventId !== undefined && runIds.has(eventId)) || run.length >= RUN_MAX_EVENTS) await flush();
    if (eventId !== undefined) runIds.add(eventId);
    run.push({ index, body: parsed.body });
  }
  await flush();
  return outcomes;
}

export type ParsedValue = { ok: true; body: unknown } | { ok: false; original: unknown; error: ValidationError };

/** A message carries one JSON envelope; anything else is a validation problem at pointer "". */
export function parseValue(value: string | null): ParsedValue {
  const refuse = (original: unknown, message: string): ParsedValue => ({
    ok: false,
    original,
    error: new ValidationError('the message is not one JSON event envelope; nothing was stored', [{ pointer: '', rule: 'isJson', message }]),
  });
  if (value === null) return refuse(null, 'the message has no value; it must carry one JSON event envelope');
  let body: unknown;
  try {
    body = JSON.parse(value) as unknown;
  } catch (error) {
    return refuse(value, `the message value is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The rule every HTTP body meets: text PostgreSQL can store, finite numbers, bounded depth.
  // The original stays the raw text: a value nested too deep would not serialise again.
  const errors = checkStorableJson(body);
  if (errors.length > 0) return { ok: false, original: value, error: new ValidationError('the message holds values that cannot be stored; nothing was stored', errors) };
  return { ok: true, body };
}

/**
 * One append for the run. A rejection names the refused events by index: those are recorded
 * alone, which answers each one's own problem exactly as the HTTP API would (or appends it, when
 * it was refused only because of the others), and the rest of the run is appended again.
 */
async function appendRun(run: Pending[], record: Recorder, outcomes: Outcome[]): Promise<void> {
  let pending = run;
  while (pending.length > 0) {
    try {
      const results = await record(pending.map((p) => p.body), true);
      pending.forEach((p, i) => (outcomes[p.index] = accepted(results[i])));
      return;
    } catch (error) {
      if (!isVerdict(error)) throw error;
      const refused = refusedIndexes(error, pending.length);
      for (const i of refused) outcomes[pending[i].index] = await recordAlone(pending[i].body, record);
      pending = pending.filter((_, i) => !refused.has(i));
    }
  }
}

async function recordAlone(body: unknown, record: Recorder): Promise<Outcome> {
  try {
    const [result] = await record([body], false);
    return accepted(result);
  } catch (error) {
    if (!isVerdict(error)) throw error;
    return { kind: 'rejected', reason: error.kind, original: body, problem: problemFromError(error) };
  }
}

function accepted(result: RecordedResult): Outcome {
  return { kind: result.duplicate ? 'duplicate' : 'appended', result };
}

/**
 * A verdict on the events themselves (400, 409 — a conflict or a deleted stream —, 413 too large
 * for the event store), as opposed to a store that cannot answer or refuses Tessera (503).
 */
function isVerdict(error: unknown): error is TesseraError & { kind: Verdict; errors?: FieldError[] } {
  return error instanceof TesseraError && (error.kind === 'validation' || error.kind === 'conflict' || error.kind === 'too_large');
}

/** The indexes a rejection names; every index when it names none. */
function refusedIndexes(error: { errors?: FieldError[] }, size: number): Set<number> {
  const named = new Set((error.errors ?? []).map((e) => e.index).filter((i): i is number => i !== undefined && i >= 0 && i < size));
  return named.size > 0 ? named : new Set(Array.from({ length: size }, (_, i) => i));
}
