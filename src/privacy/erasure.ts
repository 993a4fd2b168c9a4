import { sql } from 'kysely';
import { sha256Hex } from '../core/hash.js';
import type { Backend, Db } from '../storage/index.js';
import { ERASURE_LOCK_ID } from './erasure-guard.js';
import { likeContaining, planErasure } from './privacy-model.js';
import { chunks, privacyStore } from './privacy.store.js';
import { nodesOfValues, resolveSubject, type ResolvedSubject } from './subject-resolution.js';
import { tombstoneOf, type Tombstone } from './tombstones.js';

export interface ErasureCounts {
  events: number;
  timelineEntries: number;
  profiles: number;
  profileStates: number;
  identityNodes: number;
  identityValues: number;
  identityEdges: number;
  lineEnds: number;
  findings: number;
  removedLinks: number;
  accountRelations: number;
  deviceSessions: number;
  audienceMemberships: number;
  audienceActivity: number;
  audienceWakeups: number;
  quarantined: number;
  accessExportsPurged: number;
  tombstones: number;
}

export interface ErasureOutcome {
  readonly resolved: ResolvedSubject;
  readonly counts: ErasureCounts;
  /** Value keys whose evidence went, and those shared with another holder (only this person's epoch went). */
  readonly identifiers: { readonly erased: readonly string[]; readonly sharedWithOtherHolders: readonly string[] };
  /** Consumers the disclosure log says received the subject (GDPR Art. 19: they are to be told). */
  readonly recipients: readonly string[];
  /** Consent ledger subjects kept as proof, and how many events they hold. */
  readonly retainedConsent: { readonly subjects: readonly string[]; readonly events: number };
}

const QUARANTINE_MATCHED_TYPES: ReadonlySet<string> = new Set(['msisdn', 'email', 'imsi', 'iccid', 'imei', 'passport']);

const count = async (q: Promise<{ numDeletedRows: bigint }>): Promise<number> => Number((await q).numDeletedRows);

/**
 * Erases one person in the caller's transaction (the only handle used: the embedded store has one
 * connection). Takes the erasure lock first, so no pipeline batch runs meanwhile (PostgreSQL; on
 * SQLite the transaction is the write lock). Deletes the person's events (those whose anchor
 * identifier is theirs: `event_profiles`), state, memberships and identity evidence, writes the
 * tombstones, and keeps the consent ledger (proof of consent) and the disclosure log.
 */
