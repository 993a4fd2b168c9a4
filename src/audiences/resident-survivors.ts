import type { Db } from '../storage/index.js';

/*
 * Where each resident row's logged events are credited: the profile it was merged into, followed
 * as far as `survivorsOf` (activity-log.ts) follows it — up to 20 lookups in `profiles`, a profile
 * with no row there (erased) crediting nobody. Kept per row as one 32-bit word, read from
 * `profiles` when a row first needs it and again whenever the row's profile changes (the profile
 * change log carries every write to `profiles`).
 */

/** Not read yet. */
const UNKNOWN = -3;
/** No `profiles` row: credits nobody. */
const MISSING = -2;
/** Not merged: the row is its own survivor. */
const SELF = -1;
/** survivorsOf's limit. */
const MAX_LOOKUPS = 20;

/** The rows of the resident id space (resident-persons.ts), as the parts see them. */
export interface ResidentRows {
  readonly size: number;
  rowOf(id: string): number | undefined;
  /** The row of an id, added (as absent: not a person) when it has none. */
  ensure(id: string): number;
  id(row: number): string;
}

export class ResidentSurvivors {
  #into = new Int32Array(0);
  #personOf: Int32Array | null = null;

  /** Forgets every merge target (they are read again as rows need them). */
  clear(): void {
    this.#into = new Int32Array(0);
    this.#personOf = null;
  }

  /** Reads the merge targets of these rows' ids (and of the rows they lead to) from `profiles`. */
  async resolve(db: Db, rows: ResidentRows, wanted: Iterable<number>): Promise<void> {
    let frontier = [...new Set(wanted)];
    for (let round = 0; round < MAX_LOOKUPS && frontier.length > 0; round++) {
      this.#grow(rows.size);
      const ids = frontier.map((row) => rows.id(row));
      const into = new Map<string, string | null>();
      for (let i = 0; i < ids.length; i += 500) {
        const found = await db
          .selectFrom('profiles')
          .select(['id', 'merged_into'])
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
        for (const r of found) into.set(r.id, r.merged_into);
      }
      const next: number[] = [];
      for (const row of frontier) {
        const target = into.get(rows.id(row));
        if (target === undefined) this.#set(row, MISSING);
        else if (target === null) this.#set(row, SELF);
        else {
          const to = rows.ensure(target);
          this.#grow(rows.size);
          this.#set(row, to);
          if (this.#into[to] === UNKNOWN) next.push(to);
        }
      }
      frontier = [...new Set(next)];
    }
  }

  /** Whether a row's merge target has been read (and so must be read again when its profile changes). */
  known(row: number): boolean {
    return row < this.#into.length && this.#into[row] !== UNKNOWN;
  }

  /** Rows read as having no `profiles` row (erased). */
  missing(row: number): boolean {
    return row < this.#into.length && this.#into[row] === MISSING;
  }

  /** Whether the row's merges lead to a profile with no `profiles` row (erased: nobody is credited, ever again). */
  erased(row: number): boolean {
    let at = row;
    for (let lookup = 0; lookup < MAX_LOOKUPS && at < this.#into.length; lookup++) {
      const next = this.#into[at] as number;
      if (next === MISSING) return true;
      if (next < 0) return false;
      at = next;
    }
    return false;
  }

  /** Each row's survivor row (−1: nobody), computed when a merge target changed. */
  personOf(size: number): Int32Array {
    if (this.#personOf !== null && this.#personOf.length === size) return this.#personOf;
    this.#grow(size);
    const into = this.#into;
    const out = new Int32Array(size);
    for (let row = 0; row < size; row++) {
      let at = row;
      let survivor = -1;
      for (let lookup = 0; lookup < MAX_LOOKUPS; lookup++) {
        const next = into[at] as number;
        if (next === SELF) {
          survivor = at;
          break;
        }
        if (next < 0) break;
        at = next;
      }
      out[row] = survivor;
    }
    this.#personOf = out;
    return out;
  }

  bytes(): number {
    return this.#into.byteLength + (this.#personOf?.byteLength ?? 0);
  }

  #set(row: number, into: number): void {
    if (this.#into[row] !== into) this.#personOf = null;
    this.#into[row] = into;
  }

  #grow(size: number): void {
    if (size <= this.#into.length) return;
    const next = new Int32Array(Math.max(1024, this.#into.length * 2, size)).fill(UNKNOWN);
    next.set(this.#into);
    this.#into = next;
    this.#personOf = null;
  }
}
