import { EventStore } from '@tessera/event-store';

export const LAG_COUNT_CAP = 100_000;

export type Lag = { events: number; capped: boolean; seconds: number };

/** How far the log is ahead of a checkpoint: events (counted up to a cap) and the oldest one's age. */
export async function lagAfter(store: EventStore, position: string | null, now: Date): Promise<Lag> {
  const after = position ?? undefined;
  const [next] = await store.readAll({ after, maxCount: 1 });
  if (!next) return { events: 0, capped: false, seconds: 0 };
  const events = store.countAfter ? await store.countAfter(after, LAG_COUNT_CAP) : (await store.readAll({ after, maxCount: LAG_COUNT_CAP })).length;
  return { events, capped: events >= LAG_COUNT_CAP, seconds: Math.max(0, (now.getTime() - Date.parse(next.recordedAt)) / 1000) };
}
