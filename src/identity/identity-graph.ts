import type { IdentifierTypeName } from '../contracts/index.js';
import { DEFAULT_IDENTIFIER_REGISTRY, hasEpochs, type IdentifierLimit, type IdentifierRegistry } from './identifier-types.js';
import type { EventRef, IdRef, Observation } from './observe.js';

/** The rules the graph applies (decision 0007); defaults in DEFAULT_GRAPH_RULES. */
export interface GraphRules {
  /** Most identifiers one person may gather; a merge past it is refused with an alert. */
  readonly componentCap: number;
  /** Per identifier type: class, priority, limit per person and window, TTL (identifier-types.ts). */
  readonly types: IdentifierRegistry;
}

export const DEFAULT_GRAPH_RULES: GraphRules = {
  componentCap: 50,
  types: DEFAULT_IDENTIFIER_REGISTRY,
};

export interface GraphInput {
  readonly observations: readonly Observation[];
  /** End times of line identifiers, keyed `type:value` (ends of values whose type is no line are ignored). */
  readonly lineEnds: ReadonlyMap<string, readonly string[]>;
  /** `type:value` of values that are no merge key (operator-blocked or auto-blocked). */
  readonly blocked: ReadonlySet<string>;
  /** Removed links, as `nodeKey|nodeKey` with the two keys sorted. */
  readonly removedLinks: ReadonlySet<string>;
}

export interface GraphNode {
  readonly key: string;
  readonly type: IdentifierTypeName;
  readonly value: string;
  readonly epoch: number;
  /** The epoch's bounds (exclusive start, inclusive end); null when open. A value with a TTL closes its last epoch at its expiry. */
  readonly validFrom: string | null;
  readonly validTo: string | null;
}

/**
 * Why a node is where it is: a person's oldest node was first seen in an event; every other
 * cluster that joined records the event and the edge (two nodes seen together) that joined it.
 */
export interface LinkReason {
  readonly rule: 'first-seen' | 'co-occurrence';
  readonly event: EventRef;
  readonly edge?: readonly [string, string];
}

export interface Person {
  readonly nodes: readonly GraphNode[];
  /** Why each node belongs: the first event that brought it in. */
  readonly reasons: ReadonlyMap<string, LinkReason>;
  readonly firstSeen: EventRef;
}

export interface GraphFinding {
  readonly kind: 'person-unique-conflict' | 'limit-demoted' | 'weak-bridge' | 'component-cap' | 'blocked-value' | 'removed-link';
  readonly event: EventRef;
  readonly nodes: readonly string[];
  readonly message: string;
}

export interface GraphResult {
  readonly persons: readonly Person[];
  readonly findings: readonly GraphFinding[];
  /** The node an occurrence of a value at a time belongs to (undefined for blocked values). */
  nodeOf(id: IdRef, at: string): string | undefined;
}

export const valueKey = (id: IdRef): string => `${id.type}:${id.value}`;
export const linkKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

const DAY_MS = 86_400_000;
const typeOfKey = (key: string): IdentifierTypeName => key.slice(0, key.indexOf(':')) as IdentifierTypeName;

/** End events of one value closer than this are one boundary (a port-out and its termination). */
export const LINE_END_COLLAPSE_MS = 60 * 60 * 1000;

/**
 * A value's epoch boundaries from its end events: sorted, and ends closer than an hour collapsed
 * into the latest of them, so that the events of one closing (port-out, then the termination a
 * minute later) all stay in the holder's epoch. A number is never given to a new holder within an
 * hour of its end.
 */
export const lineBoundaries = (ends: readonly string[] | undefined): string[] => {
  const sorted = [...new Set(ends ?? [])].sort();
  const out: string[] = [];
  for (const end of sorted) {
    const last = out.at(-1);
    if (last !== undefined && Date.parse(end) - Date.parse(last) <= LINE_END_COLLAPSE_MS) out[out.length - 1] = end;
    else out.push(end);
  }
  return out;
};

/**
 * The boundaries of a value whose type has a TTL, from when its links were seen (pure). A link —
 * the value seen with another merge key — is alive from its first sighting to its last plus the
 * TTL, and so is the value's own first sighting. Where no link is alive the value has expired: its
 * next sighting starts a new epoch, a node unlinked from the old person. The last alive span
 * closes too, so that the value alone resolves nothing past its expiry. Only event times count,
 * never the clock: a rebuild draws the same boundaries.
 */
export const ttlBoundaries = (spans: readonly (readonly [string, string])[], ttlDays: number): string[] => {
  const ttlMs = ttlDays * DAY_MS;
  const sorted = spans.map(([from, to]) => [Date.parse(from), Date.parse(to) + ttlMs] as const).sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let end: number | undefined;
  for (const [from, to] of sorted) {
    if (end !== undefined && from > end) out.push(new Date(end).toISOString());
    end = end === undefined || from > end ? to : Math.max(end, to);
  }
  if (end !== undefined) out.push(new Date(end).toISOString());
  return out;
};

/** The epoch of a time among boundaries: epoch k covers (boundaries[k-1], boundaries[k]]. */
export const epochAt = (boundaries: readonly string[], at: string): number => {
  let epoch = 0;
  while (epoch < boundaries.length && (boundaries[epoch] as string) < at) epoch++;
  return epoch;
};

