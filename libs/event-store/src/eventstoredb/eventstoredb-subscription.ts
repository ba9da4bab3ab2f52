import type { Position } from '@eventstore/db-client';
import { EventStoreAccessDeniedError, SubscribeOptions, Subscription, SubscriptionHandler } from '../event-store.port';
import { Scan } from './eventstoredb-reads';
import { decodePosition } from './eventstoredb-positions';

export type SubscriptionTiming = { pollIntervalMs: number; errorBackoffMs: number; maxErrorBackoffMs: number };

/**
 * A catch-up loop over `$all` (never a live subscription: those drop events under load). After
 * a failure it waits `errorBackoffMs`, doubling on each failure in a row up to `maxErrorBackoffMs`
 * (at once for a denied `$all`: that needs an operator), and reports each failure to `onError`.
 */
export function catchUpSubscription(
  scan: (after: Position | undefined, maxCount: number) => Promise<Scan>,
  handler: SubscriptionHandler,
  options: SubscribeOptions,
  timing: SubscriptionTiming,
  wakeup: Wakeup,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  let cursor = options.after === undefined ? undefined : decodePosition(options.after);
  let stopped = false;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { events, scanned } = await scan(cursor, batchSize);
        if (stopped) break;
        if (events.length > 0) await handler(events);
        cursor = scanned;
        failures = 0;
        if (events.length < batchSize) await wakeup.wait(timing.pollIntervalMs);
      } catch (error) {
        failures++;
        options.onError?.(error);
        await wakeup.wait(errorBackoff(failures, error, timing));
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      wakeup.wake();
      await loop;
    },
  };
}

/** The wait after the `failures`-th failure in a row. */
export function errorBackoff(failures: number, error: unknown, timing: SubscriptionTiming): number {
  if (error instanceof EventStoreAccessDeniedError) return timing.maxErrorBackoffMs;
  return Math.min(timing.errorBackoffMs * 2 ** Math.max(0, failures - 1), timing.maxErrorBackoffMs);
}

/** An idle wait that an append (or stop) ends early; a wake that comes while busy is kept for the next wait. */
export class Wakeup {
  private wakeWaiter: (() => void) | undefined;
  private woken = false;

  wait(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((done) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        done();
      };
      const timer = setTimeout(finish, ms);
      this.wakeWaiter = finish;
    });
  }

  wake(): void {
    if (this.wakeWaiter) this.wakeWaiter();
    else this.woken = true;
  }
}
