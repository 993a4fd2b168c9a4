import { residentColumn, type ResidentColumn } from './columns-resident.js';
import type { Column } from './columns.js';
import { predicateOf } from './compare.js';
import type { PropertyFilterCondition } from './conditions.js';
import type { FieldType, FieldValue } from './field-types.js';

/*
 * One event type's events held in memory, as typed arrays with one slot per event (no object per
 * event): its time (8 bytes), the row it belongs to (4: a person's row, or for events read from
 * the log the row of the profile it was resolved to), and either the previous event of the same
 * row (4: so a row's events can be replaced when its stored activity changes) or its log
 * sequence number (4, as an offset from the table's first: retention deletes the log's front).
 * A property filter reads a column per property path and type, holding the value as the filter
 * would read it (`readProperty`: coerced to the type), in the person columns' encodings
 * (columns-resident.ts: 8 bytes for numbers and dates, a 4-byte dictionary code for strings and
 * enums, 1 byte for booleans).
 *
 * Events are appended; a removed event is marked (its row set to −1) and the arrays are compacted
 * when half of them are dead. Appends keep the order they came in, which for log events is
 * sequence order (the retention cut is a prefix).
 */

/** A property column's key: the filter's value type and its dot path (`number:amount.value`). */
export const propertyKey = (type: FieldType, path: string): string => `${type}:${path}`;

const splitKey = (key: string): { type: FieldType; path: string } => {
  const colon = key.indexOf(':');
  return { type: key.slice(0, colon) as FieldType, path: key.slice(colon + 1) };
};

const NONE = -1;

export interface EventTableOptions {
  /** Events before this instant (epoch ms) are not held. */
  readonly from: number;
  /** Property columns held (`propertyKey`). */
  readonly keys: ReadonlySet<string>;
  /** `chained`: a row's events can be removed together; `sequenced`: events carry their log sequence. */
  readonly kind: 'chained' | 'sequenced';
  /** Tables smaller than this are not compacted (default 1024; tests make it small). */
  readonly compactFrom?: number;
}

export class EventTable {
  #from: number;
  readonly #keys: Set<string>;
  readonly kind: 'chained' | 'sequenced';
  #size = 0;
  #dead = 0;
  #at = new Float64Array(0);
  #row = new Int32Array(0);
  /** chained: the previous event of the same row; sequenced: seq − `#seqBase`. */
  #link = new Int32Array(0);
  #seqBase = -1;
  /** chained: each row's newest event. */
  #newest = new Int32Array(0);
  readonly #columns = new Map<string, ResidentColumn>();
  readonly #compactFrom: number;

