import { Random } from './random';

/** Time helpers on epoch milliseconds; the demo retailer lives in China (UTC+08:00). */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const OFFSET = 8 * HOUR;

/** `2025-06-18T20:15:03+08:00`. */
export function isoShanghai(ms: number): string {
  return `${new Date(ms + OFFSET).toISOString().slice(0, 19)}+08:00`;
}

/** Midnight (China time) of the day holding `ms`. */
export function localMidnight(ms: number): number {
  return Math.floor((ms + OFFSET) / DAY) * DAY - OFFSET;
}

/** An instant at a given China-time date and hour. */
export function shanghaiTime(year: number, month: number, day: number, hour = 0, minute = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute) - OFFSET;
}

export function shanghaiYear(ms: number): number {
  return new Date(ms + OFFSET).getUTCFullYear();
}

/** When people shop, by China-time hour: a little in the morning, most in the evening. */
const ACTIVE_HOURS: readonly (readonly [number, number])[] = [
  [0, 1], [7, 2], [8, 4], [9, 5], [10, 6], [11, 6], [12, 7], [13, 6], [14, 5], [15, 5], [16, 5],
  [17, 5], [18, 6], [19, 8], [20, 10], [21, 10], [22, 7], [23, 3],
];

/**
 * An instant in [from, to], whole seconds. The day is uniform; the hour follows ACTIVE_HOURS when
 * that hour of that day still falls inside the range.
 */
export function momentBetween(rng: Random, from: number, to: number): number {
  if (to <= from) return wholeSecond(from);
  const uniform = from + rng.next() * (to - from);
  const candidate = localMidnight(uniform) + rng.weighted(ACTIVE_HOURS) * HOUR + rng.next() * HOUR;
  return wholeSecond(candidate >= from && candidate <= to ? candidate : uniform);
}

export function wholeSecond(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

/** An `YYMMDD` stamp for business ids such as order numbers. */
export function dayStamp(ms: number): string {
  return new Date(ms + OFFSET).toISOString().slice(2, 10).replace(/-/g, '');
}

/** Moves an instant forward into 08:00–21:00 China time, when couriers and service desks work. */
export function workingHours(rng: Random, ms: number): number {
  const hour = (ms - localMidnight(ms)) / HOUR;
  if (hour >= 8 && hour < 21) return wholeSecond(ms);
  const day = hour < 8 ? localMidnight(ms) : localMidnight(ms) + DAY;
  return wholeSecond(day + rng.float(8, 12) * HOUR);
}
