/**
 * How long a test waits for something that must happen: a deadline about correctness (it did not
 * happen at all), never about speed. Generous, so a slow or busy machine passes and a hang fails.
 */
export const CORRECTNESS_DEADLINE_MS = 120_000;

/** A jest timeout for a test that waits on several such conditions in a row. */
export const SLOW_TEST_TIMEOUT_MS = 5 * 60_000;

/** Polls `probe` (never a fixed sleep) until it answers something other than undefined/null/false. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = CORRECTNESS_DEADLINE_MS, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, everyMs));
  }
}
