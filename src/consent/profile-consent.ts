import type { Db } from '../storage/index.js';
import type { ConsentService } from './consent.service.js';
import { consentLookup } from './consent-state.js';

/*
 * Consent as the audience evaluator reads it: per profile, a lookup (purpose, channel) → valid
 * now, over every subject the person is known under — the profile itself and its current
 * identifiers (a consent given for an MSISDN before the profile existed counts).
 */

export type ProfileConsentLookups = (
  db: Db,
  profileIds: readonly string[],
  now: Date,
) => Promise<ReadonlyMap<string, (purpose: string, channel: string) => boolean>>;

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

export const profileConsentLookups =
  (consent: ConsentService): ProfileConsentLookups =>
  async (db, profileIds, now) => {
    const states = await consent.statesOf(await subjectsOfProfiles(db, profileIds), db);
    return new Map([...states].map(([id, state]) => [id, consentLookup(state, now)]));
  };
