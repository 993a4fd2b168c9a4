import { describe, expect, it } from 'vitest';
import type { StoredEdge, StoredNode, StoredValue } from './identity.store.js';
import { benchLineRows, fillPackedIndex } from './identity-index-memory.js';
import type { EventRef } from './observe.js';
import { PackedIdentityIndex } from './packed-identity-index.js';

/** Exact equality: same fields, same values, same key order (what JSON.stringify of a store row shows). */
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const event = (seq: number, at = '2026-11-20T10:00:00.000Z', eventId = `e-${seq}`): EventRef => ({
  seq,
  sourceId: 'network',
  eventId,
  type: 'data_session',
  at,
});

describe('PackedIdentityIndex', () => {
  it('answers what it was given for the benchmark lines, in columns, with nothing kept whole', () => {
    const index = new PackedIdentityIndex();
    fillPackedIndex(index, 2000);
    for (const i of [0, 1, 999, 1999]) {
      const rows = benchLineRows(i);
      for (const v of rows.values) {
        expect(same(index.value(v.valueKey), v)).toBe(true);
        expect(index.ends(v.valueKey)).toEqual([]);
      }
      expect(same(index.edge(rows.edge.a, rows.edge.b), rows.edge)).toBe(true);
      for (const n of rows.nodes) expect(same(index.nodes(n.valueKey), [n])).toBe(true);
    }
    expect(index.counts()).toEqual({ values: 4000, profiles: 0, events: 2000, edges: 2000, side: 0 });
  });

  it('tells unknown (undefined) from known to be absent (null, [])', () => {
    const index = new PackedIdentityIndex();
    expect(index.value('msisdn:+79160000001')).toBeUndefined();
    index.putValue('msisdn:+79160000001', null);
    index.putEnds('msisdn:+79160000001', []);
    index.putNodes('msisdn:+79160000001', []);
    index.putEdge('imsi:250010000000001', 'msisdn:+79160000001', null);
    expect(index.value('msisdn:+79160000001')).toBeNull();
    expect(index.ends('msisdn:+79160000001')).toEqual([]);
    expect(index.nodes('msisdn:+79160000001')).toEqual([]);
    expect(index.edge('imsi:250010000000001', 'msisdn:+79160000001')).toBeNull();
    expect(index.edge('msisdn:+79160000001', 'imsi:250010000000001')).toBeUndefined();
    expect(index.holdsValue('imsi:250010000000001')).toBe(false);
  });

  it('forgets a value with its ends, nodes and every edge touching it, and nothing else', () => {
    const index = new PackedIdentityIndex();
    fillPackedIndex(index, 3);
    const [l0, l1] = [benchLineRows(0), benchLineRows(1)];
    const key = l0.edge.b;
    // One more edge from line 0's MSISDN to line 1's IMSI.
    index.putEdge(l1.edge.a, key, { a: l1.edge.a, b: key, component: l1.edge.component, first: event(7), last: event(8) });
    index.forget([key]);
    expect(index.value(key)).toBeUndefined();
    expect(index.ends(key)).toBeUndefined();
    expect(index.nodes(key)).toBeUndefined();
    expect(index.edge(l0.edge.a, key)).toBeUndefined();
    expect(index.edge(l1.edge.a, key)).toBeUndefined();
    // The other ends keep what they held.
    expect(same(index.value(l0.edge.a), l0.values[0])).toBe(true);
    expect(same(index.nodes(l0.edge.a), [l0.nodes[0]])).toBe(true);
    expect(same(index.edge(l1.edge.a, l1.edge.b), l1.edge)).toBe(true);
    expect(index.counts().edges).toBe(2);
  });

  it('frees an event when the last record naming it goes', () => {
    const index = new PackedIdentityIndex();
    fillPackedIndex(index, 1);
    const rows = benchLineRows(0);
    expect(index.counts().events).toBe(1);
    index.forget([rows.edge.a]);
    expect(index.counts().events).toBe(1); // the MSISDN's value still names it
    index.forget([rows.edge.b]);
    expect(index.counts().events).toBe(0);
  });

  it('keeps whole what it cannot pack, and answers it unchanged', () => {
    const index = new PackedIdentityIndex();
    const key = 'msisdn:+79160000001';
    const odd: StoredValue = { valueKey: key, component: key, firstEvent: { ...event(1), at: '2026-11-20T10:00:00Z' } };
    index.putValue(key, odd);
    const recycled: StoredNode[] = [
      { ...benchLineRows(0).nodes[1], nodeKey: `${key}#0`, valueKey: key, validTo: '2026-03-01T00:00:00.000Z' } as StoredNode,
      { ...benchLineRows(0).nodes[1], nodeKey: `${key}#1`, valueKey: key, epoch: 1, validFrom: '2026-03-01T00:00:00.000Z' } as StoredNode,
    ];
    index.putNodes(key, recycled);
    index.putEnds(key, ['2026-03-01T00:00:00.000Z']);
    expect(same(index.value(key), odd)).toBe(true);
    expect(same(index.nodes(key), recycled)).toBe(true);
    expect(index.ends(key)).toEqual(['2026-03-01T00:00:00.000Z']);
    expect(index.counts().side).toBe(2);
  });

  it('equals a plain Map model under random reads, writes and forgets (many seeds)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const problems = runAgainstModel(seed, 1000);
      expect(problems, `seed ${seed}`).toEqual([]);
    }
  });
});