/** Canonical order: event time, then source and event id. Arrival order never matters. */
export const compareEvents = (a: EventRef, b: EventRef): number =>
  a.at < b.at
    ? -1
    : a.at > b.at
      ? 1
      : a.sourceId < b.sourceId
        ? -1
        : a.sourceId > b.sourceId
          ? 1
          : a.eventId < b.eventId
            ? -1
            : a.eventId > b.eventId
              ? 1
              : 0;

interface Cluster {
  size: number;
  /** Line identifiers held: a line is a person's anchor, so two lines need strong evidence to join. */
  lines: number;
  unique: Map<IdentifierTypeName, string>;
  /** First-seen times of the identifiers of each type that has a limit. */
  limited: Map<IdentifierTypeName, string[]>;
}

/**
 * The epoch boundaries of every value that has them: a line's from its end events, a value with
 * a TTL from the spans its links were seen over (both, merged, for a line type given a TTL).
 */
const epochBoundaries = (
  observations: readonly Observation[],
  lineEnds: ReadonlyMap<string, readonly string[]>,
  types: IdentifierRegistry,
): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  for (const [key, ends] of lineEnds) if (types[typeOfKey(key)].class === 'line') out.set(key, lineBoundaries(ends));
  // The spans the pipeline stores: each value's first sighting, and each link's first and last
  // sighting — a link being the event's strongest key with each other key, as the stage's edges.
  const hasTtl = (id: IdRef): boolean => types[id.type].ttlDays !== null;
  const firstSight = new Map<string, string>();
  const links = new Map<string, [string, string]>();
  for (const o of observations) {
    const [anchor, ...others] = o.keys;
    if (anchor === undefined) continue;
    for (const id of o.keys) {
      const known = firstSight.get(valueKey(id));
      if (hasTtl(id) && (known === undefined || o.event.at < known)) firstSight.set(valueKey(id), o.event.at);
    }
    for (const other of others) {
      if (!hasTtl(anchor) && !hasTtl(other)) continue;
      const link = linkKey(valueKey(anchor), valueKey(other));
      const span = links.get(link);
      if (!span) links.set(link, [o.event.at, o.event.at]);
      else if (o.event.at < span[0]) span[0] = o.event.at;
      else if (o.event.at > span[1]) span[1] = o.event.at;
    }
  }
  const spans = new Map<string, (readonly [string, string])[]>([...firstSight].map(([key, at]) => [key, [[at, at] as const]]));
  for (const [link, span] of links) for (const end of link.split('|')) spans.get(end)?.push(span);
  for (const [key, list] of spans) {
    const ttl = ttlBoundaries(list, types[typeOfKey(key)].ttlDays as number);
    out.set(key, [...new Set([...(out.get(key) ?? []), ...ttl])].sort());
  }
  return out;
};

/**
 * Resolves a set of observations into persons (pure). Nodes are values, split into epochs for line
 * identifiers and identifiers with a TTL; observations are applied in canonical order by a
 * union-find whose guards refuse person-unique conflicts, limit overruns, cap overruns and removed
 * links. The same observations in any order, with duplicates, give the same result.
 */
