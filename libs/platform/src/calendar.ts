/**
 * Dates and instants as PostgreSQL will take them: `Date.parse` rolls 2024-02-30 over to March
 * and accepts year 0000 and offsets up to ±23:59, all of which `date`/`timestamptz` refuse.
 */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4}-\d{2}-\d{2})[T ]([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](\d{2})(?::?([0-5]\d))?)$/;
/** PostgreSQL refuses a UTC offset beyond ±15:59. */
const MAX_OFFSET_HOURS = 15;

/** A day that exists, `YYYY-MM-DD`, in years 0001–9999. */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

/**
 * An ISO-8601 date-time with an offset (`Z` or ±hh:mm, or PostgreSQL's `±hh`), on a real day,
 * that PostgreSQL's `timestamptz` accepts.
 */
export function isStorableInstant(text: string): boolean {
  const match = INSTANT.exec(text);
  if (!match || !isCalendarDate(match[1])) return false;
  return match[3] === undefined || Number(match[3]) <= MAX_OFFSET_HOURS;
}