  constructor(options: EventTableOptions) {
    this.#compactFrom = options.compactFrom ?? 1024;
    this.#from = options.from;
    this.#keys = new Set(options.keys);
    this.kind = options.kind;
    for (const key of this.#keys) this.#columns.set(key, residentColumn(splitKey(key).type));
  }

  /** Property columns held. */
  get keys(): ReadonlySet<string> {
    return this.#keys;
  }

  /** Events before this instant (epoch ms) are not held. */
  get from(): number {
    return this.#from;
  }

  get size(): number {
    return this.#size - this.#dead;
  }

  /** Whether an event of this time is held (older ones are not: no window the table serves reaches them). */
  holds(at: number): boolean {
    return at >= this.#from;
  }

  /** Stops holding the events before `from` (no window asked for reaches them any more). */
  raiseFrom(from: number): void {
    if (from <= this.#from) return;
    this.#from = from;
    for (let e = 0; e < this.#size; e++) {
      if (this.#row[e] !== NONE && (this.#at[e] as number) < from) {
        this.#row[e] = NONE;
        this.#dead++;
      }
    }
    this.#compactIfSparse();
  }

  /**
   * Appends an event of `row` (a sequenced table's events in increasing `seq`); `value` gives each
   * property column's value. Answers false when the sequence no longer fits the table (rebuild it).
   */
  append(row: number, at: number, value: (key: string) => FieldValue, seq = 0): boolean {
    const e = this.#size;
    if (this.kind === 'sequenced') {
      if (this.#seqBase < 0) this.#seqBase = seq;
      if (seq - this.#seqBase > 0x7fffffff) return false;
    }
    if (e === this.#at.length) this.#grow(Math.max(1024, e * 2));
    this.#at[e] = at;
    this.#row[e] = row;
    if (this.kind === 'sequenced') this.#link[e] = seq - this.#seqBase;
    else {
      if (row >= this.#newest.length) {
        const next = new Int32Array(Math.max(1024, this.#newest.length * 2, row + 1)).fill(NONE);
        next.set(this.#newest);
        this.#newest = next;
      }
      this.#link[e] = this.#newest[row] as number;
      this.#newest[row] = e;
    }
    for (const [key, column] of this.#columns) column.set(e, value(key));
    this.#size++;
    return true;
  }

  /** The log sequence of every event held (sequenced tables), in order. */
  sequences(): number[] {
    const out: number[] = [];
    for (let e = 0; e < this.#size; e++) if (this.#row[e] !== NONE) out.push((this.#link[e] as number) + this.#seqBase);
    return out;
  }

  /**
   * Adds property columns to a sequenced table, each event's values given by its sequence
   * (`valuesOf`; an event it does not know gets nulls).
   */
  addKeys(keys: Iterable<string>, valuesOf: ReadonlyMap<number, (key: string) => FieldValue>): void {
    const added = [...keys].filter((key) => !this.#keys.has(key));
    for (const key of added) {
      const column = residentColumn(splitKey(key).type);
      for (let e = 0; e < this.#size; e++) {
        const value = this.#row[e] === NONE ? undefined : valuesOf.get((this.#link[e] as number) + this.#seqBase);
        column.set(e, value === undefined ? null : value(key));
      }
      this.#keys.add(key);
      this.#columns.set(key, column);
    }
  }

  /** Lets go of the room kept for appends (after a build: the table may stay as it is for long). */
  fit(): void {
    if (this.#at.length > this.#size + 1024) this.#grow(this.#size + 1024);
  }

  /** Removes every event of a row (chained tables). */
  removeRow(row: number): void {
    if (this.kind !== 'chained' || row >= this.#newest.length) return;
    for (let e = this.#newest[row] as number; e !== NONE; e = this.#link[e] as number) {
      if (this.#row[e] !== NONE) {
        this.#row[e] = NONE;
        this.#dead++;
      }
    }
    this.#newest[row] = NONE;
    this.#compactIfSparse();
  }

  /** Removes the events whose row `drop` names (a sweep: for the rare removals of a sequenced table). */
  removeRows(drop: (row: number) => boolean): void {
    for (let e = 0; e < this.#size; e++) {
      const row = this.#row[e] as number;
      if (row !== NONE && drop(row)) {
        this.#row[e] = NONE;
        this.#dead++;
      }
    }
    this.#compactIfSparse();
  }

  /** Removes the events logged before `seq` (sequenced tables: the log's front was deleted). */
  removeBefore(seq: number): void {
    if (this.kind !== 'sequenced' || this.#seqBase < 0) return;
    const cut = seq - this.#seqBase;
    for (let e = 0; e < this.#size && (this.#link[e] as number) < cut; e++) {
      if (this.#row[e] !== NONE) {
        this.#row[e] = NONE;
        this.#dead++;
      }
    }
    this.#compactIfSparse();
  }

  /** The events matching every filter, one byte per event (null: no filters, all match). */
  matches(filters: readonly PropertyFilterCondition[]): Uint8Array | null {
    if (filters.length === 0) return null;
    const n = this.#size;
    const out = new Uint8Array(n).fill(1);
    for (const filter of filters) {
      const key = propertyKey(filter.comparison.type, filter.property);
      const held = this.#columns.get(key);
      if (!held) throw new Error(`property column ${key} is not held`);
      const predicate = predicateOf(filter.comparison);
      const column: Column = held.view(Math.max(1, n));
      if (column.kind === 'number') {
        const values = column.values;
        for (let e = 0; e < n; e++)
          if (out[e] === 1) {
            const v = values[e] as number;
            out[e] = predicate(Number.isNaN(v) ? null : v, 0) ? 1 : 0;
          }
        continue;
      }
      // Strings and booleans: the predicate once per distinct value.
      const entries: readonly FieldValue[] = column.kind === 'dictionary' ? column.dictionary : [false, true];
      const table = new Uint8Array(entries.length + 1);
      table[0] = predicate(null, 0) ? 1 : 0;
      entries.forEach((value, code) => (table[code + 1] = predicate(value, 0) ? 1 : 0));
      const codes = column.kind === 'dictionary' ? column.codes : column.values;
      for (let e = 0; e < n; e++) out[e] = (out[e] as number) & (table[(codes[e] as number) + 1] as number);
    }
    return out;
  }

  /**
   * Adds to `counts[person]` the events in [lo, hi] that `match` keeps, where a row's person is
   * `personOf[row]` (itself when null; −1: nobody). With `seen`, also marks every person with an
   * event at or after `seen.from` (whatever its window and filters).
   */
  countInto(
    counts: Int32Array,
    personOf: Int32Array | null,
    lo: number,
    hi: number,
    match: Uint8Array | null,
    seen?: { readonly from: number; readonly persons: Uint8Array },
  ): void {
    const at = this.#at;
    const rows = this.#row;
    const size = this.#size;
    // The window test adds 0 or 1 with no branch: events come in log order, their times in no
    // order a branch predictor could follow (measured: half the time of a branch per event).
    for (let e = 0; e < size; e++) {
      const row = rows[e] as number;
      if (row === NONE) continue;
      const person = personOf === null ? row : (personOf[row] as number);
      if (person < 0) continue;
      const t = at[e] as number;
      const hit = +(t >= lo) & +(t <= hi) & (match === null ? 1 : (match[e] as number));
      counts[person] = (counts[person] as number) + hit;
      if (seen !== undefined) seen.persons[person] = (seen.persons[person] as number) | +(t >= seen.from);
    }
  }

  /** Bytes held (typed arrays at capacity; dictionaries estimated). */
  bytes(): number {
    let bytes = this.#at.byteLength + this.#row.byteLength + this.#link.byteLength + this.#newest.byteLength;
    for (const column of this.#columns.values()) bytes += column.bytes();
    return bytes;
  }

  #grow(capacity: number): void {
    const at = new Float64Array(capacity);
    at.set(this.#at.subarray(0, this.#size));
    const row = new Int32Array(capacity);
    row.set(this.#row.subarray(0, this.#size));
    const link = new Int32Array(capacity);
    link.set(this.#link.subarray(0, this.#size));
    this.#at = at;
    this.#row = row;
    this.#link = link;
  }

  /** Drops dead events when they are half of the table, keeping the order of the others. */
  #compactIfSparse(): void {
    if (this.#dead * 2 < this.#size || this.#size < this.#compactFrom) return;
    const old = {
      at: this.#at,
      row: this.#row,
      link: this.#link,
      columns: new Map([...this.#columns].map(([k, c]) => [k, c.view(this.#size)])),
    };
    const size = this.#size;
    const live = size - this.#dead;
    this.#at = new Float64Array(Math.max(1024, live));
    this.#row = new Int32Array(this.#at.length);
    this.#link = new Int32Array(this.#at.length);
    const fresh = new Map([...this.#columns.keys()].map((key) => [key, residentColumn(splitKey(key).type)]));
    if (this.kind === 'chained') this.#newest.fill(NONE);
    let to = 0;
    for (let e = 0; e < size; e++) {
      const row = old.row[e] as number;
      if (row === NONE) continue;
      this.#at[to] = old.at[e] as number;
      this.#row[to] = row;
      if (this.kind === 'sequenced') this.#link[to] = old.link[e] as number;
      else {
        this.#link[to] = this.#newest[row] as number;
        this.#newest[row] = to;
      }
      for (const [key, column] of fresh) column.set(to, valueAt(old.columns.get(key) as Column, e));
      to++;
    }
    this.#columns.clear();
    for (const [key, column] of fresh) this.#columns.set(key, column);
    this.#size = to;
    this.#dead = 0;
  }
}

/** The value a column holds at one slot, decoded as it was set. */
const valueAt = (column: Column, at: number): FieldValue => {
  switch (column.kind) {
    case 'number': {
      const v = column.values[at] as number;
      return Number.isNaN(v) ? null : v;
    }
    case 'dictionary': {
      const code = column.codes[at] as number;
      return code < 0 ? null : (column.dictionary[code] as string);
    }
    case 'boolean': {
      const v = column.values[at] as number;
      return v < 0 ? null : v === 1;
    }
  }
};
