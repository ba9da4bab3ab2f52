import { EventStore } from '@tessera/event-store';

export const LAG_COUNT_CAP = 100_000;
/** Without a fast count (EventStoreDB) the lag is counted by reading, so only this far. */
export const LAG_READ_CAP = 1_000;

export type Lag = { events: number; capped: boolean; seconds: number };

/** How far the log is ahead of a checkpoint: events (counted up to a cap) and the oldest one's age. */
export async function lagAfter(store: EventStore, position: string | null, now: Date): Promise<Lag> {
  const after = position ?? undefined;
  const [next] = await store.readAll({ after, maxCount: 1 });
  if (!next) return { events: 0, capped: false, seconds: 0 };
  const cap = store.countAfter ? LAG_COUNT_CAP : LAG_READ_CAP;
  const events = store.countAfter ? await store.countAfter(after, cap) : (await store.readAll({ after, maxCount: cap })).length;
  return { events, capped: events >= cap, seconds: Math.max(0, (now.getTime() - Date.parse(next.recordedAt)) / 1000) };
}
