import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, attemptOutcome, parseRetryAfter, retryDelayMs } from './retry-schedule.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const half = () => 0.5;

describe('the retry schedule', () => {
  it('is about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts', () => {
    expect(RETRY_DELAYS_MS).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(MAX_ATTEMPTS).toBe(8);
    expect(RETRY_DELAYS_MS.map((_, i) => retryDelayMs(i + 1, half))).toEqual(RETRY_DELAYS_MS);
    expect(retryDelayMs(8, half)).toBeUndefined();
  });

  it('jitters each delay by at most 10 %', () => {
    expect(retryDelayMs(1, () => 0)).toBe(4_500);
    expect(retryDelayMs(1, () => 0.999999)).toBeCloseTo(5_500, -1);
    expect(retryDelayMs(4, () => 0.25)).toBe(7_200_000 * 0.95);
  });

  it('reads Retry-After as seconds or an HTTP date, capped at a day', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:10:00 GMT', now)).toBe(600_000);
    expect(parseRetryAfter('999999', now)).toBe(24 * 3600_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('delivers on 2xx, retries on failure, honours Retry-After on 429 and 503 only, and disables on 410', () => {
    expect(attemptOutcome({ kind: 'response', status: 204 }, 1, now, half)).toEqual({ status: 'delivered' });
    expect(attemptOutcome({ kind: 'response', status: 500 }, 1, now, half)).toEqual({
      status: 'pending',
      nextAttemptAt: new Date(now.getTime() + 5_000),
      error: 'HTTP 500',
    });
    expect(attemptOutcome({ kind: 'response', status: 429, retryAfter: '60' }, 1, now, half)).toMatchObject({
      nextAttemptAt: new Date(now.getTime() + 60_000),
    });
    expect(attemptOutcome({ kind: 'response', status: 503, retryAfter: '7' }, 3, now, half)).toMatchObject({
      nextAttemptAt: new Date(now.getTime() + 7_000),
    });
    expect(attemptOutcome({ kind: 'response', status: 500, retryAfter: '60' }, 2, now, half)).toMatchObject({
      nextAttemptAt: new Date(now.getTime() + 300_000),
    });
    expect(attemptOutcome({ kind: 'response', status: 410 }, 1, now, half)).toMatchObject({ status: 'dead', disableEndpoint: true });
    expect(attemptOutcome({ kind: 'response', status: 302 }, 1, now, half)).toMatchObject({
      error: 'HTTP 302: redirects are not followed',
    });
    expect(attemptOutcome({ kind: 'error', message: 'timed out after 10 ms' }, 8, now, half)).toMatchObject({
      status: 'dead',
      disableEndpoint: false,
    });
  });
});
