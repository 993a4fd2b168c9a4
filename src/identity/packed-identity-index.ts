import type { StoredEdge, StoredNode, StoredValue } from './identity.store.js';
import type { EventRef } from './observe.js';
import { EventTable } from './packed-events.js';
import { PagedU16, PagedU32 } from './packed-pages.js';
import { StringPool } from './packed-strings.js';

/*
 * The identity stage's hot index, packed: per identifier value what the store returned for it —
 * the value (component, first sighting), its line ends, its nodes (epoch, validity, profile,
 * reason) — and the edges between values, in typed-array columns instead of JS objects.
 *
 * The common case is held in columns: a value of the store's usual shape, no line ends, one node
 * of epoch 0 without validity limits whose component is the value's and whose reason names the
 * value's first sighting (first seen, or co-occurring with another value's node of epoch 0).
 * Anything else — a recycled number's several epochs, a node with validity limits, a reason of
 * another shape, line ends, an object with other fields — is kept as the store's objects in a
 * side map, so that every answer equals what the store returned, field by field.
 *
 * Identifier values — and the components and reason anchors, which are values too — are interned
 * in a string pool whose numbers index the columns; a profile id of the stage's form (`p_` and 24
 * hex digits) is three 32-bit columns, any other is interned in a second pool; events are in an
 * event table, shared by every record that names them; an edge is found through its end a's list.
 * Measured (BENCHMARKS.md): about 83 bytes an identifier at a million, against about 1.8 kB as
 * plain objects. Synchronous and I/O-free: IdentityReadCache fills it from the store.
 */

// Flags per value.
const V_HELD = 1 << 0;
const V_PRESENT = 1 << 1;
const V_SIDE = 1 << 2;
const E_HELD = 1 << 3;
const E_SIDE = 1 << 4;
const N_HELD = 1 << 5;
const N_ONE = 1 << 6;
const N_SIDE = 1 << 7;
/** The node key is `value#0` (a line type); else the value itself. */
const N_KEY_EPOCH = 1 << 8;
/** The reason is co-occurrence (with the anchor column); else first-seen. */
const R_COOCCUR = 1 << 9;
/** The anchor's node key is `anchor#0`; else the anchor value itself. */
const R_ANCHOR_EPOCH = 1 << 10;
/** The node's profile id is not `p_` and 24 hex digits: the profile column holds its number in the profile pool. */
const P_POOLED = 1 << 11;
const NODE_FLAGS = N_HELD | N_ONE | N_SIDE | N_KEY_EPOCH | R_COOCCUR | R_ANCHOR_EPOCH | P_POOLED;

// Flags per edge.
const EDGE_PRESENT = 1;
const EDGE_SIDE = 2;
/** The edge's component is its end a's value's (else b's). */
const EDGE_COMP_OF_A = 4;

const VALUE_KEYS = ['valueKey', 'component', 'firstEvent'] as const;
const EDGE_KEYS = ['a', 'b', 'component', 'first', 'last'] as const;
const NODE_KEYS = ['nodeKey', 'valueKey', 'type', 'value', 'epoch', 'validFrom', 'validTo', 'profileId', 'component', 'reason'] as const;
const FIRST_SEEN_KEYS = ['rule', 'event'] as const;
const CO_OCCURRENCE_KEYS = ['rule', 'event', 'edge'] as const;
/** Profile ids as the stage makes them: 12 bytes in three columns instead of a 26-character string. */
const PROFILE_ID = /^p_[0-9a-f]{24}$/;
const PROFILE_MEMO = 1024;
let hex4: string[] | undefined;
/** The 65,536 four-digit hex strings (built on first use, shared): a profile id is six of them. */
const hex4Table = (): string[] => (hex4 ??= Array.from({ length: 0x10000 }, (_, n) => n.toString(16).padStart(4, '0')));
const NO_ENDS: readonly string[] = Object.freeze([]);

