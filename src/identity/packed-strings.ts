import { PagedU32, mix32 } from './packed-pages.js';

/*
 * Strings packed into a byte arena, and a pool of interned strings found through an open-addressing
 * hash table over a typed array. Identifier values, profile ids and event ids are mostly a short
 * fixed prefix and a tail of digits or hex (`msisdn:+79161234567`, `p_3fa2…`, `bench-1042`), so a
 * string whose tail is at least MIN_TAIL hex characters is stored as the id of its prefix and the
 * tail in nibbles; anything else as Latin-1 or UTF-16 code units. A stored string is always
 * compared with a candidate character by character: two different strings are never taken for one,
 * whatever their hashes.
 */

const KIND_LATIN1 = 0;
const KIND_UTF16 = 1;
const KIND_HEX_TAIL = 2;
const MIN_TAIL = 6;
const MAX_PREFIX = 40;
/** Prefixes are few (one per identifier type, source or id scheme); past this, strings are stored whole. */
const MAX_PREFIXES = 4096;

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
const nibbleOf = (c: number): number => (c <= 57 ? c - 48 : c - 87);
const HEX_CHARS = '0123456789abcdef';
const HEX_CODES = Array.from(HEX_CHARS, (ch) => ch.charCodeAt(0));

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The hash of a string by its UTF-16 code units; ByteArena.hash gives the same for a stored copy. */
export const hashString = (s: string): number => {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return mix32(h);
};

/** Strings appended to one growable byte array, read back by offset. */
/** Plain arrays of each short length: `String.fromCharCode.apply` is fastest on a packed array of exactly the string's length. */
const SCRATCH = Array.from({ length: 65 }, (_, n) => new Array<number>(n).fill(0));

/** The string of the first `n` code units, built in one allocation. */
export const decodeChars = (chars: Uint16Array, n: number): string => {
  if (n <= 64) {
    const codes = SCRATCH[n] as number[];
    for (let i = 0; i < n; i++) codes[i] = chars[i] as number;
    return String.fromCharCode.apply(null, codes);
  }
  let s = '';
  // apply takes a bounded number of arguments: long strings go in chunks.
  for (let i = 0; i < n; i += 4096) s += String.fromCharCode.apply(null, Array.from(chars.subarray(i, Math.min(n, i + 4096))));
  return s;
};

export class ByteArena {
  #bytes = new Uint8Array(1 << 12);
  #scratch = new Uint16Array(64);
  #used = 0;
  readonly #prefixes: string[] = [];
  readonly #prefixIds = new Map<string, number>();

  /** Bytes in use (what was written, including records no longer referenced). */
  get used(): number {
    return this.#used;
  }

