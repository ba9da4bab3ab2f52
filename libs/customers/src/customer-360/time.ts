export const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole 24-hour periods from `at` to `now` (DESIGN §11): 0 for anything less than a day old. */
export function ageInDays(at: number, now: number): number {
  return Math.floor((now - at) / DAY_MS);
}

/** "In the last N days": less than N whole days old. */
export function withinDays(at: number, now: number, days: number): boolean {
  return now - at < days * DAY_MS;
}

export function iso(at: number | null | undefined): string | null {
  return at === null || at === undefined ? null : new Date(at).toISOString();
}
