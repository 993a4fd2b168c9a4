import type { Db } from '../storage/index.js';
import type { ActiveAudiences } from './active-audiences.js';
import { InputLoader, type InputSources } from './audience-inputs.js';
import { evaluateEntitiesAbove, evaluateEntity } from './membership-evaluation.js';
import { membershipStore } from './membership.store.js';
import { flushWrites, pendingWrites } from './membership-writes.js';

/*
 * Memberships that follow a recorded consent decision: the scheduler's step after due wake-ups.
 * (A consent that changes with time alone — a grant's expiry — is an entity's wake-up instead:
 * consent-wakeups.ts.)
 */

/** The checkpoint (in `index_checkpoints`) of the last consent event looked at, as epoch ms. */
export const CONSENT_MARK = 'audience-consent';
/** How far before its last mark the consent look reads again (a consent event's commit may lag its time). */
const CONSENT_OVERLAP_MS = 5000;

export interface ConsentReevaluationContext {
  readonly set: ActiveAudiences;
  readonly now: Date;
  readonly sources: InputSources;
  count(evaluations: number): void;
}

/**
 * Persons whose consent changed since the last look (a grant, a withdrawal over the API or from
 * the CRM) are evaluated on the real-time audiences with consent conditions, and the account and
 * organisation audiences above them. Reads a little before the last mark, so a consent event
 * committed late is not missed (evaluating a person twice changes nothing). Answers how many
 * consent events it took (0: none new).
 */
export const reevaluateConsentChanges = async (trx: Db, context: ConsentReevaluationContext): Promise<number> => {
  const { set, now } = context;
  if (!set.readsConsent) return 0;
  const mark = await trx.selectFrom('index_checkpoints').select('seq').where('name', '=', CONSENT_MARK).executeTakeFirst();
  const since = mark === undefined ? null : new Date(Number(mark.seq) - CONSENT_OVERLAP_MS).toISOString();
  let query = trx.selectFrom('consent_events').select(['subject', 'recorded_at']).orderBy('recorded_at').limit(5000);
  if (since !== null) query = query.where('recorded_at', '>', since);
  const rows = await query.execute();
  const latest = rows.at(-1)?.recorded_at;
  const fresh = mark === undefined ? rows : rows.filter((r) => Date.parse(r.recorded_at) > Number(mark.seq));
  if (latest !== undefined && (mark === undefined || Date.parse(latest) > Number(mark.seq))) {
    const seq = Date.parse(latest);
    await trx
      .insertInto('index_checkpoints')
      .values({ name: CONSENT_MARK, seq, updated_at: now.toISOString() })
      .onConflict((oc) => oc.column('name').doUpdateSet({ seq, updated_at: now.toISOString() }))
      .execute();
  }
  if (fresh.length === 0) return 0;
  const persons = await membershipStore.profilesOfConsentSubjects(
    trx,
    fresh.map((r) => r.subject),
  );
  const audiences = set.ofEntity.person.filter((a) => (set.index.dependencies(a.audience.id)?.own.consentPurposes.size ?? 0) > 0);
  const writes = pendingWrites();
  const loader = new InputLoader(trx, context.sources, now, { readsConsent: true });
  await loader.loadPersons(persons);
  const step = { set, loader, writes, count: (n: number) => context.count(n) };
  const cause = { reason: 'consent' as const, decidedBy: `consent:${latest ?? ''}` };
  // Not every audience is evaluated: the wake-ups found may only move earlier (a grant's expiry among them).
  for (const id of persons) if (loader.hasProfile(id)) evaluateEntity(step, 'person', id, audiences, cause, false);
  await evaluateEntitiesAbove(step, persons, cause);
  await flushWrites(trx, writes);
  return fresh.length;
};
