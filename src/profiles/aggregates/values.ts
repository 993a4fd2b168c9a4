import type { Aggregation } from './definitions.js';

/*
 * How one event's value enters an aggregation. Shared by the incremental state and the reference
 * recomputation, so both count exactly the same things.
 *
 * Numbers are kept as fixed-point integers (value × 10^decimals, rounded once per event): integer
 * sums are exact and associative, so a sum does not depend on the order events arrive in, which
 * floating-point addition would (0.1 + 0.2 + 0.3 ≠ 0.3 + 0.2 + 0.1). Sums stay exact while their
 * magnitude stays below 2^53 fixed-point units (9 × 10^13 roubles at 2 decimals; 9 PB at 0).
 */

export type Scalar = number | string | boolean;

/**
 * What an event contributes once its value is evaluated: a fixed-point integer (sum, average, min,
 * max), the value itself with numbers fixed-point (last), a distinct key (distinct_count), or null
 * (count, which needs no value). `undefined` means the event does not count: its value is null,
 * missing or of the wrong kind.
 */
export type Contribution = Scalar | null;

/** `+ 0` turns −0 (a small negative rounded away) into 0, so equal states serialise and compare equal. */
export const toFixedPoint = (value: number, scale: number): number => Math.round(value * scale) + 0;

export const fromFixedPoint = (units: number, scale: number): number => units / scale;

/**
 * The key under which a value is counted distinct: strings as they are (readable in the stored
 * state, e.g. dates), numbers and booleans behind a `#`, and strings that start with `#` escaped by
 * a second `#` — so `1`, `"1"` and `"#1"` are three values.
 */
export const distinctKey = (value: unknown, scale: number): string | undefined => {
  if (typeof value === 'string') return value.startsWith('#') ? `#${value}` : value;
  if (typeof value === 'number') return Number.isFinite(value) ? `#${toFixedPoint(value, scale) / scale}` : undefined;
  if (typeof value === 'boolean') return `#${value}`;
  return undefined;
};

export const contributionOf = (aggregation: Aggregation, scale: number, value: unknown): Contribution | undefined => {
  switch (aggregation) {
    case 'count':
      return null;
    case 'sum':
    case 'average':
    case 'min':
    case 'max':
      return typeof value === 'number' && Number.isFinite(value) ? toFixedPoint(value, scale) : undefined;
    case 'last':
      if (typeof value === 'number') return Number.isFinite(value) ? toFixedPoint(value, scale) : undefined;
      return typeof value === 'string' || typeof value === 'boolean' ? value : undefined;
    case 'distinct_count':
      return distinctKey(value, scale);
  }
};

/** Which of two events is later: by time, then by reference (`source/eventId`) for equal times. */
export const isLater = (t: number, ref: string, thanT: number, thanRef: string): boolean => t > thanT || (t === thanT && ref > thanRef);

/** A `last` value as read: numbers back from fixed point. */
export const lastValueOf = (stored: Scalar, scale: number): Scalar => (typeof stored === 'number' ? fromFixedPoint(stored, scale) : stored);

/** The mean of a fixed-point sum over `count` values, or null when there were none. */
export const averageOf = (units: number, count: number, scale: number): number | null =>
  count === 0 ? null : fromFixedPoint(units, scale) / count;

/** The most distinct values a daily bucket keeps; past it a distinct count is a lower bound. */
export const DISTINCT_CAP_PER_DAY = 1_000;

/** Code-unit order of distinct keys: the same everywhere (no locale), so capped sets are deterministic. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
