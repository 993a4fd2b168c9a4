import type { Person } from './identity-graph.js';

/** What a node belonged to before this recomputation. */
export interface PreviousProfile {
  readonly profileId: string;
  /** When the profile was created; the oldest profile survives a merge. */
  readonly createdAt: string;
}

export interface AssignedPerson {
  readonly profileId: string;
  readonly person: Person;
  readonly isNew: boolean;
}

export interface ProfileChanges {
  readonly persons: readonly AssignedPerson[];
  /** Profiles absorbed into a survivor: `profile.merged`. */
  readonly merged: readonly { readonly survivor: string; readonly absorbed: readonly string[] }[];
  /** Profiles whose nodes now form several persons: `profile.split`. */
  readonly split: readonly { readonly from: string; readonly into: readonly string[] }[];
}

/**
 * Gives the persons of a recomputed component their profile ids (pure). Profiles claim persons
 * oldest first: a profile goes to the person holding its oldest node, unless an older profile
 * already took that person, in which case it was merged into that one. Persons no profile claims
 * get new ids; when they hold nodes of an existing profile, that profile was split.
 */
export const assignProfiles = (
  persons: readonly Person[],
  previous: ReadonlyMap<string, PreviousProfile>,
  newId: (person: Person) => string,
): ProfileChanges => {
  const profiles = new Map<string, PreviousProfile>();
  const oldestPersonOf = new Map<string, number>();
  persons.forEach((person, index) => {
    // Nodes are ordered by first sight, so the first node of a profile met here is its oldest.
    for (const node of person.nodes) {
      const before = previous.get(node.key);
      if (!before) continue;
      profiles.set(before.profileId, before);
      if (!oldestPersonOf.has(before.profileId)) oldestPersonOf.set(before.profileId, index);
    }
  });
  const ids: (string | undefined)[] = persons.map(() => undefined);
  const survivors = new Map<string, string>();
  const byAge = [...profiles.values()].sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.profileId < b.profileId ? -1 : 1,
  );
  for (const profile of byAge) {
    const index = oldestPersonOf.get(profile.profileId) as number;
    const holder = ids[index];
    if (holder === undefined) ids[index] = profile.profileId;
    else survivors.set(profile.profileId, holder);
  }

  const assigned: AssignedPerson[] = persons.map((person, index) => {
    const kept = ids[index];
    return kept === undefined ? { profileId: newId(person), person, isNew: true } : { profileId: kept, person, isNew: false };
  });

  const merged = new Map<string, string[]>();
  for (const [absorbed, survivor] of survivors) merged.set(survivor, [...(merged.get(survivor) ?? []), absorbed]);
  const split = new Map<string, Set<string>>();
  assigned.forEach(({ profileId, person }) => {
    for (const node of person.nodes) {
      const before = previous.get(node.key)?.profileId;
      if (before === undefined || before === profileId || survivors.get(before) === profileId) continue;
      split.set(before, (split.get(before) ?? new Set()).add(profileId));
    }
  });
  return {
    persons: assigned,
    merged: [...merged].map(([survivor, absorbed]) => ({ survivor, absorbed: absorbed.sort() })),
    split: [...split].map(([from, into]) => ({ from, into: [...into].sort() })),
  };
};
