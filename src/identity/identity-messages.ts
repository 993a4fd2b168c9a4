import { sha256Hex } from '../core/hash.js';
import { compareEvents, type GraphFinding, type Person } from './identity-graph.js';
import type { EventRef, Observation } from './observe.js';

/*
 * The outbox rows identity resolution writes: `profile.merged`, `profile.split`,
 * `identity.sim_swap`. Their ids are derived from what they describe — the message type, the
 * profiles, and the event that decided it — and they are inserted with ON CONFLICT DO NOTHING, so
 * a rebuild from the log (`tessera identity rebuild`), which takes the same decisions again,
 * writes no row a second time and consumers get no duplicates.
 */

export type IdentityMessageType = 'profile.merged' | 'profile.split' | 'identity.sim_swap';

export interface IdentityMessage {
  readonly id: string;
  readonly type: IdentityMessageType;
  /** The profile the message is about. */
  readonly subject: string;
  readonly data: unknown;
}

/**
 * An event names itself by source and event id, the key the log deduplicates by: the same in a
 * rebuild, and in a log filled again from the same sources.
 */
const eventName = (event: EventRef | undefined): string => (event ? `${event.sourceId}/${event.eventId}` : '');

export const messageId = (type: IdentityMessageType, ...parts: readonly string[]): string =>
  `ob_${sha256Hex([type, ...parts].join('\u0000')).slice(0, 32)}`;

/** A SIM swap is one event: its message is named by that event alone. */
export const simSwapMessage = (observation: Observation, profileId: string): IdentityMessage | undefined => {
  if (!observation.simSwap) return undefined;
  return {
    id: messageId('identity.sim_swap', eventName(observation.event)),
    type: 'identity.sim_swap',
    subject: profileId,
    data: { profileId, at: observation.event.at, ...observation.simSwap },
  };
};

/**
 * The event whose link, in canonical order, brought every group of nodes into one set: for a
 * merge, the link that joined the absorbed profiles' nodes to the survivor's. A person's link
 * reasons form a spanning tree of it (one per union), so replaying them always connects it.
 */
export const joiningEvent = (person: Person, groups: readonly (readonly string[])[]): EventRef | undefined => {
  const members = groups.flat();
  if (members.length < 2) return undefined;
  const parent = new Map(person.nodes.map((n) => [n.key, n.key]));
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root && parent.has(root)) root = parent.get(root) as string;
    return root;
  };
  const links = [...person.reasons.values()]
    .filter((r): r is Required<typeof r> => r.rule === 'co-occurrence' && r.edge !== undefined)
    .sort((a, b) => compareEvents(a.event, b.event));
  for (const link of links) {
    const [a, b] = link.edge;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
    const root = find(members[0] as string);
    if (members.every((m) => find(m) === root)) return link.event;
  }
  return undefined;
};

/**
 * `profile.merged`, named by the survivor, the absorbed profiles and the event that joined them. The
 * event tells two merges of the same profiles apart (merged, split by a link removal, merged again
 * through another link).
 */
export const mergeMessage = (
  merge: { readonly survivor: string; readonly absorbed: readonly string[] },
  person: Person | undefined,
  previousProfileOf: (nodeKey: string) => string | undefined,
): IdentityMessage => {
  const groups = [merge.survivor, ...merge.absorbed].map(
    (profileId) => person?.nodes.filter((n) => previousProfileOf(n.key) === profileId).map((n) => n.key) ?? [],
  );
  const decidedBy = person ? joiningEvent(person, groups) : undefined;
  return {
    id: messageId('profile.merged', merge.survivor, [...merge.absorbed].sort().join(','), eventName(decidedBy)),
    type: 'profile.merged',
    subject: merge.survivor,
    data: { survivor: merge.survivor, absorbed: merge.absorbed },
  };
};

/**
 * `profile.split`, named by the profile split, the profiles it became and the event whose refused
 * link keeps them apart (a removed link, a conflict, a limit, the cap), the earliest in canonical
 * order; none when a line's or a TTL's epoch parted them, which cannot happen twice to the same
 * nodes (end events are only ever added).
 */
export const splitMessage = (
  split: { readonly from: string; readonly into: readonly string[] },
  partOf: (nodeKey: string) => string | undefined,
  findings: readonly GraphFinding[],
): IdentityMessage => {
  const parts = new Set([split.from, ...split.into]);
  const separating = findings
    .filter((f) => {
      const [a, b] = f.nodes.map(partOf);
      return f.nodes.length === 2 && a !== undefined && b !== undefined && a !== b && parts.has(a) && parts.has(b);
    })
    .sort((x, y) => compareEvents(x.event, y.event))[0];
  return {
    id: messageId('profile.split', split.from, [...split.into].sort().join(','), eventName(separating?.event)),
    type: 'profile.split',
    subject: split.from,
    data: { from: split.from, into: split.into },
  };
};
