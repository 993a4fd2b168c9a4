/*
 * Growable columns of numbers for the packed identity index, in fixed pages of typed arrays.
 * Pages rather than one array grown by copying: growth never copies (no pause when a column of a
 * million entries grows) and the unused tail is at most one page, so what is measured per
 * identifier is what is held. One class per element type keeps every call site monomorphic.
 */

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;

export class PagedU32 {
  readonly #pages: Uint32Array[] = [];

  get(i: number): number {
    return (this.#pages[i >>> PAGE_BITS] as Uint32Array)[i & MASK] as number;
  }

  set(i: number, v: number): void {
    const page = i >>> PAGE_BITS;
    while (this.#pages.length <= page) this.#pages.push(new Uint32Array(PAGE));
    (this.#pages[page] as Uint32Array)[i & MASK] = v;
  }
}

export class PagedU16 {
  readonly #pages: Uint16Array[] = [];

  get(i: number): number {
    return (this.#pages[i >>> PAGE_BITS] as Uint16Array)[i & MASK] as number;
  }

  set(i: number, v: number): void {
    const page = i >>> PAGE_BITS;
    while (this.#pages.length <= page) this.#pages.push(new Uint16Array(PAGE));
    (this.#pages[page] as Uint16Array)[i & MASK] = v;
  }
}

export class PagedF64 {
  readonly #pages: Float64Array[] = [];

  get(i: number): number {
    return (this.#pages[i >>> PAGE_BITS] as Float64Array)[i & MASK] as number;
  }

  set(i: number, v: number): void {
    const page = i >>> PAGE_BITS;
    while (this.#pages.length <= page) this.#pages.push(new Float64Array(PAGE));
    (this.#pages[page] as Float64Array)[i & MASK] = v;
  }
}

/** Murmur3's finaliser: spreads every input bit over the 32-bit hash. */
export const mix32 = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};
