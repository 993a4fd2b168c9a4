/**
 * A latency histogram that can be stored per minute and merged: counts in logarithmic buckets of
 * milliseconds, eight to a doubling, so a percentile read from merged buckets is within about 4.5%
 * of the exact one whatever the range (the idea of HDR histograms, at a fixed resolution). Pure.
 *
 * Bucket 0 holds values under 1 ms; bucket i ≥ 1 holds [2^((i-1)/8), 2^(i/8)) ms. Values past
 * the last bucket (2^27 ms, about 37 hours) are counted in it.
 */
export const BUCKETS_PER_DOUBLING = 8;
export const LAST_BUCKET = 27 * BUCKETS_PER_DOUBLING;

/** Sparse counts by bucket index. */
export type LatencyBuckets = Map<number, number>;

export const bucketOf = (ms: number): number => {
  if (!(ms >= 1)) return 0;
  return Math.min(LAST_BUCKET, Math.floor(Math.log2(ms) * BUCKETS_PER_DOUBLING) + 1);
};

/** The lower and upper bounds of a bucket, in milliseconds. */
export const bucketBounds = (bucket: number): { low: number; high: number } =>
  bucket <= 0 ? { low: 0, high: 1 } : { low: 2 ** ((bucket - 1) / BUCKETS_PER_DOUBLING), high: 2 ** (bucket / BUCKETS_PER_DOUBLING) };

/** The value a bucket stands for: the geometric middle of its bounds (0.5 ms for the first). */
export const bucketValue = (bucket: number): number => {
  if (bucket <= 0) return 0.5;
  const { low, high } = bucketBounds(bucket);
  return Math.sqrt(low * high);
};

export const addSample = (buckets: LatencyBuckets, ms: number, count = 1): void => {
  const bucket = bucketOf(ms);
  buckets.set(bucket, (buckets.get(bucket) ?? 0) + count);
};

export const mergeBuckets = (into: LatencyBuckets, from: Iterable<readonly [number, number]>): LatencyBuckets => {
  for (const [bucket, count] of from) into.set(bucket, (into.get(bucket) ?? 0) + count);
  return into;
};

export const sampleCount = (buckets: LatencyBuckets): number => {
  let total = 0;
  for (const count of buckets.values()) total += count;
  return total;
};

/**
 * The q-quantile (0 < q ≤ 1) by the nearest-rank rule — the smallest value with at least q of
 * the samples at or below it — read as its bucket's value and never above `maxMs` when the true
 * maximum is known. Undefined when there are no samples.
 */
export const quantile = (buckets: LatencyBuckets, q: number, maxMs?: number): number | undefined => {
  if (!(q > 0 && q <= 1)) throw new RangeError(`a quantile lies in (0, 1]; got ${q}`);
  const total = sampleCount(buckets);
  if (total === 0) return undefined;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const bucket of [...buckets.keys()].sort((a, b) => a - b)) {
    seen += buckets.get(bucket) ?? 0;
    if (seen >= rank) {
      const value = bucketValue(bucket);
      return maxMs === undefined ? value : Math.min(value, maxMs);
    }
  }
  return undefined;
};
