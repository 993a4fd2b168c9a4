/**
 * Minute keys: a UTC minute as the first 16 characters of its ISO time (`2026-11-22T09:52`), so
 * keys sort and compare as text on both backends, like every other time column (decision 0002).
 */
export const MINUTE_MS = 60_000;

export const minuteKey = (at: Date | number): string => new Date(at).toISOString().slice(0, 16);

/** The ISO time a minute key starts at. */
export const minuteStart = (key: string): string => `${key}:00.000Z`;

/** The `count` minute keys ending with the minute of `now`, oldest first. */
export const minuteKeys = (now: Date, count: number): string[] => {
  const last = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  return Array.from({ length: count }, (_, i) => minuteKey(last - (count - 1 - i) * MINUTE_MS));
};
