import type { AccountTruth, IdentifierTruth, LineTruth } from '../simulator/index.js';
import { DEFAULT_IDENTIFIER_REGISTRY, isIdentifierType, isMergeKeyClass, type IdentifierRegistry } from './identifier-types.js';

/*
 * The identity-quality report (pure): how the resolved graph's clustering compares with the
 * simulator's ground truth. The unit judged is an *occurrence*: an identifier value over one period
 * of the truth (a recycled number is two occurrences, one per holder). Each occurrence has its true
 * person and the profile Tessera put it in; the scores are pairwise over occurrences.
 */

export interface Occurrence {
  readonly type: string;
  readonly value: string;
  readonly truePerson: string;
  /** The profile of the node covering the occurrence; null when no node does (never seen, or blocked). */
  readonly predicted: string | null;
  /**
   * The value is legitimately shared (family e-mail, it@ address, family tablet). A node has one
   * profile, so a shared value cannot be "right" for all its holders: it is not judged itself; the
   * holders' other identifiers show whether it merged them.
   */
  readonly shared: boolean;
  /** Scenario tags of the true person (recycled, sim_swap, family, …). */
  readonly scenarios: readonly string[];
}

export interface PairwiseScores {
  /** Occurrences judged (resolved and not shared) that the figures count. */
  readonly occurrences: number;
  /** Pairs in one true person / in one predicted profile / in both. */
  readonly truePairs: number;
  readonly predictedPairs: number;
  readonly correctPairs: number;
  /** correct / predicted; 1 when nothing was claimed. */
  readonly precision: number;
  /** correct / true; 1 when there is nothing to find. */
  readonly recall: number;
  readonly f1: number;
}

export interface MergeExample {
  readonly profile: string;
  readonly persons: readonly { readonly person: string; readonly identifiers: readonly string[] }[];
}

export interface SplitExample {
  readonly person: string;
  readonly profiles: readonly { readonly profile: string; readonly identifiers: readonly string[] }[];
}

export interface IdentityReport {
  readonly overall: PairwiseScores;
  /** Occurrences in the truth that could be judged (not shared) and of those, how many a node covered. */
  readonly judgeable: number;
  readonly resolved: number;
  readonly shared: number;
  /** Identifiers in the largest profile (nodes, when the caller passes profile sizes). */
  readonly largestComponent: number;
  readonly profiles: number;
  readonly persons: number;
  /** Profiles holding two true persons who held the same (recycled) value. Must be 0. */
  readonly mergesAcrossRecycle: number;
  readonly perScenario: Readonly<Record<string, PairwiseScores & { readonly persons: number }>>;
  /** The worst offenders, to debug with: profiles mixing the most persons, persons split the most. */
  readonly worstMerges: readonly MergeExample[];
  readonly worstSplits: readonly SplitExample[];
  readonly recycleMerges: readonly MergeExample[];
}

const pairs = (n: number): number => (n * (n - 1)) / 2;

interface Counts {
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
}

/** Pair counts from group sizes per true person, per predicted profile and per (true, predicted) cell. */
const countPairs = (items: readonly Occurrence[]): Counts => {
  const byTrue = new Map<string, number>();
  const byPredicted = new Map<string, number>();
  const byCell = new Map<string, number>();
  for (const o of items) {
    const predicted = o.predicted as string;
    byTrue.set(o.truePerson, (byTrue.get(o.truePerson) ?? 0) + 1);
    byPredicted.set(predicted, (byPredicted.get(predicted) ?? 0) + 1);
    const cell = `${o.truePerson}\u0000${predicted}`;
    byCell.set(cell, (byCell.get(cell) ?? 0) + 1);
  }
  const sum = (m: Map<string, number>): number => {
    let total = 0;
    for (const n of m.values()) total += pairs(n);
    return total;
  };
  return { truePairs: sum(byTrue), predictedPairs: sum(byPredicted), correctPairs: sum(byCell) };
};

const scoresOf = (occurrences: number, c: Counts): PairwiseScores => {
  const precision = c.predictedPairs === 0 ? 1 : c.correctPairs / c.predictedPairs;
  const recall = c.truePairs === 0 ? 1 : c.correctPairs / c.truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { occurrences, ...c, precision, recall, f1 };
};

/**
 * Pairwise scores of the pairs that touch a subset (at least one occurrence in it): all pairs minus
 * the pairs entirely outside it. A wrong merge of a subset's person with anyone counts against it.
 */
