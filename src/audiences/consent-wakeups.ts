import type { AudienceInput } from './audience-input.js';
import type { AudienceDependencies } from './dependencies.js';

/*
 * Consent that changes with time alone (a grant's expiry) as a membership wake-up (issue 7): the
 * evaluator answers consent conditions as they are now, so the membership stage adds, to each
 * entity's wake-up, the next instant at which a consent its audiences read changes
 * (`ConsentLookup.times`), and at a wake-up tells a change of consent from other passing time.
 * Pure: it reads the inputs and what each audience depends on.
 */

/** Each `purpose/channel` key an audience reads, split (a purpose code has no `/`). */
const pairs = (keys: ReadonlySet<string>): [string, string][] =>
  [...keys].map((key) => {
    const slash = key.indexOf('/');
    return [key.slice(0, slash), key.slice(slash + 1)];
  });

/** The inputs whose consent an audience reads, with the pairs it reads of each: the entity's own, its member persons'. */
const readings = (input: AudienceInput, dependencies: AudienceDependencies | undefined): [AudienceInput, [string, string][]][] => {
  if (!dependencies) return [];
  const out: [AudienceInput, [string, string][]][] = [];
  if (dependencies.own.consents.size > 0) out.push([input, pairs(dependencies.own.consents)]);
  if (dependencies.members && dependencies.members.consents.size > 0) {
    const read = pairs(dependencies.members.consents);
    for (const member of input.members ?? []) out.push([member, read]);
  }
  return out;
};

/** The first instant after now at which a consent any of the audiences reads changes; null: none does. */
export const nextConsentChange = (input: AudienceInput, dependencies: readonly (AudienceDependencies | undefined)[]): number | null => {
  let next: number | null = null;
  for (const d of dependencies)
    for (const [reader, read] of readings(input, d))
      for (const [purpose, channel] of read) {
        const at = reader.consent?.times?.nextChangeAt(purpose, channel) ?? null;
        if (at !== null && (next === null || at < next)) next = at;
      }
  return next;
};

/** The last instant in [from, to] at which a consent the audience reads changed; null: none did. */
export const consentChangeWithin = (
  input: AudienceInput,
  dependencies: AudienceDependencies | undefined,
  from: number,
  to: number,
): number | null => {
  let last: number | null = null;
  for (const [reader, read] of readings(input, dependencies))
    for (const [purpose, channel] of read) {
      const at = reader.consent?.times?.lastChangeWithin(purpose, channel, from, to) ?? null;
      if (at !== null && (last === null || at > last)) last = at;
    }
  return last;
};
