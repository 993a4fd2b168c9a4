import { describe, expect, it } from 'vitest';
import { HOLDOUT_BUCKETS, holdoutBucket, isHeldOut } from './holdout.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `01HZX${String(i).padStart(8, '0')}`);

describe('holdouts', () => {
  it('are the same on every run (pinned values)', () => {
    // Changing the hash would move people in and out of every running holdout: these must never change.
    expect(PINNED.map(([p, a]) => holdoutBucket(p, a))).toEqual(PINNED.map(([, , bucket]) => bucket));
  });

  it('hold out the share asked for, uniformly over buckets (chi-square)', () => {
    const profiles = ids(100_000);
    const held = profiles.filter((p) => isHeldOut(p, 'aud-spring', 10)).length;
    // 10 % of 100,000 with a binomial standard deviation of ~95: within 4 sigma.
    expect(Math.abs(held - 10_000)).toBeLessThan(400);
    const counts = new Array<number>(100).fill(0);
    for (const p of profiles) counts[Math.floor((holdoutBucket(p, 'aud-spring') * 100) / HOLDOUT_BUCKETS)]! += 1;
    const expected = profiles.length / 100;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: the 99.9th percentile is about 148.
    expect(chi2).toBeLessThan(148);
  });

  it('are independent between audiences', () => {
    const profiles = ids(50_000);
    const both = profiles.filter((p) => isHeldOut(p, 'aud-a', 20) && isHeldOut(p, 'aud-b', 20)).length;
    // 4 % expected (2,000, sd ~44).
    expect(Math.abs(both - 2_000)).toBeLessThan(200);
  });

  it('grow by adding people, never swapping them, as the share grows', () => {
    const profiles = ids(5_000);
    const at5 = new Set(profiles.filter((p) => isHeldOut(p, 'aud-c', 5)));
    const at10 = new Set(profiles.filter((p) => isHeldOut(p, 'aud-c', 10)));
    expect([...at5].every((p) => at10.has(p))).toBe(true);
  });

  it('take 0 and 100 percent literally and refuse other shares', () => {
    expect(ids(1000).some((p) => isHeldOut(p, 'x', 0))).toBe(false);
    expect(ids(1000).every((p) => isHeldOut(p, 'x', 100))).toBe(true);
    expect(() => isHeldOut('p', 'x', 101)).toThrow(RangeError);
    expect(() => isHeldOut('p', 'x', Number.NaN)).toThrow(RangeError);
  });
});

const PINNED: readonly (readonly [string, string, number])[] = [
  ['01HZX00000001', 'aud-spring', 4616],
  ['01HZX00000002', 'aud-spring', 1147],
  ['01HZX00000001', 'aud-summer', 583],
  ['prof-7731', 'aud-vip', 7341],
];
