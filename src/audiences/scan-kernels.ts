/*
 * The bulk evaluator's inner loops over a selection mask (one byte per row). A kernel sets the
 * mask (SET) or combines into it (AND, OR). The cheap kernels are branch-free (`out[i] &= hit`):
 * on this hardware a data-dependent branch per row costs several times the comparison (measured:
 * 13 ms against 3 ms per million rows), so they visit every row rather than skip unselected ones.
 * Kernels doing real work per row (event counts, members) skip rows the mode cannot change.
 * Each loop is monomorphic over one typed array.
 */

export const SET = 0;
export const AND = 1;
export const OR = 2;
export type Mode = typeof SET | typeof AND | typeof OR;

const bits = new DataView(new ArrayBuffer(8));

/** The smallest double above x (x itself for NaN and +∞): `v > x` ⇔ `v >= nextUp(x)` for every double v. */
export const nextUp = (x: number): number => {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  bits.setFloat64(0, x);
  const raw = bits.getBigUint64(0);
  bits.setBigUint64(0, x > 0 ? raw + 1n : raw - 1n);
  return bits.getFloat64(0);
};

/** The largest double below x: `v < x` ⇔ `v <= nextDown(x)`. */
export const nextDown = (x: number): number => -nextUp(-x);

/** Rows whose number lies in [lo, hi] (NaN, i.e. null, never does). */
export const numberInside = (values: Float64Array, lo: number, hi: number, out: Uint8Array, mode: Mode): void => {
  const n = values.length;
  if (mode === SET) for (let i = 0; i < n; i++) out[i] = +((values[i] as number) >= lo) & +((values[i] as number) <= hi);
  else if (mode === AND)
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) & +((values[i] as number) >= lo) & +((values[i] as number) <= hi);
  else for (let i = 0; i < n; i++) out[i] = (out[i] as number) | (+((values[i] as number) >= lo) & +((values[i] as number) <= hi));
};

/** Rows whose number lies outside [lo, hi] (NaN, i.e. null, never does). */
export const numberOutside = (values: Float64Array, lo: number, hi: number, out: Uint8Array, mode: Mode): void => {
  const n = values.length;
  if (mode === SET) for (let i = 0; i < n; i++) out[i] = +((values[i] as number) < lo) | +((values[i] as number) > hi);
  else if (mode === AND)
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) & (+((values[i] as number) < lo) | +((values[i] as number) > hi));
  else for (let i = 0; i < n; i++) out[i] = (out[i] as number) | +((values[i] as number) < lo) | +((values[i] as number) > hi);
};

/** Rows whose dictionary code (−1 for null) maps to 1 in `table` (indexed by code + 1). */
export const dictionaryTable = (codes: Int32Array, table: Uint8Array, out: Uint8Array, mode: Mode): void => {
  const n = codes.length;
  if (mode === SET) for (let i = 0; i < n; i++) out[i] = table[(codes[i] as number) + 1] as number;
  else if (mode === AND) for (let i = 0; i < n; i++) out[i] = (out[i] as number) & (table[(codes[i] as number) + 1] as number);
  else for (let i = 0; i < n; i++) out[i] = (out[i] as number) | (table[(codes[i] as number) + 1] as number);
};

/** Rows whose boolean (−1 null, 0, 1) maps to 1 in `table` (indexed by value + 1). */
export const booleanTable = (values: Int8Array, table: Uint8Array, out: Uint8Array, mode: Mode): void => {
  const n = values.length;
  if (mode === SET) for (let i = 0; i < n; i++) out[i] = table[(values[i] as number) + 1] as number;
  else if (mode === AND) for (let i = 0; i < n; i++) out[i] = (out[i] as number) & (table[(values[i] as number) + 1] as number);
  else for (let i = 0; i < n; i++) out[i] = (out[i] as number) | (table[(values[i] as number) + 1] as number);
};