  write(s: string): number {
    const n = s.length;
    let t = n;
    while (t > 0 && isHex(s.charCodeAt(t - 1))) t--;
    if (n > t && t <= MAX_PREFIX) {
      const prefix = s.slice(0, t);
      let id = this.#prefixIds.get(prefix);
      // A new prefix only for a tail long enough to be an id scheme's, so the table holds schemes, not values.
      if (id === undefined && n - t >= MIN_TAIL && this.#prefixes.length < MAX_PREFIXES) {
        id = this.#prefixes.length;
        this.#prefixes.push(prefix);
        this.#prefixIds.set(prefix, id);
      }
      if (id !== undefined) {
        const tail = n - t;
        const off = this.#reserve(1 + 5 + 5 + ((tail + 1) >>> 1));
        let p = off;
        this.#bytes[p++] = KIND_HEX_TAIL;
        p = this.#varint(p, id);
        p = this.#varint(p, tail);
        for (let i = t; i < n; i += 2) {
          const hi = nibbleOf(s.charCodeAt(i));
          const lo = i + 1 < n ? nibbleOf(s.charCodeAt(i + 1)) : 0;
          this.#bytes[p++] = (hi << 4) | lo;
        }
        this.#used = p;
        return off;
      }
    }
    let wide = false;
    for (let i = 0; i < n && !wide; i++) wide = s.charCodeAt(i) > 0xff;
    const off = this.#reserve(1 + 5 + (wide ? 2 * n : n));
    let p = off;
    this.#bytes[p++] = wide ? KIND_UTF16 : KIND_LATIN1;
    p = this.#varint(p, n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (wide) {
        this.#bytes[p++] = c & 0xff;
        this.#bytes[p++] = c >>> 8;
      } else this.#bytes[p++] = c;
    }
    this.#used = p;
    return off;
  }

  read(off: number): string {
    const b = this.#bytes;
    const kind = b[off] as number;
    let p = off + 1;
    let n = 0;
    if (kind === KIND_HEX_TAIL) {
      const prefix = this.#prefixes[this.#readVarint(p)] as string;
      p = this.#afterVarint(p);
      const tail = this.#readVarint(p);
      p = this.#afterVarint(p);
      const out = this.#chars(prefix.length + tail);
      for (; n < prefix.length; n++) out[n] = prefix.charCodeAt(n);
      for (let i = 0; i < tail; i++) {
        const byte = b[p + (i >>> 1)] as number;
        out[n++] = HEX_CODES[i & 1 ? byte & 15 : byte >>> 4] as number;
      }
      return decodeChars(out, n);
    }
    const len = this.#readVarint(p);
    p = this.#afterVarint(p);
    const out = this.#chars(len);
    if (kind === KIND_LATIN1) for (; n < len; n++) out[n] = b[p + n] as number;
    else for (; n < len; n++) out[n] = (b[p + 2 * n] as number) | ((b[p + 2 * n + 1] as number) << 8);
    return decodeChars(out, n);
  }

  /** A scratch array of at least `n` code units, so that a string is built in one allocation. */
  #chars(n: number): Uint16Array {
    if (this.#scratch.length < n) this.#scratch = new Uint16Array(Math.max(n, 2 * this.#scratch.length));
    return this.#scratch;
  }

  /** Whether the string stored at `off` is exactly `s`. */
  equals(off: number, s: string): boolean {
    const b = this.#bytes;
    const kind = b[off] as number;
    let p = off + 1;
    if (kind === KIND_HEX_TAIL) {
      const prefix = this.#prefixes[this.#readVarint(p)] as string;
      p = this.#afterVarint(p);
      const tail = this.#readVarint(p);
      p = this.#afterVarint(p);
      if (s.length !== prefix.length + tail || !s.startsWith(prefix)) return false;
      for (let i = 0; i < tail; i++) {
        const byte = b[p + (i >>> 1)] as number;
        if (s.charCodeAt(prefix.length + i) !== HEX_CODES[i & 1 ? byte & 15 : byte >>> 4]) return false;
      }
      return true;
    }
    const n = this.#readVarint(p);
    p = this.#afterVarint(p);
    if (s.length !== n) return false;
    if (kind === KIND_LATIN1) {
      for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== b[p + i]) return false;
      return true;
    }
    for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== ((b[p + 2 * i] as number) | ((b[p + 2 * i + 1] as number) << 8))) return false;
    return true;
  }

  /** hashString of the stored string, without building it (used when a hash table grows). */
  hash(off: number): number {
    const b = this.#bytes;
    const kind = b[off] as number;
    let p = off + 1;
    let h = FNV_OFFSET;
    if (kind === KIND_HEX_TAIL) {
      const prefix = this.#prefixes[this.#readVarint(p)] as string;
      p = this.#afterVarint(p);
      const tail = this.#readVarint(p);
      p = this.#afterVarint(p);
      for (let i = 0; i < prefix.length; i++) h = Math.imul(h ^ prefix.charCodeAt(i), FNV_PRIME);
      for (let i = 0; i < tail; i++) {
        const byte = b[p + (i >>> 1)] as number;
        h = Math.imul(h ^ (HEX_CODES[i & 1 ? byte & 15 : byte >>> 4] as number), FNV_PRIME);
      }
      return mix32(h);
    }
    const n = this.#readVarint(p);
    p = this.#afterVarint(p);
    for (let i = 0; i < n; i++) {
      const c = kind === KIND_LATIN1 ? (b[p + i] as number) : (b[p + 2 * i] as number) | ((b[p + 2 * i + 1] as number) << 8);
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    return mix32(h);
  }

  /** Bytes of the record at `off`. */
  recordLength(off: number): number {
    const kind = this.#bytes[off] as number;
    let p = off + 1;
    if (kind === KIND_HEX_TAIL) {
      p = this.#afterVarint(p);
      const tail = this.#readVarint(p);
      return this.#afterVarint(p) + ((tail + 1) >>> 1) - off;
    }
    const n = this.#readVarint(p);
    return this.#afterVarint(p) + (kind === KIND_UTF16 ? 2 * n : n) - off;
  }

  /**
   * Copies the records still referenced into a new array, dropping the rest. `each` calls
   * `relocate(off)` once per live record and stores the offset it returns.
   */
  compact(each: (relocate: (off: number) => number) => void): void {
    const next = new Uint8Array(Math.max(1 << 12, Math.ceil(this.#used * 0.75)));
    let used = 0;
    let into = next;
    each((off) => {
      const len = this.recordLength(off);
      if (used + len > into.length) {
        const grown = new Uint8Array(Math.max(used + len, Math.floor(into.length * 1.25)));
        grown.set(into.subarray(0, used));
        into = grown;
      }
      into.set(this.#bytes.subarray(off, off + len), used);
      used += len;
      return used - len;
    });
    this.#bytes = into;
    this.#used = used;
  }

  #reserve(max: number): number {
    if (this.#used + max > this.#bytes.length) {
      // A quarter more each time: the unused tail stays small, and growth is rare enough.
      const grown = new Uint8Array(Math.max(this.#used + max, Math.floor(this.#bytes.length * 1.25)));
      grown.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = grown;
    }
    return this.#used;
  }

  #varint(p: number, v: number): number {
    while (v >= 0x80) {
      this.#bytes[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#bytes[p++] = v;
    return p;
  }

  #readVarint(p: number): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = this.#bytes[p++] as number;
      v |= (byte & 0x7f) << shift;
      if (byte < 0x80) return v >>> 0;
      shift += 7;
    }
  }

  #afterVarint(p: number): number {
    while ((this.#bytes[p] as number) >= 0x80) p++;
    return p + 1;
  }
}

/** Entries are numbered densely from 0; a slot holds the entry + 1 and 8 more bits of its hash. */
const MAX_ENTRIES = (1 << 24) - 2;
const MAX_LOAD = 0.75;
const MEMO = 8192;

/**
 * Interned strings, numbered densely from 0 in the order they were first interned, never removed
 * (the owner starts a new pool to forget them). The numbers index the owner's columns.
 */
export class StringPool {
  readonly #arena = new ByteArena();
  readonly #off = new PagedU32();
  #count = 0;
  #slots = new Uint32Array(1024);
  /** The last strings built by text(), by entry: the same few are read many times per batch. */
  readonly #memoEntry = new Int32Array(MEMO).fill(-1);
  readonly #memoText: string[] = new Array<string>(MEMO).fill('');

  get size(): number {
    return this.#count;
  }

  /** The entry holding exactly `s`, or -1. */
  lookup(s: string): number {
    const slot = this.#probe(s, hashString(s));
    return slot < 0 ? -1 : ((this.#slots[slot] as number) & 0xffffff) - 1;
  }

  intern(s: string): number {
    const h = hashString(s);
    const slot = this.#probe(s, h);
    if (slot >= 0) return ((this.#slots[slot] as number) & 0xffffff) - 1;
    if (this.#count >= MAX_ENTRIES) throw new Error('string pool full');
    const entry = this.#count++;
    this.#off.set(entry, this.#arena.write(s));
    if (this.#count > this.#slots.length * MAX_LOAD) this.#grow();
    else this.#slots[-1 - slot] = (((h >>> 24) << 24) | (entry + 1)) >>> 0;
    return entry;
  }

  /** The slot holding exactly `s`, or -1 - (the empty slot where it would go). */
  #probe(s: string, h: number): number {
    const tag = h >>> 24;
    const slots = this.#slots;
    const cap = slots.length;
    let pos = h % cap;
    for (;;) {
      const slot = slots[pos] as number;
      if (slot === 0) return -1 - pos;
      if (slot >>> 24 === tag && this.#arena.equals(this.#off.get((slot & 0xffffff) - 1), s)) return pos;
      pos = pos + 1 === cap ? 0 : pos + 1;
    }
  }

  text(entry: number): string {
    const m = entry & (MEMO - 1);
    if (this.#memoEntry[m] === entry) return this.#memoText[m] as string;
    const s = this.#arena.read(this.#off.get(entry));
    this.#memoEntry[m] = entry;
    this.#memoText[m] = s;
    return s;
  }

  matches(entry: number, s: string): boolean {
    return this.#arena.equals(this.#off.get(entry), s);
  }

  #place(entry: number, h: number): void {
    const slots = this.#slots;
    const cap = slots.length;
    let pos = h % cap;
    while (slots[pos] !== 0) pos = pos + 1 === cap ? 0 : pos + 1;
    slots[pos] = (((h >>> 24) << 24) | (entry + 1)) >>> 0;
  }

  #grow(): void {
    // Half again, not double: the table stays between half and three quarters full.
    this.#slots = new Uint32Array(Math.ceil((this.#slots.length * 3) / 2));
    for (let entry = 0; entry < this.#count; entry++) this.#place(entry, this.#arena.hash(this.#off.get(entry)));
  }
}
