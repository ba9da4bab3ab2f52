const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Milliseconds of a fixed-length ISO-8601 duration (no years or months: they vary). */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === 'P' || value.endsWith('T')) return undefined;
  const match = DURATION.exec(value);
  if (!match) return undefined;
  const [w, d, h, m, s] = match.slice(1).map((part) => Number(part ?? 0));
  const ms = ((((w * 7 + d) * 24 + h) * 60 + m) * 60 + s) * 1000;
  return ms > 0 && ms <= 100 * 365 * 86_400_000 ? ms : undefined;
}
