import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import { DAY_MS, dayNumber, dayString, localDay, monthStartDay, nextMonthStartDay, startOfLocalDay } from './local-time.js';

const dateIn = (iso: string, zone: string): string => dayString(localDay(Date.parse(iso), zone));

/** The local date straight from Intl, for comparison with the cached path. */
const formats = new Map<string, Intl.DateTimeFormat>();
const intlDate = (t: number, timeZone: string): string => {
  const format = formats.get(timeZone) ?? new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  formats.set(timeZone, format);
  const parts = Object.fromEntries(format.formatToParts(t).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
};

const ZONES = [
  'UTC',
  'Europe/Moscow',
  'Asia/Vladivostok',
  'Europe/Berlin',
  'America/Santiago',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Kiritimati',
];

describe('local dates', () => {
  it('puts 23:30 UTC on the next day in Moscow (UTC+3) and the same day in UTC', () => {
    expect(dateIn('2024-05-19T23:30:00Z', 'Europe/Moscow')).toBe('2024-05-20');
    expect(dateIn('2024-05-19T23:30:00Z', 'UTC')).toBe('2024-05-19');
  });

  it('turns the day at 14:00 UTC in Vladivostok (UTC+10)', () => {
    expect(dateIn('2024-05-19T13:59:59Z', 'Asia/Vladivostok')).toBe('2024-05-19');
    expect(dateIn('2024-05-19T14:00:00Z', 'Asia/Vladivostok')).toBe('2024-05-20');
  });

  it('follows Berlin across both DST changes', () => {
    // 31 March 2024: 02:00 CET → 03:00 CEST at 01:00 UTC. Midnight is 23:00 UTC before, 22:00 UTC after.
    expect(dateIn('2024-03-30T22:59:59Z', 'Europe/Berlin')).toBe('2024-03-30');
    expect(dateIn('2024-03-30T23:00:00Z', 'Europe/Berlin')).toBe('2024-03-31');
    expect(dateIn('2024-03-31T21:59:59Z', 'Europe/Berlin')).toBe('2024-03-31');
    expect(dateIn('2024-03-31T22:00:00Z', 'Europe/Berlin')).toBe('2024-04-01');
    // 27 October 2024: 03:00 CEST → 02:00 CET at 01:00 UTC.
    expect(dateIn('2024-10-26T21:59:59Z', 'Europe/Berlin')).toBe('2024-10-26');
    expect(dateIn('2024-10-26T22:00:00Z', 'Europe/Berlin')).toBe('2024-10-27');
    expect(dateIn('2024-10-27T22:59:59Z', 'Europe/Berlin')).toBe('2024-10-27');
    expect(dateIn('2024-10-27T23:00:00Z', 'Europe/Berlin')).toBe('2024-10-28');
  });

  it('agrees with Intl at any instant, in zones with odd offsets and transitions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2015-01-01T00:00:00Z'), max: Date.parse('2030-12-31T00:00:00Z') }),
        fc.constantFrom(...ZONES),
        (t, zone) => {
          expect(dayString(localDay(t, zone))).toBe(intlDate(t, zone));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees with Intl minute by minute around transitions', () => {
    const around = [
      ['Europe/Berlin', '2024-03-31T01:00:00Z'],
      ['Australia/Lord_Howe', '2024-04-06T15:00:00Z'], // 30-minute shift at 02:00 local
      ['America/Santiago', '2024-09-08T04:00:00Z'], // midnight does not exist
    ] as const;
    for (const [zone, iso] of around) {
      const centre = Date.parse(iso);
      for (let t = centre - 3 * 3_600_000; t <= centre + 3 * 3_600_000; t += 60_000 - 1)
        expect(dayString(localDay(t, zone))).toBe(intlDate(t, zone));
    }
  });

  it('converts day numbers to and from dates, and finds month starts', () => {
    const day = dayNumber('2024-02-29');
    expect(dayString(day)).toBe('2024-02-29');
    expect(dayString(monthStartDay(day))).toBe('2024-02-01');
    expect(dayString(nextMonthStartDay(day))).toBe('2024-03-01');
    expect(dayString(nextMonthStartDay(dayNumber('2024-12-31')))).toBe('2025-01-01');
    expect(dayNumber('1970-01-02')).toBe(1);
  });

  it('refuses an unknown time zone with a stable code', () => {
    expect(() => localDay(0, 'Mars/Olympus_Mons')).toThrow(AppError);
    expect(() => localDay(0, 'Mars/Olympus_Mons')).toThrow(/unknown time zone/);
  });
});

describe('startOfLocalDay', () => {
  it('is local midnight, on both sides of a DST change', () => {
    expect(new Date(startOfLocalDay(dayNumber('2024-03-31'), 'Europe/Berlin')).toISOString()).toBe('2024-03-30T23:00:00.000Z');
    expect(new Date(startOfLocalDay(dayNumber('2024-04-01'), 'Europe/Berlin')).toISOString()).toBe('2024-03-31T22:00:00.000Z');
    expect(new Date(startOfLocalDay(dayNumber('2024-05-20'), 'Asia/Kathmandu')).toISOString()).toBe('2024-05-19T18:15:00.000Z');
    expect(new Date(startOfLocalDay(dayNumber('2024-05-20'), 'Europe/Moscow')).toISOString()).toBe('2024-05-19T21:00:00.000Z');
  });

  it('is the first instant of a day whose midnight falls in a DST gap', () => {
    // Santiago moves from 00:00 −04 to 01:00 −03 on 8 September 2024: the day begins at 04:00 UTC.
    const start = startOfLocalDay(dayNumber('2024-09-08'), 'America/Santiago');
    expect(new Date(start).toISOString()).toBe('2024-09-08T04:00:00.000Z');
    expect(intlDate(start - 1, 'America/Santiago')).toBe('2024-09-07');
  });

  it('is always the first instant whose local date is that day', () => {
    fc.assert(
      fc.property(fc.integer({ min: dayNumber('2015-01-01'), max: dayNumber('2030-12-31') }), fc.constantFrom(...ZONES), (day, zone) => {
        const start = startOfLocalDay(day, zone);
        expect(intlDate(start, zone)).toBe(dayString(day));
        expect(intlDate(start - 1, zone)).toBe(dayString(day - 1));
        expect(Math.abs(start - day * DAY_MS)).toBeLessThanOrEqual(15 * 3_600_000);
      }),
      { numRuns: 2000 },
    );
  });
});
