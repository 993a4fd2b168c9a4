import { decideConsent, type ConsentEvent, type ConsentService } from '../consent/index.js';
import { ledgerConsent, type ConsentEvidence } from '../policy/index.js';
import type { Db } from '../storage/index.js';

/*
 * What an exit needs to know of each profile it may disclose: the identifiers the person holds
 * now, and the consent for one purpose and channel at send time — as policy evidence, and the
 * decisive consent event (with its notice) that a legal-basis report cites. A person's consent is
 * read under every subject it is known by: `profile:<id>` and each current identifier (a consent
 * given for an MSISDN before the profile existed counts), as the audience evaluator reads it.
 */

export interface Identifier {
  readonly type: string;
  readonly value: string;
}

export interface SubjectConsent {
  readonly identifiers: readonly Identifier[];
  readonly evidence: ConsentEvidence;
  /** The decisive event for the purpose and channel (a grant when the evidence is valid). */
  readonly decisive: ConsentEvent | undefined;
}

const CHUNK = 500;

/** Current identifiers (valid_to is null) of each profile. `db` is the caller's transaction when it has one. */
export const currentIdentifiers = async (db: Db, profileIds: readonly string[]): Promise<Map<string, Identifier[]>> => {
  const out = new Map<string, Identifier[]>(profileIds.map((id) => [id, []]));
  for (let i = 0; i < profileIds.length; i += CHUNK) {
    const rows = await db
      .selectFrom('identity_nodes')
      .select(['profile_id', 'id_type', 'id_value'])
      .where('profile_id', 'in', profileIds.slice(i, i + CHUNK))
      .where('valid_to', 'is', null)
      .orderBy('id_type')
      .orderBy('id_value')
      .execute();
    for (const r of rows) out.get(r.profile_id)?.push({ type: r.id_type, value: r.id_value });
  }
  return out;
};

/**
 * Each profile's identifiers and consent for the purpose and channel at `at`. Sequential reads
 * through `db`: on the embedded store it may be a transaction on the one connection.
 */
export const subjectConsents = async (
  db: Db,
  consent: ConsentService,
  profileIds: readonly string[],
  context: { readonly purpose: string; readonly channel: string; readonly at: Date },
): Promise<Map<string, SubjectConsent>> => {
  const identifiers = await currentIdentifiers(db, profileIds);
  const persons = new Map<string, string[]>();
  for (const id of profileIds) persons.set(id, [`profile:${id}`, ...(identifiers.get(id) ?? []).map((i) => `${i.type}:${i.value}`)]);
  const states = await consent.statesOf(persons, db);
  const out = new Map<string, SubjectConsent>();
  for (const id of profileIds) {
    const state = states.get(id);
    if (!state) continue;
    out.set(id, {
      identifiers: identifiers.get(id) ?? [],
      evidence: ledgerConsent(state, context.purpose, context.channel, context.at),
      decisive: decideConsent(state, context.purpose, context.channel, context.at).event,
    });
  }
  return out;
};
