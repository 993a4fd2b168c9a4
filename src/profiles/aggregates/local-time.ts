import { AppError } from '../../core/errors.js';

/*
 * Local dates in a person's IANA time zone, on the hot path of every aggregate update.
 *
 * A local day is numbered like an epoch day: day n is the local date whose midnight, read as if it
 * were UTC, is n × 86 400 000 ms. So `localDay(t) = floor((t + offset(t)) / DAY_MS)`, and days
 * compare and subtract as integers. Intl.DateTimeFormat (tzdata) is the only source of offsets; since
 * it is slow (~µs a call), each zone caches its offset per UTC hour. An hour is cached as uniform
 * only if the offsets at its first and last second agree; an hour that holds a transition (at most a
 * few a year) is computed exactly every time, so transitions at odd minutes (Lord Howe's 30-minute
 * shift, historical LMT) stay exact.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const OFFSET_CACHE_LIMIT = 100_000;
const DAY_STRING_CACHE_LIMIT = 50_000;

class ZoneOffsets {
  readonly #format: Intl.DateTimeFormat;
  /** UTC hour index → offset in ms, or NaN when the hour holds a transition. */
  readonly #byHour = new Map<number, number>();

  constructor(timeZone: string) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone's offset from UTC at `t` (ms to add to UTC to get local wall time), from tzdata. */
  exactOffset(t: number): number {
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.#format.formatToParts(t)) {
      if (part.type === 'year') year = Number(part.value);
      else if (part.type === 'month') month = Number(part.value);
      else if (part.type === 'day') day = Number(part.value);
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
      else if (part.type === 'second') second = Number(part.value);
    }
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    return wall - (t - modulo(t, 1000));
  }

  offset(t: number): number {
    const hour = Math.floor(t / HOUR_MS);
    let cached = this.#byHour.get(hour);
    if (cached === undefined) {
      const start = hour * HOUR_MS;
      const atStart = this.exactOffset(start);
      cached = atStart === this.exactOffset(start + HOUR_MS - 1000) ? atStart : Number.NaN;
      if (this.#byHour.size >= OFFSET_CACHE_LIMIT) this.#byHour.clear();
      this.#byHour.set(hour, cached);
    }
    return Number.isNaN(cached) ? this.exactOffset(t) : cached;
  }

  localDay(t: number): number {
    return Math.floor((t + this.offset(t)) / DAY_MS);
  }
}

const modulo = (a: number, b: number): number => ((a % b) + b) % b;

const zones = new Map<string, ZoneOffsets>();

/** The cached offsets of a zone; an unknown zone name is a validation error. */
export const zoneOffsets = (timeZone: string): ZoneOffsets => {
  let zone = zones.get(timeZone);
  if (zone === undefined) {
    try {
      zone = new ZoneOffsets(timeZone);
    } catch (err) {
      throw new AppError('VALIDATION_FAILED', `unknown time zone "${timeZone}"`, [{ path: 'timeZone', message: 'not an IANA time zone' }], {
        cause: err,
      });
    }
    zones.set(timeZone, zone);
  }
  return zone;
};

export type { ZoneOffsets };

/** The local day number of instant `t` (epoch ms) in `timeZone`. */
export const localDay = (t: number, timeZone: string): number => zoneOffsets(timeZone).localDay(t);

const dayStrings = new Map<number, string>();

/** Day number → `YYYY-MM-DD` (cached: the same few hundred days recur on every event). */
export const dayString = (day: number): string => {
  let text = dayStrings.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayStrings.size >= DAY_STRING_CACHE_LIMIT) dayStrings.clear();
    dayStrings.set(day, text);
  }
  return text;
};

/** `YYYY-MM-DD` → day number. */
export const dayNumber = (text: string): number =>
  Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10))) / DAY_MS;

/** The day number of the 1st of the month holding `day`. */
export const monthStartDay = (day: number): number => day - new Date(day * DAY_MS).getUTCDate() + 1;

/** The day number of the 1st of the month after the one holding `day`. */
export const nextMonthStartDay = (day: number): number => {
  const date = new Date(day * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY_MS;
};

/** UTC offsets stay within −12 h and +14 h; these bounds hold the start of any local day. */
const EARLIEST_START_BEFORE_MIDNIGHT = 15 * HOUR_MS;
const LATEST_START_AFTER_MIDNIGHT = 13 * HOUR_MS;

/**
 * The first instant (epoch ms) of local day `day`: usually local midnight; when midnight falls in a
 * DST gap (America/Santiago, Asia/Beirut move their clocks at 00:00), the instant the day begins.
 */
export const startOfLocalDay = (day: number, timeZone: string): number => {
  const zone = zoneOffsets(timeZone);
  const midnight = day * DAY_MS;
  let t = midnight - zone.offset(midnight);
  t = midnight - zone.offset(t);
  if (zone.localDay(t) === day && zone.localDay(t - 1) < day) return t;
  // Midnight does not exist (or the offset changed around it): search for the first instant of the day.
  let before = midnight - EARLIEST_START_BEFORE_MIDNIGHT;
  let at = midnight + LATEST_START_AFTER_MIDNIGHT;
  while (at - before > 1) {
    const mid = Math.floor((before + at) / 2);
    if (zone.localDay(mid) >= day) at = mid;
    else before = mid;
  }
  return at;
};
