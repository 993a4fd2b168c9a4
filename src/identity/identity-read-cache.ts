import type { Db } from '../storage/index.js';
import { identityStore, type StoredEdge, type StoredNode, type StoredValue } from './identity.store.js';

/**
 * What the identity stage reads for every batch (values, line ends, edges, nodes), kept in memory
 * per identifier value so that a batch of known lines — the steady state — needs no read at all.
 * It only ever holds what the store returned; the stage drops every value a changing batch touches
 * (after which the store is read again), and the pipeline clears it all when a batch fails, so a
 * rolled-back write never survives here. Bounded: past `maxValues` it starts again empty.
 */
export class IdentityReadCache {
  readonly #maxValues: number;
  #values = new Map<string, StoredValue | null>();
  #ends = new Map<string, string[]>();
  #nodes = new Map<string, StoredNode[]>();
  #edges = new Map<string, StoredEdge | null>();
  /** The cached pairs of each value, so forgetting a value finds its edges without a scan. */
  #pairsOf = new Map<string, string[]>();

  constructor(maxValues = 1_000_000) {
    this.#maxValues = maxValues;
  }

  async values(db: Db, keys: readonly string[]): Promise<Map<string, StoredValue>> {
    const missing = keys.filter((k) => !this.#values.has(k));
    if (missing.length > 0) {
      const loaded = await identityStore.values(db, missing);
      this.#room(missing.length);
      for (const k of missing) this.#values.set(k, loaded.get(k) ?? null);
    }
    const out = new Map<string, StoredValue>();
    for (const k of keys) {
      const v = this.#values.get(k);
      if (v) out.set(k, v);
    }
    return out;
  }

  async lineEnds(db: Db, keys: readonly string[]): Promise<Map<string, string[]>> {
    const missing = keys.filter((k) => !this.#ends.has(k));
    if (missing.length > 0) {
      const loaded = await identityStore.lineEnds(db, missing);
      for (const k of missing) this.#ends.set(k, loaded.get(k) ?? []);
    }
    const out = new Map<string, string[]>();
    for (const k of keys) {
      const ends = this.#ends.get(k);
      if (ends && ends.length > 0) out.set(k, [...ends]);
    }
    return out;
  }

  async existingEdges(db: Db, pairs: readonly (readonly [string, string])[]): Promise<Map<string, StoredEdge>> {
    const missing = pairs.filter(([a, b]) => !this.#edges.has(`${a}|${b}`));
    if (missing.length > 0) {
      const loaded = await identityStore.existingEdges(db, missing);
      for (const [a, b] of missing) {
        const pair = `${a}|${b}`;
        this.#edges.set(pair, loaded.get(pair) ?? null);
        for (const end of [a, b]) {
          const list = this.#pairsOf.get(end);
          if (list) list.push(pair);
          else this.#pairsOf.set(end, [pair]);
        }
      }
    }
    const out = new Map<string, StoredEdge>();
    for (const [a, b] of pairs) {
      const edge = this.#edges.get(`${a}|${b}`);
      if (edge) out.set(`${a}|${b}`, edge);
    }
    return out;
  }

  async nodesOfValues(db: Db, keys: readonly string[]): Promise<StoredNode[]> {
    const missing = keys.filter((k) => !this.#nodes.has(k));
    if (missing.length > 0) {
      const loaded = await identityStore.nodesOfValues(db, missing);
      for (const k of missing) this.#nodes.set(k, []);
      for (const node of loaded) this.#nodes.get(node.valueKey)?.push(node);
    }
    return keys.flatMap((k) => this.#nodes.get(k) ?? []);
  }

  /** Forgets these values and every edge that touches one of them. */
  forget(keys: Iterable<string>): void {
    const gone = new Set(keys);
    for (const k of gone) {
      this.#values.delete(k);
      this.#ends.delete(k);
      this.#nodes.delete(k);
    }
    for (const k of gone) {
      for (const pair of this.#pairsOf.get(k) ?? []) this.#edges.delete(pair);
      this.#pairsOf.delete(k);
    }
  }

  clear(): void {
    this.#values = new Map();
    this.#ends = new Map();
    this.#nodes = new Map();
    this.#edges = new Map();
    this.#pairsOf = new Map();
  }

  #room(adding: number): void {
    if (this.#values.size + adding > this.#maxValues) this.clear();
  }
}
