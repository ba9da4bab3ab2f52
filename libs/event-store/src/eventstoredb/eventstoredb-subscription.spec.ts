import { AccessDeniedError } from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../event-store.port';
import { toPortError } from './eventstoredb-errors';
import { Scan } from './eventstoredb-reads';
import { SubscriptionTiming, Wakeup, catchUpSubscription, errorBackoff } from './eventstoredb-subscription';

const timing: SubscriptionTiming = { pollIntervalMs: 200, errorBackoffMs: 1_000, maxErrorBackoffMs: 30_000 };
const denied = () => toPortError(new AccessDeniedError(), { kind: 'read-all' });

describe('EventStoreDB subscription backoff', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [6, 30_000],
    [40, 30_000],
  ])('after %i outage failure(s) in a row waits %i ms', (failures, ms) => {
    expect(errorBackoff(failures, new EventStoreUnavailableError('down'), timing)).toBe(ms);
  });

  it('waits the longest at once when $all is denied (an operator must act), not every second', () => {
    expect(errorBackoff(1, denied(), timing)).toBe(30_000);
  });

  describe('in the loop', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('reports each denied read with the missing permission and does not retry before the backoff', async () => {
      const reported: unknown[] = [];
      const scan = jest.fn(async (): Promise<Scan> => {
        throw denied();
      });
      const subscription = catchUpSubscription(scan, async () => undefined, { onError: (error) => reported.push(error) }, timing, new Wakeup());
      await jest.advanceTimersByTimeAsync(29_000);
      expect(scan).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(scan).toHaveBeenCalledTimes(2);
      expect(String((reported[0] as Error).message)).toMatch(/reading \$all needs an EventStoreDB user in \$ops or \$admins/);
      await subscription.stop();
    });
  });
});