const scoresTouching = (judged: readonly Occurrence[], inSubset: (o: Occurrence) => boolean): PairwiseScores => {
  const all = countPairs(judged);
  const outside = countPairs(judged.filter((o) => !inSubset(o)));
  return scoresOf(judged.filter(inSubset).length, {
    truePairs: all.truePairs - outside.truePairs,
    predictedPairs: all.predictedPairs - outside.predictedPairs,
    correctPairs: all.correctPairs - outside.correctPairs,
  });
};

const idOf = (o: Occurrence): string => `${o.type}:${o.value}`;

/**
 * Scores a clustering against the truth. `profileSizes` (profile → node count) gives the largest
 * component as stored; without it, occurrences are counted.
 */
export const identityReport = (
  occurrences: readonly Occurrence[],
  options: { readonly profileSizes?: ReadonlyMap<string, number>; readonly examples?: number } = {},
): IdentityReport => {
  const examples = options.examples ?? 5;
  const judgeable = occurrences.filter((o) => !o.shared);
  const judged = judgeable.filter((o) => o.predicted !== null);
  const overall = scoresOf(judged.length, countPairs(judged));

  const scenarioNames = [...new Set(occurrences.flatMap((o) => o.scenarios))].sort();
  const perScenario: Record<string, PairwiseScores & { persons: number }> = {};
  for (const name of scenarioNames) {
    const persons = new Set(occurrences.filter((o) => o.scenarios.includes(name)).map((o) => o.truePerson));
    perScenario[name] = { ...scoresTouching(judged, (o) => o.scenarios.includes(name)), persons: persons.size };
  }

  // Who is where: profile → person → identifiers, and the reverse.
  const members = new Map<string, Map<string, string[]>>();
  const placements = new Map<string, Map<string, string[]>>();
  const put = (m: Map<string, Map<string, string[]>>, a: string, b: string, id: string): void => {
    let inner = m.get(a);
    if (!inner) m.set(a, (inner = new Map<string, string[]>()));
    const list = inner.get(b);
    if (list) list.push(id);
    else inner.set(b, [id]);
  };
  for (const o of judged) {
    put(members, o.predicted as string, o.truePerson, idOf(o));
    put(placements, o.truePerson, o.predicted as string, idOf(o));
  }
  const mergeExample = (profile: string): MergeExample => ({
    profile,
    persons: [...(members.get(profile) ?? new Map<string, string[]>())].map(([person, identifiers]) => ({ person, identifiers })),
  });

  // A value held by several true persons (not shared) changed hands: a recycled number.
  const holders = new Map<string, Set<string>>();
  for (const o of judgeable) holders.set(idOf(o), (holders.get(idOf(o)) ?? new Set()).add(o.truePerson));
  const acrossRecycle = new Set<string>();
  for (const group of holders.values()) {
    if (group.size < 2) continue;
    const list = [...group];
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = placements.get(list[i] as string);
        const b = placements.get(list[j] as string);
        if (!a || !b) continue;
        for (const profile of a.keys()) if (b.has(profile)) acrossRecycle.add(profile);
      }
    }
  }

  let largestComponent = 0;
  if (options.profileSizes) for (const n of options.profileSizes.values()) largestComponent = Math.max(largestComponent, n);
  else {
    const sizes = new Map<string, number>();
    for (const o of occurrences) if (o.predicted !== null) sizes.set(o.predicted, (sizes.get(o.predicted) ?? 0) + 1);
    for (const n of sizes.values()) largestComponent = Math.max(largestComponent, n);
  }

  const worstMerges = [...members]
    .filter(([, persons]) => persons.size > 1)
    .sort(([pa, a], [pb, b]) => b.size - a.size || (pa < pb ? -1 : 1))
    .slice(0, examples)
    .map(([profile]) => mergeExample(profile));
  const worstSplits = [...placements]
    .filter(([, profiles]) => profiles.size > 1)
    .sort(([pa, a], [pb, b]) => b.size - a.size || (pa < pb ? -1 : 1))
    .slice(0, examples)
    .map(([person, profiles]) => ({ person, profiles: [...profiles].map(([profile, identifiers]) => ({ profile, identifiers })) }));

  return {
    overall,
    judgeable: judgeable.length,
    resolved: judged.length,
    shared: occurrences.length - judgeable.length,
    largestComponent,
    profiles: members.size,
    persons: placements.size,
    mergesAcrossRecycle: acrossRecycle.size,
    perScenario,
    worstMerges,
    worstSplits,
    recycleMerges: [...acrossRecycle].sort().slice(0, examples).map(mergeExample),
  };
};