/** Rows where a flag column (0 or 1) equals `wanted`; an absent column is all 0. */
export const flagEquals = (flags: Uint8Array | undefined, wanted: 0 | 1, out: Uint8Array, mode: Mode): void => {
  if (flags === undefined) return fill(wanted === 0, out, mode);
  const flip = wanted ^ 1;
  const n = out.length;
  if (mode === SET) for (let i = 0; i < n; i++) out[i] = (flags[i] as number) ^ flip;
  else if (mode === AND) for (let i = 0; i < n; i++) out[i] = (out[i] as number) & ((flags[i] as number) ^ flip);
  else for (let i = 0; i < n; i++) out[i] = (out[i] as number) | ((flags[i] as number) ^ flip);
};

/** Rows decided by a per-row test, visiting only rows the mode can change (the path for costly tests). */
export const rowTest = (n: number, test: (row: number) => boolean, out: Uint8Array, mode: Mode): void => {
  for (let i = 0; i < n; i++) {
    if (mode === AND ? out[i] === 0 : mode === OR && out[i] === 1) continue;
    out[i] = test(i) ? 1 : 0;
  }
};

/**
 * Rows whose count of events with a time in [lo, hi] (and, with `matches`, a 1 there) satisfies
 * `count op n`. Rows' events are start[row] … start[row + 1] − 1.
 */
export const eventCounts = (
  start: Int32Array,
  at: Float64Array,
  matches: Uint8Array | null,
  lo: number,
  hi: number,
  op: 'atLeast' | 'atMost' | 'exactly',
  n: number,
  out: Uint8Array,
  mode: Mode,
): void => {
  const rows = start.length - 1;
  for (let row = 0; row < rows; row++) {
    if (mode === AND ? out[row] === 0 : mode === OR && out[row] === 1) continue;
    let count = 0;
    const end = start[row + 1] as number;
    if (matches === null) for (let j = start[row] as number; j < end; j++) count += +((at[j] as number) >= lo) & +((at[j] as number) <= hi);
    else
      for (let j = start[row] as number; j < end; j++)
        count += +((at[j] as number) >= lo) & +((at[j] as number) <= hi) & (matches[j] as number);
    out[row] = +(op === 'atLeast' ? count >= n : op === 'atMost' ? count <= n : count === n);
  }
};

/** Rows whose count (counted elsewhere: resident events) satisfies `count op n`. */
export const countsMatch = (counts: Int32Array, op: 'atLeast' | 'atMost' | 'exactly', n: number, out: Uint8Array, mode: Mode): void => {
  const rows = out.length;
  for (let row = 0; row < rows; row++) {
    if (mode === AND ? out[row] === 0 : mode === OR && out[row] === 1) continue;
    const count = counts[row] as number;
    out[row] = +(op === 'atLeast' ? count >= n : op === 'atMost' ? count <= n : count === n);
  }
};

export const fill = (value: boolean, out: Uint8Array, mode: Mode): void => {
  if (mode === SET) out.fill(value ? 1 : 0);
  else if (mode === AND && !value) out.fill(0);
  else if (mode === OR && value) out.fill(1);
};

/** Combines a computed mask into `out`. */
export const combine = (mask: Uint8Array, out: Uint8Array, mode: Mode): void => {
  const n = out.length;
  if (mode === SET) out.set(mask);
  else if (mode === AND) for (let i = 0; i < n; i++) out[i] = (out[i] as number) & (mask[i] as number);
  else for (let i = 0; i < n; i++) out[i] = (out[i] as number) | (mask[i] as number);
};

export const invert = (mask: Uint8Array): void => {
  for (let i = 0; i < mask.length; i++) mask[i] = (mask[i] as number) ^ 1;
};

/** Ones in a 0/1 mask, four bytes at a time (a word's bytes summed by one multiplication). */
export const countOnes = (mask: Uint8Array): number => {
  const words = mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, mask.length >>> 2) : new Uint32Array(0);
  let count = 0;
  for (let i = 0; i < words.length; i++) count += Math.imul(words[i] as number, 0x01010101) >>> 24;
  for (let i = words.length * 4; i < mask.length; i++) count += mask[i] as number;
  return count;
};
