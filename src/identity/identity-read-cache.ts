import type { Db } from '../storage/index.js';
import { identityStore, type StoredEdge, type StoredNode, type StoredValue } from './identity.store.js';
import { compareEvents } from './identity-graph.js';
import type { EventRef } from './observe.js';
import { PackedIdentityIndex, type PackedIndexCounts } from './packed-identity-index.js';

/**
 * What the identity stage reads for every batch (values, line ends, edges, nodes), kept in memory
 * per identifier value so that a batch of known lines — the steady state — needs no read at all.
 * It only ever holds what the store returned; the stage drops every value a changing batch touches
 * (after which the store is read again), and the pipeline clears it all when a batch fails, so a
 * rolled-back write never survives here. Held packed (`PackedIdentityIndex`, under 100 bytes an
 * identifier; BENCHMARKS.md). Bounded: when a read would take any of its tables past `maxValues`
 * entries it starts again empty before filling; what it answered from memory before that stays a
 * true answer (every answer is a fresh copy, and the store is only ever read, never written, here).
 */
export class IdentityReadCache {
  readonly #maxValues: number;
  #index = new PackedIdentityIndex();
  /** The keys of the last read and their numbers in #index: a batch reads the same keys three times. */
  #lastKeys: readonly string[] = [];
  #lastEntries = new Int32Array(0);
  #lastIndex: PackedIdentityIndex | undefined;

  constructor(maxValues = 1_000_000) {
    // The index numbers its strings in 24 bits.
    if (!(maxValues > 0 && maxValues <= 16_000_000)) throw new RangeError(`maxValues must be in 1..16,000,000, not ${maxValues}`);
    this.#maxValues = maxValues;
  }

