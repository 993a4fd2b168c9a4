import type { EventRef } from './observe.js';
import { ByteArena } from './packed-strings.js';
import { PagedF64, PagedU16, PagedU32, mix32 } from './packed-pages.js';

/*
 * The events the identity index refers to (a value's first sighting, an edge's first and last, a
 * node's reason), each held once however many records name it: found by its log sequence number,
 * counted by reference, freed when the last reference goes. A record is the sequence number and
 * the time as numbers, the source and event type as small table numbers, and the event id in a
 * byte arena. An event that does not have exactly the shape the identity store writes (the five
 * fields in order, a canonical ISO time) is kept as the object itself, so nothing is ever changed
 * by packing it.
 */

const EVENT_KEYS = ['seq', 'sourceId', 'eventId', 'type', 'at'] as const;
/** `meta` of an event kept whole in the side map. */
const SIDE = 0xffff;
/** Distinct (source, event type) pairs held as numbers; past this, new pairs' events are kept whole. */
const MAX_KINDS = SIDE;
/** A reference count that reached this stays: the event is then held until the index is cleared. */
const SATURATED = 0xffff;
const MAX_LOAD = 0.75;
const MEMO = 8192;
const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

const seqHash = (seq: number): number => mix32((seq >>> 0) ^ Math.imul(Math.floor(seq / 4294967296), 0x9e3779b1));

/** Whether the event has exactly the identity store's shape: these five fields in this order, of these types. */
const hasStoreShape = (e: EventRef): boolean => {
  let n = 0;
  for (const k in e) if (k !== EVENT_KEYS[n++]) return false;
  return (
    n === EVENT_KEYS.length &&
    typeof e.seq === 'number' &&
    Number.isSafeInteger(e.seq) &&
    e.seq >= 0 &&
    !Object.is(e.seq, -0) &&
    typeof e.sourceId === 'string' &&
    typeof e.eventId === 'string' &&
    typeof e.type === 'string' &&
    typeof e.at === 'string'
  );
};

export class EventTable {
  readonly #seq = new PagedF64();
  readonly #at = new PagedF64();
  /** The event's (source, type) pair as a number, or SIDE. */
  readonly #meta = new PagedU16();
  readonly #idOff = new PagedU32();
  readonly #refs = new PagedU16();
  readonly #ids = new ByteArena();
  #garbage = 0;
  readonly #side = new Map<number, EventRef>();
  readonly #free: number[] = [];
  #count = 0;
  #live = 0;
  #slots = new Uint32Array(1024);
  #filled = 0;
  readonly #kindSource: string[] = [];
  readonly #kindType: string[] = [];
  readonly #kindIds = new Map<string, Map<string, number>>();
  readonly #dayPrefix = new Map<number, string>();
  readonly #memoEntry = new Int32Array(MEMO).fill(-1);
  readonly #memoRef: (EventRef | undefined)[] = new Array<EventRef | undefined>(MEMO).fill(undefined);

  /** Events held. */
  get size(): number {
    return this.#live;
  }