export const resolveGraph = (input: GraphInput, rules: GraphRules = DEFAULT_GRAPH_RULES): GraphResult => {
  const { types } = rules;
  const classOf = (type: IdentifierTypeName) => types[type].class;
  const seen = new Set<string>();
  const observations = input.observations
    .filter((o) => {
      const k = `${o.event.sourceId}\u0000${o.event.eventId}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => compareEvents(a.event, b.event));

  const boundaries = epochBoundaries(observations, input.lineEnds, types);
  const nodeOf = (id: IdRef, at: string): string | undefined => {
    const vk = valueKey(id);
    if (input.blocked.has(vk)) return undefined;
    if (!hasEpochs(types[id.type])) return vk;
    return `${vk}#${epochAt(boundaries.get(vk) ?? [], at)}`;
  };
  const nodeInfo = (key: string): GraphNode => {
    const [typeValue, epochText] = key.split('#') as [string, string | undefined];
    const colon = typeValue.indexOf(':');
    const type = typeValue.slice(0, colon) as IdentifierTypeName;
    const value = typeValue.slice(colon + 1);
    const epoch = epochText === undefined ? 0 : Number(epochText);
    const ends = epochText === undefined ? undefined : boundaries.get(typeValue);
    return { key, type, value, epoch, validFrom: ends?.[epoch - 1] ?? null, validTo: ends?.[epoch] ?? null };
  };
  const limits = (Object.keys(types) as IdentifierTypeName[]).flatMap((type): [IdentifierTypeName, IdentifierLimit][] => {
    const limit = types[type].limit;
    return limit ? [[type, limit]] : [];
  });
  const isContact = (nodeKey: string): boolean => classOf(typeOfKey(nodeKey)) === 'contact';

  const parent = new Map<string, string>();
  const clusters = new Map<string, Cluster>();
  const reasons = new Map<string, LinkReason>();
  const firstSeen = new Map<string, EventRef>();
  const findings: GraphFinding[] = [];
  const reportedBlocked = new Set<string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    let node = key;
    while (node !== root) {
      const next = parent.get(node) as string;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const ensure = (key: string, event: EventRef): void => {
    if (parent.has(key)) return;
    parent.set(key, key);
    const info = nodeInfo(key);
    clusters.set(key, {
      size: 1,
      lines: classOf(info.type) === 'line' ? 1 : 0,
      unique: classOf(info.type) === 'person-unique' ? new Map([[info.type, info.value]]) : new Map(),
      limited: types[info.type].limit ? new Map([[info.type, [event.at]]]) : new Map(),
    });
    reasons.set(key, { rule: 'first-seen', event });
    firstSeen.set(key, event);
  };

  const refusal = (a: Cluster, b: Cluster, at: string, weak: boolean): { kind: GraphFinding['kind']; message: string } | undefined => {
    for (const [type, value] of b.unique) {
      const other = a.unique.get(type);
      if (other !== undefined && other !== value)
        return { kind: 'person-unique-conflict', message: `one person cannot have two ${type} values (${other}, ${value})` };
    }
    for (const [type, limit] of limits) {
      const since = new Date(Date.parse(at) - limit.windowDays * DAY_MS).toISOString();
      const recent = [...(a.limited.get(type) ?? []), ...(b.limited.get(type) ?? [])].filter((t) => t >= since).length;
      if (recent > limit.max)
        return {
          kind: 'limit-demoted',
          message: `more than ${limit.max} ${type} values within ${limit.windowDays} days: demoted, not merged`,
        };
    }
    // A contact value (an email) may be a household's or an office's: it links an identifier to
    // a person, but never joins two persons that each already hold a line.
    if (weak && a.lines > 0 && b.lines > 0) {
      return { kind: 'weak-bridge', message: 'a contact identifier alone does not join two persons who each hold a line' };
    }
    if (a.size + b.size > rules.componentCap) {
      return { kind: 'component-cap', message: `merging ${a.size} and ${b.size} identifiers would pass the cap of ${rules.componentCap}` };
    }
    return undefined;
  };

  for (const observation of observations) {
    const { event } = observation;
    const nodes: string[] = [];
    for (const id of observation.keys) {
      const node = nodeOf(id, event.at);
      if (node === undefined) {
        // Reported once, at its first sighting in canonical order.
        if (!reportedBlocked.has(valueKey(id))) {
          reportedBlocked.add(valueKey(id));
          findings.push({
            kind: 'blocked-value',
            event,
            nodes: [valueKey(id)],
            message: `${valueKey(id)} is blocked: not used as a merge key`,
          });
        }
        continue;
      }
      ensure(node, event);
      if (!nodes.includes(node)) nodes.push(node);
    }
    const [anchor, ...others] = nodes;
    if (anchor === undefined) continue;
    for (const node of others) {
      const ra = find(anchor);
      const rb = find(node);
      if (ra === rb) continue;
      if (input.removedLinks.has(linkKey(anchor, node))) {
        findings.push({ kind: 'removed-link', event, nodes: [anchor, node], message: 'the link was removed by an operator' });
        continue;
      }
      const a = clusters.get(ra) as Cluster;
      const b = clusters.get(rb) as Cluster;
      const weak = isContact(anchor) || isContact(node);
      const refused = refusal(a, b, event.at, weak);
      if (refused) {
        findings.push({ ...refused, event, nodes: [anchor, node] });
        continue;
      }
      // Union by the earlier first-seen, so the root is the cluster's oldest node.
      const [root, child] = compareEvents(firstSeen.get(ra) as EventRef, firstSeen.get(rb) as EventRef) <= 0 ? [ra, rb] : [rb, ra];
      const into = clusters.get(root) as Cluster;
      const from = clusters.get(child) as Cluster;
      parent.set(child, root);
      into.size += from.size;
      into.lines += from.lines;
      for (const [type, value] of from.unique) into.unique.set(type, value);
      for (const [type, times] of from.limited) into.limited.set(type, [...(into.limited.get(type) ?? []), ...times]);
      clusters.delete(child);
      // The absorbed cluster's oldest node records the edge that joined its whole cluster.
      reasons.set(child, { rule: 'co-occurrence', event, edge: [anchor, node] });
    }
  }

  const members = new Map<string, GraphNode[]>();
  for (const key of parent.keys()) {
    const root = find(key);
    members.set(root, [...(members.get(root) ?? []), nodeInfo(key)]);
  }
  const persons: Person[] = [...members.entries()]
    .map(([root, nodes]) => ({
      nodes: nodes.sort(
        (x, y) => compareEvents(firstSeen.get(x.key) as EventRef, firstSeen.get(y.key) as EventRef) || (x.key < y.key ? -1 : 1),
      ),
      reasons: new Map(nodes.map((n) => [n.key, reasons.get(n.key) as LinkReason])),
      firstSeen: firstSeen.get(root) as EventRef,
    }))
    .sort((x, y) => compareEvents(x.firstSeen, y.firstSeen));
  return { persons, findings, nodeOf };
};