/** Whether an object's own enumerable keys are exactly these, in this order. */
const hasKeys = (o: object, keys: readonly string[]): boolean => {
  let n = 0;
  for (const k in o) if (k !== keys[n++]) return false;
  return n === keys.length;
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

export interface PackedIndexCounts {
  /** Strings in the value pool (identifier values, components, anchors), kept until the index is cleared. */
  readonly values: number;
  readonly profiles: number;
  readonly events: number;
  readonly edges: number;
  /** Entries kept whole because their shape is not the common one. */
  readonly side: number;
}

export class PackedIdentityIndex {
  readonly #keys = new StringPool();
  readonly #profiles = new StringPool();
  readonly #events = new EventTable();
  // Per value (pool number).
  readonly #flags = new PagedU16();
  readonly #component = new PagedU32();
  readonly #first = new PagedU32();
  readonly #profileA = new PagedU32();
  readonly #profileB = new PagedU32();
  readonly #profileC = new PagedU32();
  readonly #anchor = new PagedU32();
  /** First edge record touching the value, + 1 (0: none). */
  readonly #edgeHead = new PagedU32();
  readonly #sideValues = new Map<number, StoredValue>();
  readonly #sideEnds = new Map<number, string[]>();
  readonly #sideNodes = new Map<number, StoredNode[]>();
  // Per edge record; an edge is found through its end a's list (a value has few edges).
  readonly #ea = new PagedU32();
  readonly #eb = new PagedU32();
  readonly #efirst = new PagedU32();
  readonly #elast = new PagedU32();
  readonly #enextA = new PagedU32();
  readonly #enextB = new PagedU32();
  readonly #eflags = new PagedU16();
  readonly #sideEdges = new Map<number, StoredEdge>();
  readonly #freeEdges: number[] = [];
  #edgeCount = 0;
  #edgeLive = 0;
  readonly #profileMemo = new Uint32Array(3 * PROFILE_MEMO);
  readonly #profileMemoText: (string | undefined)[] = new Array<string | undefined>(PROFILE_MEMO).fill(undefined);
  readonly #typeNames: string[] = [];

  counts(): PackedIndexCounts {
    return {
      values: this.#keys.size,
      profiles: this.#profiles.size,
      events: this.#events.size,
      edges: this.#edgeLive,
      side: this.#sideValues.size + this.#sideEnds.size + this.#sideNodes.size + this.#sideEdges.size,
    };
  }

  /**
   * The value's number in the index (-1: never held), stable until the index is dropped. The
   * readers take it as an optional second argument, so that a caller reading the same keys again
   * (the read cache, within a batch) looks each up once; it must be entryOf(key).
   */
  entryOf(key: string): number {
    return this.#keys.lookup(key);
  }

  holdsValue(key: string): boolean {
    return this.#holds(key, V_HELD);
  }

  holdsEnds(key: string): boolean {
    return this.#holds(key, E_HELD);
  }

  holdsNodes(key: string): boolean {
    return this.#holds(key, N_HELD);
  }

  holdsEdge(a: string, b: string): boolean {
    const va = this.#keys.lookup(a);
    return va >= 0 && this.#edgeTo(va, b) >= 0;
  }

  #holds(key: string, flag: number): boolean {
    const v = this.#keys.lookup(key);
    return v >= 0 && (this.#flags.get(v) & flag) !== 0;
  }

  // ---- values -------------------------------------------------------------------------------

  /** What the store answered for this value: the value, null (the store has none), undefined (not held). */
  value(key: string, v = this.entryOf(key)): StoredValue | null | undefined {
    if (v < 0) return undefined;
    const flags = this.#flags.get(v);
    if (!(flags & V_HELD)) return undefined;
    if (!(flags & V_PRESENT)) return null;
    if (flags & V_SIDE) return this.#sideValues.get(v) as StoredValue;
    return { valueKey: key, component: this.#keys.text(this.#component.get(v)), firstEvent: this.#events.ref(this.#first.get(v)) };
  }

  /** Holds what the store answered for this value; answers the value's number. */
  putValue(key: string, stored: StoredValue | null): number {
    const v = this.#entry(key);
    // Nodes and edges held in columns lean on the value's: a value read again starts from nothing.
    if (this.#flags.get(v) & V_HELD) this.forget([key]);
    let flags = this.#flags.get(v) | V_HELD;
    if (stored !== null) {
      flags |= V_PRESENT;
      if (
        hasKeys(stored, VALUE_KEYS) &&
        stored.valueKey === key &&
        typeof stored.component === 'string' &&
        isPlainObject(stored.firstEvent)
      ) {
        this.#component.set(v, this.#entry(stored.component));
        this.#first.set(v, this.#events.intern(stored.firstEvent));
      } else {
        flags |= V_SIDE;
        this.#sideValues.set(v, stored);
      }
    }
    this.#flags.set(v, flags);
    // Nodes read before their value (after a forget) wait whole in the side map until now.
    if (flags & N_SIDE) {
      const nodes = this.#sideNodes.get(v) as StoredNode[];
      if (nodes.length === 1 && this.#packNode(v, key, nodes[0] as StoredNode)) this.#sideNodes.delete(v);
    }
    return v;
  }

  // ---- line ends ----------------------------------------------------------------------------

  /** The value's stored line ends (read-only: the caller copies what it hands on), or undefined if not held. */
  ends(key: string, v = this.entryOf(key)): readonly string[] | undefined {
    if (v < 0) return undefined;
    const flags = this.#flags.get(v);
    if (!(flags & E_HELD)) return undefined;
    return flags & E_SIDE ? (this.#sideEnds.get(v) as string[]) : NO_ENDS;
  }

  /** Holds the value's line ends as the store answered them; answers the value's number. */
  putEnds(key: string, ends: readonly string[]): number {
    const v = this.#entry(key);
    const flags = this.#flags.get(v) | E_HELD;
    if (ends.length > 0) {
      this.#sideEnds.set(v, [...ends]);
      this.#flags.set(v, flags | E_SIDE);
    } else {
      this.#sideEnds.delete(v);
      this.#flags.set(v, flags & ~E_SIDE);
    }
    return v;
  }

  // ---- nodes --------------------------------------------------------------------------------

  /** The value's stored nodes (a fresh array, in the store's order), or undefined if not held. */
  nodes(key: string, v = this.entryOf(key)): StoredNode[] | undefined {
    if (v < 0) return undefined;
    const flags = this.#flags.get(v);
    if (!(flags & N_HELD)) return undefined;
    if (flags & N_SIDE) return [...(this.#sideNodes.get(v) as StoredNode[])];
    if (!(flags & N_ONE)) return [];
    const nodeKey = flags & N_KEY_EPOCH ? `${key}#0` : key;
    const colon = key.indexOf(':');
    const event = this.#events.ref(this.#first.get(v));
    let reason: unknown;
    if (flags & R_COOCCUR) {
      const anchor = this.#keys.text(this.#anchor.get(v));
      reason = { rule: 'co-occurrence', event, edge: [flags & R_ANCHOR_EPOCH ? `${anchor}#0` : anchor, nodeKey] };
    } else reason = { rule: 'first-seen', event };
    return [
      {
        nodeKey,
        valueKey: key,
        type: this.#typeName(key, colon),
        value: key.slice(colon + 1),
        epoch: 0,
        validFrom: null,
        validTo: null,
        profileId: flags & P_POOLED ? this.#profiles.text(this.#profileA.get(v)) : this.#profileId(v),
        component: this.#keys.text(this.#component.get(v)),
        reason,
      },
    ];
  }

  /** `p_` and the three columns in hex; the nodes of one person are read together, so the last few are remembered. */
  #profileId(v: number): string {
    const a = this.#profileA.get(v);
    const b = this.#profileB.get(v);
    const c = this.#profileC.get(v);
    const m = (a ^ b ^ c) & (PROFILE_MEMO - 1);
    const memo = this.#profileMemo;
    if (memo[3 * m] === a && memo[3 * m + 1] === b && memo[3 * m + 2] === c && this.#profileMemoText[m] !== undefined)
      return this.#profileMemoText[m] as string;
    const hex = hex4Table();
    const id = `p_${hex[a >>> 16] as string}${hex[a & 0xffff] as string}${hex[b >>> 16] as string}${hex[b & 0xffff] as string}${hex[c >>> 16] as string}${hex[c & 0xffff] as string}`;
    memo[3 * m] = a;
    memo[3 * m + 1] = b;
    memo[3 * m + 2] = c;
    this.#profileMemoText[m] = id;
    return id;
  }

  /** The identifier type of a key, the same string each time (types are few). */
  #typeName(key: string, colon: number): string {
    for (const t of this.#typeNames) if (t.length === colon && key.startsWith(t)) return t;
    const t = key.slice(0, colon);
    if (this.#typeNames.length < 64) this.#typeNames.push(t);
    return t;
  }

  /** Holds the value's nodes as the store answered them; answers the value's number. */
  putNodes(key: string, nodes: readonly StoredNode[]): number {
    const v = this.#entry(key);
    this.#dropNodes(v);
    this.#flags.set(v, this.#flags.get(v) | N_HELD);
    if (nodes.length === 0 || (nodes.length === 1 && this.#packNode(v, key, nodes[0] as StoredNode))) return v;
    this.#sideNodes.set(v, [...nodes]);
    this.#flags.set(v, this.#flags.get(v) | N_SIDE);
    return v;
  }

  /**
   * Holds a node in the value's columns if it has the common shape; answers whether it did. The
   * node shares the value's component and first sighting, so the value must be held in columns.
   */
  #packNode(v: number, key: string, node: StoredNode): boolean {
    const flags = this.#flags.get(v);
    if ((flags & (V_HELD | V_PRESENT | V_SIDE)) !== (V_HELD | V_PRESENT)) return false;
    if (!hasKeys(node, NODE_KEYS) || node.valueKey !== key || node.epoch !== 0 || node.validFrom !== null || node.validTo !== null)
      return false;
    const colon = key.indexOf(':');
    const { type, value, nodeKey } = node;
    if (colon < 0 || typeof type !== 'string' || typeof value !== 'string' || typeof nodeKey !== 'string') return false;
    // type and value are the key's two halves (compared without slicing it).
    if (type.length !== colon || !key.startsWith(type) || value.length !== key.length - colon - 1 || !key.endsWith(value)) return false;
    if (typeof node.profileId !== 'string' || typeof node.component !== 'string') return false;
    if (!this.#keys.matches(this.#component.get(v), node.component)) return false;
    let nodeFlags = N_HELD | N_ONE;
    if (nodeKey.length === key.length + 2 && nodeKey.endsWith('#0') && nodeKey.startsWith(key)) nodeFlags |= N_KEY_EPOCH;
    else if (nodeKey !== key) return false;
    const reason = node.reason;
    if (!isPlainObject(reason) || !isPlainObject(reason.event) || !this.#events.equals(this.#first.get(v), reason.event as never))
      return false;
    let anchor = -1;
    if (reason.rule === 'first-seen' && hasKeys(reason, FIRST_SEEN_KEYS)) {
      // first-seen: nothing more to hold
    } else if (reason.rule === 'co-occurrence' && hasKeys(reason, CO_OCCURRENCE_KEYS)) {
      const edge = reason.edge;
      if (!Array.isArray(edge) || edge.length !== 2 || edge[1] !== node.nodeKey || typeof edge[0] !== 'string') return false;
      let anchorKey = edge[0];
      if (anchorKey.endsWith('#0')) {
        anchorKey = anchorKey.slice(0, -2);
        nodeFlags |= R_ANCHOR_EPOCH;
      }
      if (anchorKey.includes('#')) return false;
      anchor = this.#entry(anchorKey);
      nodeFlags |= R_COOCCUR;
    } else return false;
    if (PROFILE_ID.test(node.profileId)) {
      this.#profileA.set(v, parseInt(node.profileId.slice(2, 10), 16));
      this.#profileB.set(v, parseInt(node.profileId.slice(10, 18), 16));
      this.#profileC.set(v, parseInt(node.profileId.slice(18, 26), 16));
    } else {
      this.#profileA.set(v, this.#profiles.intern(node.profileId));
      nodeFlags |= P_POOLED;
    }
    if (anchor >= 0) this.#anchor.set(v, anchor);
    this.#flags.set(v, (flags & ~NODE_FLAGS) | nodeFlags);
    return true;
  }

  // ---- edges --------------------------------------------------------------------------------

  /** The stored edge a|b (a < b), null (the store has none), undefined (not held). */
  edge(a: string, b: string): StoredEdge | null | undefined {
    const va = this.#keys.lookup(a);
    if (va < 0) return undefined;
    const e = this.#edgeTo(va, b);
    if (e < 0) return undefined;
    const vb = this.#eb.get(e);
    const flags = this.#eflags.get(e);
    if (!(flags & EDGE_PRESENT)) return null;
    if (flags & EDGE_SIDE) return this.#sideEdges.get(e) as StoredEdge;
    return {
      a,
      b,
      component: this.#keys.text(this.#component.get(flags & EDGE_COMP_OF_A ? va : vb)),
      first: this.#events.ref(this.#efirst.get(e)),
      last: this.#events.ref(this.#elast.get(e)),
    };
  }

  putEdge(a: string, b: string, stored: StoredEdge | null): void {
    const va = this.#entry(a);
    const vb = this.#entry(b);
    const known = this.#findEdge(va, vb);
    if (known >= 0) this.#removeEdge(known);
    const e = this.#freeEdges.pop() ?? this.#edgeCount++;
    this.#edgeLive++;
    this.#ea.set(e, va);
    this.#eb.set(e, vb);
    let flags = 0;
    if (stored !== null) {
      flags |= EDGE_PRESENT;
      // The component is its ends' values' (they are relabelled together): held as a flag.
      const compOf = typeof stored.component === 'string' ? this.#endWithComponent(va, vb, stored.component) : undefined;
      if (
        compOf !== undefined &&
        hasKeys(stored, EDGE_KEYS) &&
        stored.a === a &&
        stored.b === b &&
        isPlainObject(stored.first) &&
        isPlainObject(stored.last)
      ) {
        if (compOf === 'a') flags |= EDGE_COMP_OF_A;
        this.#efirst.set(e, this.#events.intern(stored.first));
        this.#elast.set(e, this.#events.intern(stored.last));
      } else {
        flags |= EDGE_SIDE;
        this.#sideEdges.set(e, stored);
      }
    }
    this.#eflags.set(e, flags);
    // Linked into the lists of both ends, so that forgetting either finds it.
    this.#enextA.set(e, this.#edgeHead.get(va));
    this.#edgeHead.set(va, e + 1);
    if (vb !== va) {
      this.#enextB.set(e, this.#edgeHead.get(vb));
      this.#edgeHead.set(vb, e + 1);
    }
  }

  /** Which end's value, held in columns, has this component (a value read again drops its edges first). */
  #endWithComponent(va: number, vb: number, component: string): 'a' | 'b' | undefined {
    const has = (v: number): boolean =>
      (this.#flags.get(v) & (V_HELD | V_PRESENT | V_SIDE)) === (V_HELD | V_PRESENT) &&
      this.#keys.matches(this.#component.get(v), component);
    return has(va) ? 'a' : has(vb) ? 'b' : undefined;
  }

  // ---- the steady case ----------------------------------------------------------------------

  /**
   * The value's number when all the identity stage reads of it is held in columns — the value
   * (component, first sighting), no line ends, one node of epoch 0 without validity limits — and
   * -1 otherwise (not held, absent from the store, kept whole, any other shape). The stage answers
   * an event whose values are all steady, and that brings nothing new, from these alone.
   */
  steadyValue(key: string): number {
    const v = this.#keys.lookup(key);
    if (v < 0) return -1;
    const flags = this.#flags.get(v);
    const steady = V_HELD | V_PRESENT | E_HELD | N_HELD | N_ONE;
    return (flags & (steady | V_SIDE | E_SIDE | N_SIDE)) === steady ? v : -1;
  }

  /** The first sighting of a steady value. */
  steadyFirst(v: number): EventRef {
    return this.#events.ref(this.#first.get(v));
  }

  /** Whether a steady value's node key is `value#0` (a line type's) rather than the value itself. */
  steadyNodeHasEpoch(v: number): boolean {
    return (this.#flags.get(v) & N_KEY_EPOCH) !== 0;
  }

  /** The profile of a steady value's node. */
  steadyProfile(v: number): string {
    return this.#flags.get(v) & P_POOLED ? this.#profiles.text(this.#profileA.get(v)) : this.#profileId(v);
  }

  /** The first sighting of the stored edge a|b (a < b) when it is held in columns; undefined otherwise. */
  steadyEdgeFirst(va: number, b: string): EventRef | undefined {
    const e = this.#edgeTo(va, b);
    if (e < 0 || (this.#eflags.get(e) & (EDGE_PRESENT | EDGE_SIDE)) !== EDGE_PRESENT) return undefined;
    return this.#events.ref(this.#efirst.get(e));
  }

  // ---- forgetting ---------------------------------------------------------------------------

  /** Forgets these values (value, ends, nodes) and every edge that touches one of them. */
  forget(keys: Iterable<string>): void {
    for (const key of keys) {
      const v = this.#keys.lookup(key);
      if (v < 0) continue;
      this.#dropValue(v);
      this.#dropNodes(v);
      this.#sideEnds.delete(v);
      this.#flags.set(v, 0);
      for (let head = this.#edgeHead.get(v); head !== 0; head = this.#edgeHead.get(v)) this.#removeEdge(head - 1);
    }
  }

  /** The pool number of a value (interned); a new one comes with empty columns. Every string of #keys goes through here. */
  #entry(key: string): number {
    const before = this.#keys.size;
    const v = this.#keys.intern(key);
    if (v === before) {
      this.#flags.set(v, 0);
      this.#edgeHead.set(v, 0);
    }
    return v;
  }

  /** Only called from forget: nodes and edges held in columns lean on the value's columns. */
  #dropValue(v: number): void {
    const flags = this.#flags.get(v);
    if ((flags & (V_HELD | V_PRESENT | V_SIDE)) === (V_HELD | V_PRESENT)) this.#events.release(this.#first.get(v));
    this.#sideValues.delete(v);
    this.#flags.set(v, flags & ~(V_HELD | V_PRESENT | V_SIDE));
  }

  #dropNodes(v: number): void {
    this.#sideNodes.delete(v);
    this.#flags.set(v, this.#flags.get(v) & ~NODE_FLAGS);
  }

  /** The edge record va|b, found in va's list by comparing b with each edge's other end (exactly, as a string). */
  #edgeTo(va: number, b: string): number {
    for (let head = this.#edgeHead.get(va); head !== 0;) {
      const e = head - 1;
      const ea = this.#ea.get(e);
      if (ea === va && this.#keys.matches(this.#eb.get(e), b)) return e;
      head = ea === va ? this.#enextA.get(e) : this.#enextB.get(e);
    }
    return -1;
  }

  /** The edge record va|vb, found in va's list (a value has few edges: the component cap bounds them). */
  #findEdge(va: number, vb: number): number {
    for (let head = this.#edgeHead.get(va); head !== 0;) {
      const e = head - 1;
      const ea = this.#ea.get(e);
      if (ea === va && this.#eb.get(e) === vb) return e;
      head = ea === va ? this.#enextA.get(e) : this.#enextB.get(e);
    }
    return -1;
  }

  #removeEdge(e: number): void {
    const va = this.#ea.get(e);
    const vb = this.#eb.get(e);
    this.#unlink(va, e);
    if (vb !== va) this.#unlink(vb, e);
    const flags = this.#eflags.get(e);
    if ((flags & (EDGE_PRESENT | EDGE_SIDE)) === EDGE_PRESENT) {
      this.#events.release(this.#efirst.get(e));
      this.#events.release(this.#elast.get(e));
    }
    this.#sideEdges.delete(e);
    this.#eflags.set(e, 0);
    this.#freeEdges.push(e);
    this.#edgeLive--;
  }

  /** Takes edge e out of value v's list (short: a value has few edges). */
  #unlink(v: number, e: number): void {
    const nextOf = (edge: number): number => (this.#ea.get(edge) === v ? this.#enextA.get(edge) : this.#enextB.get(edge));
    let head = this.#edgeHead.get(v);
    if (head === e + 1) {
      this.#edgeHead.set(v, nextOf(e));
      return;
    }
    while (head !== 0) {
      const edge = head - 1;
      const next = nextOf(edge);
      if (next === e + 1) {
        if (this.#ea.get(edge) === v) this.#enextA.set(edge, nextOf(e));
        else this.#enextB.set(edge, nextOf(e));
        return;
      }
      head = next;
    }
  }
}
