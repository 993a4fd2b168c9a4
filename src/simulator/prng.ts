/**
 * A small, fast, seeded pseudo-random generator for the simulator. Every entity draws from its own
 * stream, derived from (seed, entity, salt) by hashing, so an entity's life does not depend on how
 * many others were generated before it: that is what makes generation streamable and parallel-safe,
 * and lets a 1M-line population be derived on demand from an index.
 *
 * mulberry32 is enough for simulation (not for cryptography); mix32 is the murmur3 finaliser.
 */

/** murmur3 fmix32: a bijective 32-bit mixer. */
export const mix32 = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** A 32-bit hash of a sequence of integers (each taken modulo 2^32, plus its high part). */
export const hashInts = (...parts: readonly number[]): number => {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 4_294_967_296) >>> 0;
    h = mix32((h ^ lo) + 0x7f4a7c15);
    if (hi !== 0) h = mix32((h ^ hi) + 0x165667b1);
  }
  return h;
};

/** FNV-1a of a string, for turning a `--seed` text or a salt name into a number. */
export const hashString = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by weight; `weights` need not sum to 1. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  /** Standard normal (Box–Muller, one of the pair). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and shape. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Poisson count; inversion for small means, a rounded normal for large ones. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

/** A generator for one entity: `streamOf(seed, LINE, index)`. */
export const streamOf = (...parts: readonly number[]): Prng => new Prng(hashInts(...parts));

/**
 * A bijection of [0, size) used to give entities unique but scattered numbers (MSISDNs, IMSIs,
 * passports) without a lookup table: x -> (a·x + b) mod size with gcd(a, size) = 1.
 */
export const scatter = (index: number, size: number, seed: number): number => {
  const a = coprimeMultiplier(size, seed);
  const b = hashInts(seed, 0xb, size) % size;
  return ((a * index) % size + b) % size;
};

const gcd = (x: number, y: number): number => {
  while (y !== 0) [x, y] = [y, x % y];
  return x;
};

/**
 * A multiplier coprime with `size`, below 2^20 so that a·x stays exact in a double for every
 * index below 2^33 (no BigInt, no slow modular multiplication on the hot path).
 */
const coprimeMultiplier = (size: number, seed: number): number => {
  let a = (hashInts(seed, 0xa, size) % Math.min(size - 1, 1_048_575)) + 1;
  while (gcd(a, size) !== 1) a = (a % Math.min(size - 1, 1_048_575)) + 1;
  return a;
};