  /** Holds one more reference to this event; answers its number. */
  intern(e: EventRef): number {
    if (!hasStoreShape(e)) return this.#holdWhole(e);
    const h = seqHash(e.seq);
    const slots = this.#slots;
    const cap = slots.length;
    let pos = h % cap;
    let seqTaken = false;
    for (;;) {
      const slot = slots[pos] as number;
      if (slot === 0) break;
      const entry = slot - 1;
      if (this.#seq.get(entry) === e.seq) {
        if (this.#sameAs(entry, e)) {
          const refs = this.#refs.get(entry);
          if (refs < SATURATED) this.#refs.set(entry, refs + 1);
          return entry;
        }
        // The same sequence number with other content (never in one log): held apart, unhashed.
        seqTaken = true;
      }
      pos = pos + 1 === cap ? 0 : pos + 1;
    }
    // A new event: its time is packed only if it reads back exactly (a canonical ISO time).
    const ms = Date.parse(e.at);
    const meta = this.#kindOf(e.sourceId, e.type);
    if (!Number.isFinite(ms) || this.#isoOf(ms) !== e.at || meta === SIDE) return this.#holdWhole(e);
    const entry = this.#allocate();
    this.#seq.set(entry, e.seq);
    this.#at.set(entry, ms);
    this.#meta.set(entry, meta);
    this.#idOff.set(entry, this.#ids.write(e.eventId));
    if (!seqTaken) {
      slots[pos] = entry + 1;
      if (++this.#filled > cap * MAX_LOAD) this.#grow();
    }
    return entry;
  }

  #holdWhole(e: EventRef): number {
    const entry = this.#allocate();
    this.#meta.set(entry, SIDE);
    this.#side.set(entry, e);
    return entry;
  }

  /** Drops one reference; the last one frees the event. */
  release(entry: number): void {
    const refs = this.#refs.get(entry);
    if (refs === SATURATED) return;
    if (refs > 1) {
      this.#refs.set(entry, refs - 1);
      return;
    }
    this.#refs.set(entry, 0);
    if (this.#meta.get(entry) === SIDE) this.#side.delete(entry);
    else {
      this.#unhash(entry);
      this.#garbage += this.#ids.recordLength(this.#idOff.get(entry));
    }
    if (this.#memoEntry[entry & (MEMO - 1)] === entry) this.#memoEntry[entry & (MEMO - 1)] = -1;
    this.#free.push(entry);
    this.#live--;
    if (this.#garbage > 1 << 20 && this.#garbage * 2 > this.#ids.used) this.#compactIds();
  }

  /** The event, exactly as it was interned. Shared: callers must not change it (EventRef is read-only). */
  ref(entry: number): EventRef {
    const m = entry & (MEMO - 1);
    if (this.#memoEntry[m] === entry) return this.#memoRef[m] as EventRef;
    const meta = this.#meta.get(entry);
    const e: EventRef =
      meta === SIDE
        ? (this.#side.get(entry) as EventRef)
        : {
            seq: this.#seq.get(entry),
            sourceId: this.#kindSource[meta] as string,
            eventId: this.#ids.read(this.#idOff.get(entry)),
            type: this.#kindType[meta] as string,
            at: this.#isoOf(this.#at.get(entry)),
          };
    this.#memoEntry[m] = entry;
    this.#memoRef[m] = e;
    return e;
  }

  /** Whether `e` is the event held here, field by field (JSON-equal for one kept whole). */
  equals(entry: number, e: EventRef): boolean {
    if (this.#meta.get(entry) === SIDE) return JSON.stringify(this.#side.get(entry)) === JSON.stringify(e);
    return hasStoreShape(e) && this.#sameAs(entry, e);
  }

  /** `e` (of the store's shape) against a packed record: every field compared exactly. */
  #sameAs(entry: number, e: EventRef): boolean {
    const meta = this.#meta.get(entry);
    return (
      meta !== SIDE &&
      this.#seq.get(entry) === e.seq &&
      this.#kindSource[meta] === e.sourceId &&
      this.#kindType[meta] === e.type &&
      this.#isoOf(this.#at.get(entry)) === e.at &&
      this.#ids.equals(this.#idOff.get(entry), e.eventId)
    );
  }

  /** The (source, type) pair as a number (added while there is room), or SIDE. */
  #kindOf(sourceId: string, type: string): number {
    let types = this.#kindIds.get(sourceId);
    const known = types?.get(type);
    if (known !== undefined) return known;
    if (this.#kindSource.length >= MAX_KINDS) return SIDE;
    if (!types) this.#kindIds.set(sourceId, (types = new Map()));
    types.set(type, this.#kindSource.length);
    this.#kindSource.push(sourceId);
    this.#kindType.push(type);
    return this.#kindSource.length - 1;
  }

  /** `Date.prototype.toISOString`, with the date part remembered per day (events of a batch share a few days). */
  readonly #isoOf = (ms: number): string => {
    const day = Math.floor(ms / DAY_MS);
    let prefix = this.#dayPrefix.get(day);
    if (prefix === undefined) {
      if (this.#dayPrefix.size >= 4096) this.#dayPrefix.clear();
      prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
      this.#dayPrefix.set(day, prefix);
    }
    let t = ms - day * DAY_MS;
    const h = Math.floor(t / 3_600_000);
    t -= h * 3_600_000;
    const m = Math.floor(t / 60_000);
    t -= m * 60_000;
    const s = Math.floor(t / 1000);
    return `${prefix}${TWO[h] as string}:${TWO[m] as string}:${TWO[s] as string}.${THREE[t - s * 1000] as string}Z`;
  };

  #allocate(): number {
    const entry = this.#free.pop() ?? this.#count++;
    this.#refs.set(entry, 1);
    this.#live++;
    return entry;
  }

  #unhash(entry: number): void {
    const slots = this.#slots;
    const cap = slots.length;
    let pos = seqHash(this.#seq.get(entry)) % cap;
    for (;;) {
      const slot = slots[pos] as number;
      if (slot === 0) return; // held apart, never hashed
      if (slot === entry + 1) break;
      pos = pos + 1 === cap ? 0 : pos + 1;
    }
    // Backward-shift deletion: linear probing without tombstones.
    let hole = pos;
    let j = pos;
    for (;;) {
      j = j + 1 === cap ? 0 : j + 1;
      const slot = slots[j] as number;
      if (slot === 0) break;
      const home = seqHash(this.#seq.get(slot - 1)) % cap;
      const between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (between) continue;
      slots[hole] = slot;
      hole = j;
    }
    slots[hole] = 0;
    this.#filled--;
  }

  #grow(): void {
    const old = this.#slots;
    const slots = new Uint32Array(Math.ceil((old.length * 3) / 2));
    const cap = slots.length;
    for (const slot of old) {
      if (slot === 0) continue;
      let pos = seqHash(this.#seq.get(slot - 1)) % cap;
      while (slots[pos] !== 0) pos = pos + 1 === cap ? 0 : pos + 1;
      slots[pos] = slot;
    }
    this.#slots = slots;
  }

  #compactIds(): void {
    this.#ids.compact((relocate) => {
      for (let entry = 0; entry < this.#count; entry++) {
        if (this.#refs.get(entry) > 0 && this.#meta.get(entry) !== SIDE) this.#idOff.set(entry, relocate(this.#idOff.get(entry)));
      }
    });
    this.#garbage = 0;
  }
}