// ---- the randomized model comparison ------------------------------------------------------------

const KEYS = [
  'imsi:250010000000001',
  'imsi:250010000000002',
  'msisdn:+79160000001',
  'msisdn:+79160000002',
  'iccid:8970100000000000001',
  'email:anna@example.org',
  'email:ANNA@example.org',
  'appUserId:u-1',
  'passport:4508000001',
  'cookie:c#1',
  'odd',
];

interface ModelEdge {
  readonly a: string;
  readonly b: string;
  readonly edge: StoredEdge | null;
}

/** The index's contract as plain Maps: what was put, until forgotten (a value put again starts its key afresh). */
class MapModel {
  readonly values = new Map<string, StoredValue | null>();
  readonly ends = new Map<string, string[]>();
  readonly nodes = new Map<string, StoredNode[]>();
  readonly edges = new Map<string, ModelEdge>();

  putValue(key: string, v: StoredValue | null): void {
    if (this.values.has(key)) this.forget([key]);
    this.values.set(key, v);
  }

  forget(keys: readonly string[]): void {
    for (const k of keys) {
      this.values.delete(k);
      this.ends.delete(k);
      this.nodes.delete(k);
      for (const [id, e] of this.edges) if (e.a === k || e.b === k) this.edges.delete(id);
    }
  }
}

