import { describe, expect, it } from 'vitest';
import { nextRunAfter } from './schedule.js';

describe('nextRunAfter', () => {
  it('adds the interval to the last run', () => {
    expect(new Date(nextRunAfter({ everyMinutes: 15 }, Date.parse('2026-11-20T10:00:00Z'))).toISOString()).toBe('2026-11-20T10:15:00.000Z');
  });

  it('answers the next local time of day in the zone, today when it is still ahead, else tomorrow', () => {
    const daily = { dailyAt: '06:00', timeZone: 'Europe/Moscow' }; // UTC+3
    expect(new Date(nextRunAfter(daily, Date.parse('2026-11-20T02:00:00Z'))).toISOString()).toBe('2026-11-20T03:00:00.000Z');
    expect(new Date(nextRunAfter(daily, Date.parse('2026-11-20T03:00:00Z'))).toISOString()).toBe('2026-11-21T03:00:00.000Z');
    expect(new Date(nextRunAfter(daily, Date.parse('2026-11-20T22:30:00Z'))).toISOString()).toBe('2026-11-21T03:00:00.000Z');
  });
});
