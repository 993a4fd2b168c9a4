/** Small helpers for the figures the bench stages report. */

/** Rounded to hundredths: milliseconds as the table and the JSON line show them. */
export const round = (n: number): number => Math.round(n * 100) / 100;

/** The value at quantile `q` of samples sorted ascending (NaN when there are none). */
export const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

/** p50 and p99 of the samples, unrounded. */
export const percentiles = (samples: readonly number[]): Percentiles => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
};

export const median = (samples: readonly number[]): number =>
  quantile(
    [...samples].sort((a, b) => a - b),
    0.5,
  );
