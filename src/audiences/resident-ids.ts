/*
 * The resident rows' profile ids, compactly. The identity stage's ids are `p_` and 24 hex digits
 * (identity-stage.ts); such an id is kept as three 32-bit words (12 bytes) and its string made
 * again only when asked for (a preview's sample). Any other id is kept as a string. Rows built
 * in id order (the first `sorted`) are found by binary search over the words; rows added later,
 * and every row when an id of another form is among the sorted ones, through a map.
 */

const PACKED = /^p_[0-9a-f]{24}$/;
const NOT_PACKED = 0xffffffff;

const hex8 = (word: number): string => word.toString(16).padStart(8, '0');

export class ResidentIds {
  #words = new Uint32Array(0);
  #size = 0;
  #sorted = 0;
  /** Rows whose id is not of the packed form. */
  readonly #others = new Map<number, string>();
  /** Rows found by map: those after `sorted`, or all when the sorted ones cannot be searched. */
  readonly #rowOf = new Map<string, number>();
  #searchable = true;

  get size(): number {
    return this.#size;
  }

  /** Rows [0, sorted) are in ascending id order. */
  get sorted(): number {
    return this.#sorted;
  }

  /** Appends an id; answers its row. */
  push(id: string): number {
    const row = this.#size++;
    if (this.#words.length < this.#size * 3) {
      const next = new Uint32Array(Math.max(3072, this.#words.length * 2));
      next.set(this.#words);
      this.#words = next;
    }
    if (PACKED.test(id)) {
      this.#words[row * 3] = Number.parseInt(id.slice(2, 10), 16);
      this.#words[row * 3 + 1] = Number.parseInt(id.slice(10, 18), 16);
      this.#words[row * 3 + 2] = Number.parseInt(id.slice(18, 26), 16);
    } else {
      this.#words[row * 3] = NOT_PACKED;
      this.#others.set(row, id);
    }
    this.#rowOf.set(id, row);
    return row;
  }

  /**
   * Marks the rows so far as sorted, when their ids ascend (the build reads in id order; a
   * database whose collation orders ids otherwise leaves them to the map). Sorted rows of the
   * packed form leave the map.
   */
  seal(): void {
    for (let row = 1; row < this.#size; row++) if (!(this.id(row - 1) < this.id(row))) return;
    this.#sorted = this.#size;
    this.#searchable = this.#others.size === 0;
    if (this.#searchable) this.#rowOf.clear();
  }

  id(row: number): string {
    const w = this.#words[row * 3] as number;
    if (w === NOT_PACKED) return this.#others.get(row) as string;
    return `p_${hex8(w)}${hex8(this.#words[row * 3 + 1] as number)}${hex8(this.#words[row * 3 + 2] as number)}`;
  }

  rowOf(id: string): number | undefined {
    const mapped = this.#rowOf.get(id);
    if (mapped !== undefined || !this.#searchable || this.#sorted === 0 || !PACKED.test(id)) return mapped;
    const a = Number.parseInt(id.slice(2, 10), 16);
    const b = Number.parseInt(id.slice(10, 18), 16);
    const c = Number.parseInt(id.slice(18, 26), 16);
    let lo = 0;
    let hi = this.#sorted - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const w = this.#words;
      const order = (w[mid * 3] as number) - a || (w[mid * 3 + 1] as number) - b || (w[mid * 3 + 2] as number) - c;
      if (order === 0) return mid;
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Bytes held: the words at capacity, and the strings and map entries of the others (estimated). */
  bytes(): number {
    let strings = 0;
    for (const id of this.#others.values()) strings += 2 * id.length + 64;
    return this.#words.byteLength + strings + this.#rowOf.size * 48;
  }
}
