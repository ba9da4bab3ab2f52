/**
 * Waits that a stop can cut short: a loop awaits `pause(ms)` between attempts, and `wake()` (from
 * its stop) ends the current wait at once.
 */
export class Pause {
  private wakeCurrent: () => void = () => undefined;

  pause(ms: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(done, ms);
      this.wakeCurrent = () => {
        clearTimeout(timer);
        done();
      };
    });
  }

  wake(): void {
    this.wakeCurrent();
  }
}

/** Whether `work` settled within `ms` (a shutdown's bound on waiting for it; `work` goes on either way). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((done) => (timer = setTimeout(() => done(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const, () => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
