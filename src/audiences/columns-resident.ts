import type { Column } from './columns.js';
import type { FieldType, FieldValue } from './field-types.js';

/*
 * Columns that live on: one value per row, set row by row as profiles change, with room to grow.
 * The same encodings as the bulk evaluator's (columns.ts) — numbers and dates in a Float64Array
 * (NaN is null), strings and enums dictionary codes in an Int32Array (−1 is null), booleans an
 * Int8Array (−1 null) — so a view of the first `size` rows is a Column the scans read as it is.
 * A dictionary only grows: a value no row holds any more stays, and the scan decides it once.
 */

export interface ResidentColumn {
  readonly type: FieldType;
  set(row: number, value: FieldValue): void;
  /** The first `size` rows as a Column (views, no copy). */
  view(size: number): Column;
  /** Bytes held (typed arrays at their capacity; a dictionary's strings estimated). */
  bytes(): number;
}

const grown = <T extends Float64Array | Int32Array | Int8Array>(old: T, row: number, make: (n: number) => T, empty: number): T => {
  if (row < old.length) return old;
  const next = make(Math.max(1024, old.length * 2, row + 1));
  next.fill(empty);
  next.set(old);
  return next;
};

class NumberColumn implements ResidentColumn {
  #values = new Float64Array(0);
  constructor(readonly type: 'number' | 'date') {}

  set(row: number, value: FieldValue): void {
    this.#values = grown(this.#values, row, (n) => new Float64Array(n), Number.NaN);
    this.#values[row] = value === null ? Number.NaN : (value as number);
  }

  view(size: number): Column {
    this.#values = grown(this.#values, size - 1, (n) => new Float64Array(n), Number.NaN);
    return { kind: 'number', values: this.#values.subarray(0, size) };
  }

  bytes(): number {
    return this.#values.byteLength;
  }
}

class DictionaryColumn implements ResidentColumn {
  #codes = new Int32Array(0);
  readonly #dictionary: string[] = [];
  readonly #index = new Map<string, number>();
  #textBytes = 0;
  constructor(readonly type: 'string' | 'enum') {}

  set(row: number, value: FieldValue): void {
    this.#codes = grown(this.#codes, row, (n) => new Int32Array(n), -1);
    if (value === null) {
      this.#codes[row] = -1;
      return;
    }
    const text = value as string;
    let code = this.#index.get(text);
    if (code === undefined) {
      code = this.#dictionary.length;
      this.#dictionary.push(text);
      this.#index.set(text, code);
      this.#textBytes += 2 * text.length + 48;
    }
    this.#codes[row] = code;
  }

  view(size: number): Column {
    this.#codes = grown(this.#codes, size - 1, (n) => new Int32Array(n), -1);
    return { kind: 'dictionary', codes: this.#codes.subarray(0, size), dictionary: this.#dictionary };
  }

  bytes(): number {
    return this.#codes.byteLength + this.#textBytes;
  }
}

class BooleanColumn implements ResidentColumn {
  readonly type = 'boolean';
  #values = new Int8Array(0);

  set(row: number, value: FieldValue): void {
    this.#values = grown(this.#values, row, (n) => new Int8Array(n), -1);
    this.#values[row] = value === null ? -1 : value ? 1 : 0;
  }

  view(size: number): Column {
    this.#values = grown(this.#values, size - 1, (n) => new Int8Array(n), -1);
    return { kind: 'boolean', values: this.#values.subarray(0, size) };
  }

  bytes(): number {
    return this.#values.byteLength;
  }
}

export const residentColumn = (type: FieldType): ResidentColumn => {
  switch (type) {
    case 'number':
    case 'date':
      return new NumberColumn(type);
    case 'string':
    case 'enum':
      return new DictionaryColumn(type);
    case 'boolean':
      return new BooleanColumn();
  }
};
