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
