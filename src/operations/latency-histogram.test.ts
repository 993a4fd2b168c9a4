import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summariseBatch } from './batch-latency.js';
import {
  addSample,
  bucketBounds,
  bucketOf,
  LAST_BUCKET,
  mergeBuckets,
  quantile,
  sampleCount,
  type LatencyBuckets,
} from './latency-histogram.js';

const exactQuantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1] as number;
};

describe('latency histogram', () => {
  it('puts a value in the bucket whose bounds hold it', () => {
    for (const ms of [1, 1.05, 2, 3, 10, 99.9, 100, 1234, 86_400_000]) {
      const { low, high } = bucketBounds(bucketOf(ms));
      expect(ms).toBeGreaterThanOrEqual(low);
      expect(ms).toBeLessThan(high);
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.4)).toBe(0);
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e12)).toBe(LAST_BUCKET);
  });

  it('answers no quantile without samples, and refuses a quantile outside (0, 1]', () => {
    expect(quantile(new Map(), 0.5)).toBeUndefined();
    expect(() => quantile(new Map([[1, 1]]), 0)).toThrow(RangeError);
    expect(() => quantile(new Map([[1, 1]]), 1.5)).toThrow(RangeError);
  });

  it('reads percentiles within 5% of the exact nearest-rank value, merged in any split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom(0.5, 0.95, 0.99, 1),
        (values, split, q) => {
          const left: LatencyBuckets = new Map();
          const right: LatencyBuckets = new Map();
          values.forEach((v, i) => addSample(i < split ? left : right, v));
          const merged = mergeBuckets(new Map(left), right);
          expect(sampleCount(merged)).toBe(values.length);
          const exact = exactQuantile(values, q);
          const read = quantile(merged, q) as number;
          expect(Math.abs(read - exact) / exact).toBeLessThan(0.05);
          // With the true maximum known, no percentile is read above it.
          expect(quantile(merged, q, Math.max(...values)) as number).toBeLessThanOrEqual(Math.max(...values));
        },
      ),
    );
  });
});

describe('a batch summary', () => {
  it('measures each event from its receipt to the commit, in whole ms, never below 0', () => {
    const committed = Date.parse('2026-11-22T10:00:01.000Z');
    const summary = summariseBatch(
      [
        { receivedAt: '2026-11-22T10:00:00.000Z' },
        { receivedAt: '2026-11-22T10:00:00.000Z' },
        { receivedAt: '2026-11-22T10:00:00.750Z' },
        { receivedAt: '2026-11-22T10:00:02.000Z' },
      ],
      committed,
    );
    expect(summary).toMatchObject({ events: 4, sumMs: 1000 + 1000 + 250 + 0, maxMs: 1000 });
    expect(sampleCount(summary.buckets)).toBe(4);
    expect(summary.buckets.get(bucketOf(1000))).toBe(2);
    expect(summary.buckets.get(0)).toBe(1);
  });

  it('summarises an empty batch as nothing', () => {
    expect(summariseBatch([], 0)).toMatchObject({ events: 0, sumMs: 0, maxMs: 0 });
  });
});
