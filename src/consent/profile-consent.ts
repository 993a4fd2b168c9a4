import type { Db } from '../storage/index.js';
import type { ConsentService } from './consent.service.js';
import { consentSnapshot, hasValidConsent, type ConsentDecision, type ConsentState } from './consent-state.js';
import { lastValidityChangeWithin, nextValidityChange, validityChanges } from './consent-times.js';

/*
 * Consent as the audience evaluator reads it: per profile, a lookup (purpose, channel) → valid
 * now, over every subject the person is known under — the profile itself and its current
 * identifiers (a consent given for an MSISDN before the profile existed counts). The lookup also
 * tells when time alone changes an answer (a grant's expiry), so memberships wake up then.
 */

/** A lookup with the times its answers change (the audiences' `ConsentLookup`, src/audiences/audience-input.ts). */
export interface ProfileConsentLookup {
  (purpose: string, channel: string): boolean;
  readonly times: {
    nextChangeAt(purpose: string, channel: string): number | null;
    lastChangeWithin(purpose: string, channel: string, from: number, to: number): number | null;
  };
}

export type ProfileConsentLookups = (
  db: Db,
  profileIds: readonly string[],
  now: Date,
) => Promise<ReadonlyMap<string, ProfileConsentLookup>>;

/** The consent subjects each profile is known under now: `profile:<id>` and `<type>:<value>` of its current identifiers. */
export const subjectsOfProfiles = async (db: Db, profileIds: readonly string[]): Promise<Map<string, string[]>> => {
  const persons = new Map<string, string[]>(profileIds.map((id) => [id, [`profile:${id}`]]));
  for (let i = 0; i < profileIds.length; i += 500) {
    const rows = await db
      .selectFrom('identity_nodes')
      .select(['profile_id', 'id_type', 'id_value'])
      .where('profile_id', 'in', profileIds.slice(i, i + 500))
      .where('valid_to', 'is', null)
      .execute();
    for (const r of rows) persons.get(r.profile_id)?.push(`${r.id_type}:${r.id_value}`);
  }
  return persons;
};

/** One person's lookup at `now`; the instants of change are found once per purpose and channel asked. */
export const profileConsentLookup = (state: ConsentState, now: Date): ProfileConsentLookup => {
  const changes = new Map<string, number[]>();
  const changesOf = (purpose: string, channel: string): number[] => {
    const key = `${purpose}\u0000${channel}`;
    let found = changes.get(key);
    if (!found) changes.set(key, (found = validityChanges(state, purpose, channel)));
    return found;
  };
  const lookup = (purpose: string, channel: string): boolean => hasValidConsent(state, purpose, channel, now);
  return Object.assign(lookup, {
    times: {
      nextChangeAt: (purpose: string, channel: string) => nextValidityChange(changesOf(purpose, channel), now.getTime()),
      lastChangeWithin: (purpose: string, channel: string, from: number, to: number) =>
        lastValidityChangeWithin(changesOf(purpose, channel), from, to),
    },
  });
};

export const profileConsentLookups =
  (consent: ConsentService): ProfileConsentLookups =>
  async (db, profileIds, now) => {
    const states = await consent.statesOf(await subjectsOfProfiles(db, profileIds), db);
    return new Map([...states].map(([id, state]) => [id, profileConsentLookup(state, now)]));
  };

/** One person's consent now: the subjects it is known under, and every purpose and channel any of them has a record for. */
export interface PersonConsent {
  readonly subjects: readonly string[];
  readonly consents: readonly ConsentDecision[];
}

/** A person's consent at `at` over all its subjects (`GET /v1/profiles/{id}/consents`, the console's profile card). */
export const personConsent = async (db: Db, consent: ConsentService, profileId: string, at: Date): Promise<PersonConsent> => {
  const persons = await subjectsOfProfiles(db, [profileId]);
  const state = (await consent.statesOf(persons, db)).get(profileId);
  return state ? { subjects: state.subjects, consents: consentSnapshot(state, at) } : { subjects: [`profile:${profileId}`], consents: [] };
};