const runAgainstModel = (seed: number, steps: number): string[] => {
  let state = seed;
  const rnd = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const pick = <T>(items: readonly T[]): T => items[rnd(items.length)] as T;
  const index = new PackedIdentityIndex();
  const model = new MapModel();
  const problems: string[] = [];

  // Events: mostly canonical and shared by sequence number; some of other shapes.
  const events: EventRef[] = [
    event(1),
    event(2, '2026-11-20T10:00:01.000Z'),
    event(3, '2026-11-21T23:59:59.999Z', 'bench-123456'),
    event(3, '2026-11-21T23:59:59.999Z', 'other-id'), // same seq, other content: held apart
    { ...event(4), sourceId: 'a\u0000b', type: 'c' },
    { ...event(5), sourceId: 'a', type: 'b\u0000c' },
    { ...event(6), at: '2026-11-20T10:00:00Z' }, // not canonical ISO
    { at: '2026-11-20T10:00:00.000Z', seq: 7, sourceId: 'network', eventId: 'e-7', type: 'data_session' }, // other key order
    { ...event(8), extra: true } as EventRef,
    event(9, '1969-12-31T23:59:59.999Z', 'ünïcode-ид'),
  ];
  const profileIds = ['p_352d97d2d115db41993e64ba', 'p_000000000000000000000000', 'p_ffffffffffffffffffffffff', 'p_XYZ', 'profile-7'];
  const components = (key: string): string[] => [key, ...KEYS.slice(0, 3), 'component-x'];
  const modelValue = (key: string): StoredValue | null | undefined => model.values.get(key);

  const randomValue = (key: string): StoredValue | null => {
    const r = rnd(10);
    if (r === 0) return null;
    const v = { valueKey: key, component: pick(components(key)), firstEvent: pick(events) };
    if (r === 1) return { component: v.component, valueKey: key, firstEvent: v.firstEvent };
    if (r === 2) return { ...v, valueKey: pick(KEYS) };
    return v;
  };

  const randomNode = (key: string, epoch: number): StoredNode => {
    const known = modelValue(key);
    // Usually coherent with the value held (the common case the columns take), sometimes not.
    const component = known && rnd(4) > 0 ? known.component : pick(components(key));
    const first = known && rnd(4) > 0 ? known.firstEvent : pick(events);
    const nodeKey = rnd(6) === 0 ? key : `${key}#${epoch}`;
    const colon = key.indexOf(':');
    const anchor = `${pick(KEYS)}${pick(['#0', '', '#1'])}`;
    const reasons: unknown[] = [
      { rule: 'first-seen', event: first },
      { rule: 'co-occurrence', event: first, edge: [anchor, nodeKey] },
      { rule: 'co-occurrence', event: first, edge: [nodeKey, anchor] },
      { event: first, rule: 'first-seen' },
      { rule: 'first-seen', event: first, note: 1 },
      null,
      'first-seen',
    ];
    return {
      nodeKey,
      valueKey: rnd(12) === 0 ? pick(KEYS) : key,
      type: colon < 0 ? key : key.slice(0, colon),
      value: colon < 0 ? '' : key.slice(colon + 1),
      epoch,
      validFrom: epoch > 0 || rnd(8) === 0 ? '2026-03-01T00:00:00.000Z' : null,
      validTo: rnd(8) === 0 ? '2026-06-01T00:00:00.000Z' : null,
      profileId: pick(profileIds),
      component,
      reason: rnd(3) === 0 ? pick(reasons) : reasons[rnd(2)],
    };
  };

  const randomEdge = (a: string, b: string): StoredEdge | null => {
    if (rnd(6) === 0) return null;
    const comp = rnd(4) > 0 ? (modelValue(a)?.component ?? modelValue(b)?.component ?? a) : pick(components(a));
    const e = { a, b, component: comp, first: pick(events), last: pick(events) };
    return rnd(10) === 0 ? { ...e, b: 'other' } : e;
  };

  const check = (what: string, got: unknown, want: unknown): void => {
    if (!same(got, want)) problems.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };

  for (let step = 0; step < steps && problems.length === 0; step++) {
    const key = pick(KEYS);
    const other = pick(KEYS);
    switch (rnd(9)) {
      case 0: {
        const v = randomValue(key);
        index.putValue(key, v);
        model.putValue(key, v);
        break;
      }
      case 1: {
        const ends = rnd(3) === 0 ? ['2026-03-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z'].slice(0, 1 + rnd(2)) : [];
        index.putEnds(key, ends);
        model.ends.set(key, [...ends]);
        break;
      }
      case 2: {
        const nodes = Array.from({ length: rnd(5) === 0 ? 2 : rnd(5) === 0 ? 0 : 1 }, (_, i) => randomNode(key, rnd(6) === 0 ? 1 : i));
        index.putNodes(key, nodes);
        model.nodes.set(key, [...nodes]);
        break;
      }
      case 3: {
        const [a, b] = key < other ? [key, other] : [other, key];
        const e = randomEdge(a, b);
        index.putEdge(a, b, e);
        model.edges.set(`${a}\u0000${b}`, { a, b, edge: e });
        break;
      }
      case 4: {
        const keys = [key, ...(rnd(2) ? [other] : []), 'never-seen'];
        index.forget(keys);
        model.forget(keys);
        break;
      }
      default:
        break;
    }
    // Read everything back after every step.
    for (const k of KEYS) {
      check(`value ${k} @${step}`, index.value(k), model.values.has(k) ? model.values.get(k) : undefined);
      check(`ends ${k} @${step}`, index.ends(k), model.ends.get(k));
      check(`nodes ${k} @${step}`, index.nodes(k), model.nodes.get(k));
      if (index.holdsValue(k) !== model.values.has(k)) problems.push(`holdsValue ${k} @${step}`);
      for (const k2 of KEYS) {
        const held = model.edges.get(`${k}\u0000${k2}`);
        check(`edge ${k}|${k2} @${step}`, index.edge(k, k2), held ? held.edge : undefined);
      }
    }
  }
  return problems;
};