export const eraseSubject = async (
  trx: Db,
  backend: Backend,
  input: { readonly requestId: string; readonly subject: string; readonly at: string },
): Promise<ErasureOutcome> => {
  if (backend === 'postgres') {
    await sql`select pg_advisory_xact_lock(${ERASURE_LOCK_ID})`.execute(trx);
    // The timeline indexer commits its checkpoint last: waiting for its row means a chunk in
    // flight has committed before the timeline entries below are deleted.
    await sql`select seq from index_checkpoints where name = 'timeline' for update`.execute(trx);
  }
  const resolved = await resolveSubject(trx, input.subject, input.at);
  const P = resolved.profileIds;
  const personNodes = resolved.nodes;
  const values = [...new Set(personNodes.map((n) => n.valueKey))];
  const others = new Set((await nodesOfValues(trx, values)).filter((n) => !P.includes(n.profileId)).map((n) => n.valueKey));
  const plan = planErasure(personNodes, others);
  const exclusive = plan.exclusive;

  const c: ErasureCounts = {
    events: 0,
    timelineEntries: 0,
    profiles: 0,
    profileStates: 0,
    identityNodes: 0,
    identityValues: 0,
    identityEdges: 0,
    lineEnds: 0,
    findings: 0,
    removedLinks: 0,
    accountRelations: 0,
    deviceSessions: 0,
    audienceMemberships: 0,
    audienceActivity: 0,
    audienceWakeups: 0,
    quarantined: 0,
    accessExportsPurged: 0,
    tombstones: 0,
  };

  // 1. Events: those resolved to the person through one of their identifiers (the anchor).
  const seqs: number[] = [];
  for (const list of chunks(values)) {
    const rows = await trx
      .selectFrom('event_profiles')
      .select('seq')
      .where('value_key', 'in', list)
      .where('profile_id', 'in', P.length > 0 ? P : [''])
      .execute();
    for (const r of rows) seqs.push(Number(r.seq));
  }
  for (const list of chunks(values, 100)) {
    for (const seqList of chunks(seqs)) {
      c.timelineEntries += await count(
        trx.deleteFrom('timeline_index').where('value_key', 'in', list).where('seq', 'in', seqList).executeTakeFirst(),
      );
    }
  }
  c.events = await privacyStore.deleteEvents(trx, seqs);

  // 2. State derived from the events.
  for (const ids of chunks(P)) {
    c.profileStates += await count(trx.deleteFrom('profile_state').where('profile_id', 'in', ids).executeTakeFirst());
    c.audienceActivity += await count(trx.deleteFrom('audience_activity').where('profile_id', 'in', ids).executeTakeFirst());
    c.audienceWakeups += await count(
      trx.deleteFrom('audience_wakeups').where('entity', '=', 'person').where('entity_id', 'in', ids).executeTakeFirst(),
    );
    c.accountRelations += await count(trx.deleteFrom('profile_accounts').where('profile_id', 'in', ids).executeTakeFirst());
    c.identityNodes += await count(trx.deleteFrom('identity_nodes').where('profile_id', 'in', ids).executeTakeFirst());
  }
  // Memberships by audience: the primary key leads with the audience.
  if (P.length > 0) {
    for (const { id } of await trx.selectFrom('audiences').select('id').execute()) {
      c.audienceMemberships += await count(
        trx.deleteFrom('audience_members').where('audience_id', '=', id).where('member_id', 'in', P).executeTakeFirst(),
      );
    }
  }

  // 3. Identity evidence of the values only this person held; a shared value keeps its own.
  const components = new Set<string>();
  for (const list of chunks(exclusive)) {
    for (const r of await trx.selectFrom('identity_values').select('component').where('value_key', 'in', list).execute())
      components.add(r.component);
    c.identityValues += await count(trx.deleteFrom('identity_values').where('value_key', 'in', list).executeTakeFirst());
    c.lineEnds += await count(trx.deleteFrom('identity_line_ends').where('value_key', 'in', list).executeTakeFirst());
    const appUsers = list.filter((v) => v.startsWith('appUserId:')).map((v) => v.slice('appUserId:'.length));
    if (appUsers.length > 0)
      c.deviceSessions += await count(trx.deleteFrom('device_sessions').where('app_user_id', 'in', appUsers).executeTakeFirst());
  }
  const exclusiveSet = new Set(exclusive);
  for (const list of chunks([...components])) {
    const edges = await trx.selectFrom('identity_edges').select(['a_key', 'b_key']).where('component', 'in', list).execute();
    for (const e of edges) {
      if (!exclusiveSet.has(e.a_key) && !exclusiveSet.has(e.b_key)) continue;
      c.identityEdges += await count(
        trx.deleteFrom('identity_edges').where('a_key', '=', e.a_key).where('b_key', '=', e.b_key).executeTakeFirst(),
      );
    }
  }
  for (const value of exclusive) {
    const pattern = likeContaining(value);
    c.findings += await count(
      trx
        .deleteFrom('identity_findings')
        .where(sql<boolean>`nodes like ${pattern} escape '!'`)
        .executeTakeFirst(),
    );
    c.removedLinks += await count(
      trx
        .deleteFrom('identity_removed_links')
        .where(sql<boolean>`link_key like ${pattern} escape '!'`)
        .executeTakeFirst(),
    );
    // Quarantined copies of the person's events (best effort: the raw text holds the value as sent),
    // for the types whose values are long and specific enough not to match someone else's.
    if (QUARANTINE_MATCHED_TYPES.has(value.slice(0, value.indexOf(':')))) {
      const raw = value.slice(value.indexOf(':') + 1);
      c.quarantined += await count(
        trx
          .deleteFrom('quarantine')
          .where(sql<boolean>`raw like ${likeContaining(raw)} escape '!'`)
          .executeTakeFirst(),
      );
    }
  }
  for (const ids of chunks(P)) c.profiles += await count(trx.deleteFrom('profiles').where('id', 'in', ids).executeTakeFirst());
  c.accessExportsPurged = await privacyStore.purgeAccessExports(trx, P, input.at);

  // 4. Tombstones: the person's epochs of each identifier; the subject itself when it named no one.
  const tombstones: Tombstone[] = personNodes.map((n) => tombstoneOf(n.valueKey, n.validFrom, n.validTo));
  if (!resolved.profile && !input.subject.startsWith('profile:')) tombstones.push(tombstoneOf(input.subject, null, null));
  await privacyStore.insertTombstones(trx, input.requestId, input.at, tombstones);
  c.tombstones = new Set(tombstones.map((t) => t.idHash)).size;

  // 5. What is kept: the consent ledger and the disclosure log (who received the subject).
  const subjects = [...P.map((id) => `profile:${id}`), ...values, ...(resolved.profile ? [] : [input.subject])];
  let consentEvents = 0;
  const consentSubjects: string[] = [];
  const recipients = new Set<string>();
  for (const list of chunks(subjects)) {
    const rows = await trx
      .selectFrom('consent_events')
      .select(['subject', (eb) => eb.fn.countAll<number>().as('n')])
      .where('subject', 'in', list)
      .groupBy('subject')
      .execute();
    for (const r of rows) {
      consentSubjects.push(r.subject);
      consentEvents += Number(r.n);
    }
    const disclosed = await trx
      .selectFrom('disclosures')
      .select('consumer_id')
      .distinct()
      .where('subject', 'in', [...list, ...list.filter((s) => s.startsWith('profile:')).map((s) => s.slice('profile:'.length))])
      .execute();
    for (const d of disclosed) recipients.add(d.consumer_id);
  }

  // 6. Consumers are told through the outbox, the only way out (a remove operation, GDPR Art. 19).
  if (resolved.profile) {
    await trx
      .insertInto('outbox')
      .values({
        id: `ob_${sha256Hex(`profile.erased\u0000${input.requestId}`).slice(0, 32)}`,
        type: 'profile.erased',
        subject: resolved.profile.id,
        data: JSON.stringify({
          profileId: resolved.profile.id,
          absorbed: P.slice(1),
          requestId: input.requestId,
          at: input.at,
          recipients: [...recipients].sort(),
        }),
        created_at: input.at,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  return {
    resolved,
    counts: c,
    identifiers: { erased: exclusive, sharedWithOtherHolders: plan.shared },
    recipients: [...recipients].sort(),
    retainedConsent: { subjects: consentSubjects.sort(), events: consentEvents },
  };
};