  async values(db: Db, keys: readonly string[]): Promise<Map<string, StoredValue>> {
    const entries = this.#entriesOf(keys);
    const held = keys.map((k, i) => this.#index.value(k, entries[i]));
    const missing = keys.filter((_, i) => held[i] === undefined);
    if (missing.length > 0) {
      this.#room(2 * missing.length);
      const loaded = await identityStore.values(db, missing);
      const put = new Map<string, number>(); // a key asked twice is put once
      keys.forEach((k, i) => {
        if (held[i] !== undefined) return;
        let v = put.get(k);
        if (v === undefined) put.set(k, (v = this.#index.putValue(k, loaded.get(k) ?? null)));
        held[i] = this.#index.value(k, v);
      });
    }
    const out = new Map<string, StoredValue>();
    keys.forEach((k, i) => {
      const v = held[i];
      if (v) out.set(k, v);
    });
    return out;
  }

  async lineEnds(db: Db, keys: readonly string[]): Promise<Map<string, string[]>> {
    const entries = this.#entriesOf(keys);
    const held = keys.map((k, i) => this.#index.ends(k, entries[i]));
    const missing = keys.filter((_, i) => held[i] === undefined);
    if (missing.length > 0) {
      this.#room(missing.length);
      const loaded = await identityStore.lineEnds(db, missing);
      const put = new Map<string, number>();
      keys.forEach((k, i) => {
        if (held[i] !== undefined) return;
        let v = put.get(k);
        if (v === undefined) put.set(k, (v = this.#index.putEnds(k, loaded.get(k) ?? [])));
        held[i] = this.#index.ends(k, v);
      });
    }
    const out = new Map<string, string[]>();
    keys.forEach((k, i) => {
      const ends = held[i];
      if (ends && ends.length > 0) out.set(k, [...ends]);
    });
    return out;
  }

  async existingEdges(db: Db, pairs: readonly (readonly [string, string])[]): Promise<Map<string, StoredEdge>> {
    const held = pairs.map(([a, b]) => this.#index.edge(a, b));
    const missing = pairs.filter((_, i) => held[i] === undefined);
    if (missing.length > 0) {
      this.#room(3 * missing.length);
      const loaded = await identityStore.existingEdges(db, missing);
      const put = new Set<string>();
      pairs.forEach(([a, b], i) => {
        if (held[i] !== undefined) return;
        const pair = `${a}|${b}`;
        if (!put.has(pair) || !this.#index.holdsEdge(a, b)) this.#index.putEdge(a, b, loaded.get(pair) ?? null);
        put.add(pair);
        held[i] = this.#index.edge(a, b);
      });
    }
    const out = new Map<string, StoredEdge>();
    pairs.forEach(([a, b], i) => {
      const edge = held[i];
      if (edge) out.set(`${a}|${b}`, edge);
    });
    return out;
  }

  async nodesOfValues(db: Db, keys: readonly string[]): Promise<StoredNode[]> {
    const entries = this.#entriesOf(keys);
    const held = keys.map((k, i) => this.#index.nodes(k, entries[i]));
    const missing = keys.filter((_, i) => held[i] === undefined);
    if (missing.length > 0) {
      this.#room(3 * missing.length);
      const byValue = new Map<string, StoredNode[]>(missing.map((k) => [k, []]));
      for (const node of await identityStore.nodesOfValues(db, missing)) byValue.get(node.valueKey)?.push(node);
      // A node is held in columns only beside its value (it shares the value's component and first
      // sighting); kept whole it costs about 1.3 kB. Values not held here — new in this batch, or
      // forgotten when their component changed — are read too, so that their nodes pack.
      const unheld = missing.filter((k) => (byValue.get(k)?.length ?? 0) > 0 && this.#index.value(k) === undefined);
      if (unheld.length > 0) {
        const values = await identityStore.values(db, unheld);
        for (const k of new Set(unheld)) this.#index.putValue(k, values.get(k) ?? null);
      }
      const put = new Map<string, number>();
      keys.forEach((k, i) => {
        if (held[i] !== undefined) return;
        let v = put.get(k);
        if (v === undefined) put.set(k, (v = this.#index.putNodes(k, byValue.get(k) ?? [])));
        held[i] = this.#index.nodes(k, v);
      });
    }
    return held.flatMap((nodes) => nodes ?? []);
  }

  /**
   * The profile of an event that brings nothing new — the steady state, a known line's record —
   * answered from memory alone; undefined where the stage's general path must decide. `keys` are
   * the event's merge keys, strongest first, none with a TTL; `anchorIsLine`, whether the first is
   * of a line type. Nothing new means: every value held, steady (`PackedIdentityIndex.steadyValue`)
   * and first seen no later than this event, and the anchor's edge to every other value held and
   * first seen no later either. Such an event writes no evidence, changes no line's epochs, and
   * resolves to the anchor's one node, exactly as the general path would find.
   */
  steadyProfile(keys: readonly string[], event: EventRef, anchorIsLine: boolean): string | undefined {
    const index = this.#index;
    const anchor = keys[0];
    if (anchor === undefined) return undefined;
    const va = index.steadyValue(anchor);
    if (va < 0 || index.steadyNodeHasEpoch(va) !== anchorIsLine || compareEvents(event, index.steadyFirst(va)) < 0) return undefined;
    for (let i = 1; i < keys.length; i++) {
      const key = keys[i] as string;
      const v = index.steadyValue(key);
      if (v < 0 || compareEvents(event, index.steadyFirst(v)) < 0) return undefined;
      // Edges are stored once, under their ends in order, and found through end a's list.
      const first = anchor < key ? index.steadyEdgeFirst(va, key) : index.steadyEdgeFirst(v, anchor);
      if (first === undefined || compareEvents(event, first) < 0) return undefined;
    }
    return index.steadyProfile(va);
  }

  /** Forgets these values and every edge that touches one of them. */
  forget(keys: Iterable<string>): void {
    this.#index.forget(keys);
  }

  clear(): void {
    this.#index = new PackedIdentityIndex();
  }

  /** What the index holds (values, profiles, events, edges, entries kept whole): for metrics and the benchmark. */
  counts(): PackedIndexCounts {
    return this.#index.counts();
  }

  /**
   * The keys' numbers in the index. A key equal (===, by value) to the one at the same place in
   * the last read keeps that read's number: numbers are stable for the index's life, so this only
   * saves the lookup, and can never give a key another's number.
   */
  #entriesOf(keys: readonly string[]): Int32Array {
    const index = this.#index;
    const last = this.#lastIndex === index && this.#lastKeys.length === keys.length ? this.#lastEntries : undefined;
    const entries = new Int32Array(keys.length);
    keys.forEach((k, i) => {
      const known = last && k === this.#lastKeys[i] ? (last[i] as number) : -1;
      entries[i] = known >= 0 ? known : index.entryOf(k);
    });
    this.#lastKeys = keys.slice();
    this.#lastEntries = entries;
    this.#lastIndex = index;
    return entries;
  }

  /**
   * Starts again empty if a read that may add `adding` entries to a table (a value and its
   * component; an edge's two values and component; a node's value and anchor) could take it past
   * the bound. Every string the index interns counts, and stays until this clear.
   */
  #room(adding: number): void {
    const c = this.#index.counts();
    if (Math.max(c.values, c.profiles, c.events, c.edges) + adding > this.#maxValues) this.clear();
  }
}
