import { describe, expect, it } from 'vitest';
import { median, percentiles, quantile, round } from './samples.js';

describe('bench samples', () => {
  it('takes quantiles by rank from sorted samples, and NaN from none', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(51);
    expect(quantile(sorted, 0.99)).toBe(100);
    expect(quantile(sorted, 1)).toBe(100);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('sorts before it reads percentiles and medians, and leaves the samples as they were', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(percentiles(samples)).toEqual({ p50: 3, p99: 5 });
    expect(median(samples)).toBe(3);
    expect(samples).toEqual([5, 1, 4, 2, 3]);
    expect(round(1.23456)).toBe(1.23);
  });
});
