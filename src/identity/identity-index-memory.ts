import type { StoredEdge, StoredNode, StoredValue } from './identity.store.js';
import type { EventRef } from './observe.js';
import { PackedIdentityIndex } from './packed-identity-index.js';
import { mix32 } from './packed-pages.js';

/*
 * Bytes per identifier of the identity stage's hot index, measured: the heap and array-buffer
 * growth after filling it with N identifiers, collected garbage before and after, divided by N.
 * The identifiers are what the benchmark's lines leave in the store (`src/bench/bench-events.ts`):
 * per line an IMSI and an MSISDN, one edge, one person with one node each, the events of the
 * benchmark's shape, each row as the store returns it (parsed from its JSON columns).
 */

export interface IdentityIndexMemory {
  readonly identifiers: number;
  /** PackedIdentityIndex: values, line ends, nodes and edges as the steady path reads them. */
  readonly packedBytesPerIdentifier: number;
  /** The same rows as plain objects in Maps, the layout of the read cache before it was packed, at plainIdentifiers. */
  readonly plainBytesPerIdentifier: number;
  readonly plainIdentifiers: number;
  /** A Map from each identifier string to a number, and nothing else: JavaScript's floor for a string index. */
  readonly mapBytesPerIdentifier: number;
  /** The identifier strings' own bytes (UTF-8): the information a value index cannot do without. */
  readonly rawKeyBytesPerIdentifier: number;
}

export interface IdentityLineRows {
  readonly values: readonly StoredValue[];
  readonly edge: StoredEdge;
  readonly nodes: readonly StoredNode[];
}

const BENCH_EPOCH_MS = Date.parse('2026-11-20T00:00:00Z');

/** The rows the store holds for line `i` after the benchmark's first pass, parsed as the store parses them. */
export const benchLineRows = (i: number): IdentityLineRows => {
  // Built afresh for every field, as a database driver hands every column its own string.
  const imsiOf = (suffix = ''): string => `imsi:25001${String(i).padStart(10, '0')}${suffix}`;
  const msisdnOf = (suffix = ''): string => `msisdn:+7916${String(i).padStart(7, '0')}${suffix}`;
  const at = new Date(BENCH_EPOCH_MS + Math.floor(i / 20) * 1000).toISOString();
  const eventJson = JSON.stringify({ seq: i + 1, sourceId: 'network', eventId: `bench-${i}`, type: 'data_session', at } satisfies EventRef);
  const event = (): EventRef => JSON.parse(eventJson) as EventRef;
  const profileOf = (): string => `p_${[1, 2, 3].map((k) => mix32(i * 3 + k).toString(16).padStart(8, '0')).join('')}`;
  const node = (keyOf: (suffix?: string) => string, reason: unknown): StoredNode => {
    const key = keyOf();
    const colon = key.indexOf(':');
    return {
      nodeKey: keyOf('#0'),
      valueKey: key,
      type: key.slice(0, colon),
      value: key.slice(colon + 1),
      epoch: 0,
      validFrom: null,
      validTo: null,
      profileId: profileOf(),
      component: imsiOf(),
      reason,
    };
  };
  return {
    values: [
      { valueKey: imsiOf(), component: imsiOf(), firstEvent: event() },
      { valueKey: msisdnOf(), component: imsiOf(), firstEvent: event() },
    ],
    edge: { a: imsiOf(), b: msisdnOf(), component: imsiOf(), first: event(), last: event() },
    nodes: [
      node(imsiOf, { rule: 'first-seen', event: event() }),
      node(msisdnOf, { rule: 'co-occurrence', event: event(), edge: [imsiOf('#0'), msisdnOf('#0')] }),
    ],
  };
};

/** Fills an index with the rows of lines [0, lines), in the order the stage reads them. */
export const fillPackedIndex = (index: PackedIdentityIndex, lines: number, rowsOf = benchLineRows): void => {
  for (let i = 0; i < lines; i++) {
    const rows = rowsOf(i);
    for (const v of rows.values) index.putValue(v.valueKey, v);
    for (const v of rows.values) index.putEnds(v.valueKey, []);
    index.putEdge(rows.edge.a, rows.edge.b, rows.edge);
    for (const n of rows.nodes) index.putNodes(n.valueKey, [n]);
  }
};

/** Heap and array-buffer bytes held after `build` runs, garbage collected before and after. */
const heldBy = (gc: () => void, build: () => unknown): { bytes: number; held: unknown } => {
  const used = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const held = build();
  return { bytes: used() - before, held };
};

/**
 * Measures the index at `identifiers` identifiers (two per line) and its baselines: a Map of the
 * same strings, and the read cache's former layout at `plainIdentifiers` (its cost is linear and
 * high — about 1.8 kB an identifier — so a smaller N measures it as well). Needs V8's `gc`
 * (node --expose-gc): without collecting, the heap delta is mostly garbage.
 */
export const measureIdentityIndexMemory = (
  options: { readonly identifiers: number; readonly plainIdentifiers?: number },
  gc: () => void,
): IdentityIndexMemory => {
  const lines = Math.ceil(options.identifiers / 2);
  const plainLines = Math.ceil(Math.min(options.plainIdentifiers ?? 100_000, options.identifiers) / 2);
  // A small fill first, so that code and constants loaded on first use are not counted.
  fillPackedIndex(new PackedIdentityIndex(), 1000);
  const packed = heldBy(gc, () => {
    const index = new PackedIdentityIndex();
    fillPackedIndex(index, lines);
    return index;
  });
  let rawBytes = 0;
  const map = heldBy(gc, () => {
    const m = new Map<string, number>();
    for (let i = 0; i < lines; i++) {
      for (const v of benchLineRows(i).values) {
        m.set(v.valueKey, i);
        rawBytes += Buffer.byteLength(v.valueKey);
      }
    }
    return m;
  });
  const plain = heldBy(gc, () => {
    // The read cache before it was packed: one Map per kind of row, rows as the store returns them.
    const values = new Map<string, StoredValue | null>();
    const ends = new Map<string, string[]>();
    const nodes = new Map<string, StoredNode[]>();
    const edges = new Map<string, StoredEdge | null>();
    const pairsOf = new Map<string, string[]>();
    for (let i = 0; i < plainLines; i++) {
      const rows = benchLineRows(i);
      for (const v of rows.values) values.set(v.valueKey, v);
      for (const v of rows.values) ends.set(v.valueKey, []);
      const pair = `${rows.edge.a}|${rows.edge.b}`;
      edges.set(pair, rows.edge);
      for (const end of [rows.edge.a, rows.edge.b]) pairsOf.set(end, [...(pairsOf.get(end) ?? []), pair]);
      for (const node of rows.nodes) nodes.set(node.valueKey, [node]);
    }
    return [values, ends, nodes, edges, pairsOf];
  });
  const per = (bytes: number, n: number): number => Math.round((bytes / n) * 10) / 10;
  // Named after measuring, so the filled structures stay alive until then.
  void [packed.held, map.held, plain.held];
  return {
    identifiers: 2 * lines,
    packedBytesPerIdentifier: per(packed.bytes, 2 * lines),
    mapBytesPerIdentifier: per(map.bytes, 2 * lines),
    rawKeyBytesPerIdentifier: per(rawBytes, 2 * lines),
    plainIdentifiers: 2 * plainLines,
    plainBytesPerIdentifier: per(plain.bytes, 2 * plainLines),
  };
};
