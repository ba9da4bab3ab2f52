import { dayOf } from '@tessera/platform';

/**
 * Whole days from today (in the deployment's time zone) to the next birthday: 0 on the day.
 * A 29 February birthday falls on 28 February in common years.
 */
export function daysToBirthday(birthday: { month: number; day: number }, now: number, timeZone: string): number {
  const [year, month, day] = dayOf(now, timeZone).split('-').map(Number);
  const today = Date.UTC(year, month - 1, day);
  const on = (y: number) => {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const d = birthday.month === 2 && birthday.day === 29 && !leap ? 28 : birthday.day;
    return Date.UTC(y, birthday.month - 1, d);
  };
  const next = on(year) >= today ? on(year) : on(year + 1);
  return Math.round((next - today) / 86_400_000);
}