// ---- Joining the simulator's truth with the resolved graph (pure) ----

/** What a report needs of the truth: the identifier periods and enough to tag persons with scenarios. */
export interface IdentityTruth {
  readonly identifiers: readonly IdentifierTruth[];
  readonly lines: readonly LineTruth[];
  readonly accounts: readonly AccountTruth[];
}

/** A stored node, as `identity_nodes` holds it: validity (valid_from, valid_to], null when open. */
export interface ResolvedNode {
  readonly valueKey: string;
  readonly validFrom: string | null;
  readonly validTo: string | null;
  readonly profileId: string;
}

/** The scenarios each true person is part of, from the truth's lines, accounts and shared values. */
export const scenarioTagsOf = (truth: IdentityTruth): Map<string, Set<string>> => {
  const tags = new Map<string, Set<string>>();
  const tag = (person: string, name: string): void => {
    tags.set(person, (tags.get(person) ?? new Set()).add(name));
  };
  for (const line of truth.lines) {
    if (line.recycledTo) {
      tag(line.personId, 'recycled');
      tag(line.recycledTo.personId, 'recycled');
    }
    if (line.previousOwner) {
      tag(line.personId, 'recycled');
      tag(line.previousOwner.personId, 'recycled');
    }
    if (line.simSwapAt !== null) tag(line.personId, 'sim_swap');
    if (line.activation === 'port_in' || line.churnKind === 'port_out') tag(line.personId, 'ported');
    if (line.activation === 'new') tag(line.personId, 'new_line');
    if (line.churnKind === 'termination') tag(line.personId, 'terminated');
    if (line.simType === 'esim') tag(line.personId, 'esim');
  }
  for (const account of truth.accounts) {
    const name = account.kind === 'b2b' ? 'corporate' : account.kind;
    for (const person of account.personIds) tag(person, name);
  }
  for (const id of truth.identifiers) {
    if (!id.shared) continue;
    if (id.type === 'email') tag(id.personId, 'shared_email');
    if (id.type === 'deviceId') tag(id.personId, 'shared_device');
  }
  return tags;
};

/**
 * Occurrences of the truth's merge-key identifiers (devices and accounts are never nodes), each
 * with the profile of the node whose validity covers the midpoint of its truth period — robust to
 * the minute between a termination and the truth's end of validity. `windowEnd` closes open periods.
 */
export const occurrencesOf = (
  truth: IdentityTruth,
  nodes: readonly ResolvedNode[],
  windowEnd: string,
  /** Ingestion's normalisation (the truth keeps values as the simulator wrote them: `4480 610083`). */
  normalise: (type: string, value: string) => string = (_type, value) => value,
  /** The registry the graph was resolved with: which types are merge keys. */
  types: IdentifierRegistry = DEFAULT_IDENTIFIER_REGISTRY,
): { occurrences: Occurrence[]; unmatchedNodes: ResolvedNode[] } => {
  const isMergeKey = (type: string): boolean => isIdentifierType(type) && isMergeKeyClass(types[type].class);
  const tags = scenarioTagsOf(truth);
  const keyOf = (id: IdentifierTruth): string => `${id.type}:${normalise(id.type, id.value)}`;
  const nodesOfValue = new Map<string, ResolvedNode[]>();
  for (const n of nodes) {
    const list = nodesOfValue.get(n.valueKey);
    if (list) list.push(n);
    else nodesOfValue.set(n.valueKey, [n]);
  }
  const sharedValues = new Set(truth.identifiers.filter((id) => id.shared).map(keyOf));
  const matched = new Set<ResolvedNode>();
  const occurrences: Occurrence[] = [];
  for (const id of truth.identifiers) {
    if (!isMergeKey(id.type)) continue;
    const key = keyOf(id);
    const from = Date.parse(id.validFrom);
    const to = Date.parse(id.validTo ?? windowEnd);
    const mid = new Date(from + Math.max(0, to - from) / 2).toISOString();
    const node = nodesOfValue
      .get(key)
      ?.find((n) => (n.validFrom === null || n.validFrom < mid) && (n.validTo === null || mid <= n.validTo));
    if (node) matched.add(node);
    occurrences.push({
      type: id.type,
      value: normalise(id.type, id.value),
      truePerson: id.personId,
      predicted: node?.profileId ?? null,
      shared: sharedValues.has(key),
      scenarios: [...(tags.get(id.personId) ?? [])].sort(),
    });
  }
  return { occurrences, unmatchedNodes: nodes.filter((n) => !matched.has(n)) };
};
