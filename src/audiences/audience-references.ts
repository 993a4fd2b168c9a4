import type { EntityType } from './rule.js';

/*
 * Audiences that use other audiences: finding the references in a stored rule (raw JSON, as
 * saved) and refusing cycles. A saved definition is valid, but the walk is tolerant anyway: a
 * reference is any object with `field: 'audience'` and a string `audienceId`.
 */

/** Another audience's saved definition, as the validation needs it. */
export interface StoredAudience {
  readonly entity: EntityType;
  readonly rule: unknown;
}

export type AudienceLookup = (audienceId: string) => StoredAudience | undefined;

export interface AudienceReference {
  readonly audienceId: string;
  /** JSON pointer of the referencing rule inside the rule group. */
  readonly path: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export const referencesOf = (rule: unknown, path = ''): AudienceReference[] => {
  if (!isObject(rule)) return [];
  if (rule.field === 'audience' && typeof rule.audienceId === 'string') return [{ audienceId: rule.audienceId, path }];
  if (!Array.isArray(rule.rules)) return [];
  return rule.rules.flatMap((child, i) => referencesOf(child, `${path}/rules/${i}`));
};

/**
 * The first cycle through `id` if its rule (with these references) were saved: the chain of ids
 * from `id` back to `id` (`['a', 'b', 'a']`), or undefined. Depth first over the stored
 * definitions; every audience is visited once.
 */
export const findCycle = (id: string, references: readonly AudienceReference[], lookup: AudienceLookup): string[] | undefined => {
  const done = new Set<string>();
  const visit = (current: string, chain: string[]): string[] | undefined => {
    if (current === id) return [...chain, id];
    if (done.has(current)) return undefined;
    done.add(current);
    const stored = lookup(current);
    if (!stored) return undefined;
    for (const ref of referencesOf(stored.rule)) {
      const cycle = visit(ref.audienceId, [...chain, current]);
      if (cycle) return cycle;
    }
    return undefined;
  };
  for (const ref of references) {
    const cycle = visit(ref.audienceId, [id]);
    if (cycle) return cycle;
  }
  return undefined;
};
