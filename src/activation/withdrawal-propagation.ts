import type { Clock } from '../core/clock.js';
import { sha256Hex } from '../core/hash.js';
import type { ConsentEvent } from '../consent/index.js';
import type { Db } from '../storage/index.js';

/*
 * Withdrawal propagated as a remove operation (issue 7.7): when a subject withdraws consent for a
 * purpose and channel, every consumer that received the person for that purpose and channel — as
 * the disclosure log records it — must drop them. One `consent.changed` outbox message per person
 * the withdrawal reaches, written in the consent ledger's transaction (so the withdrawal and its
 * propagation commit together), naming those consumers; the exits deliver it to them whatever the
 * person's consent now is (src/activation/outbox-access.ts).
 *
 * The person is the profile of a `profile:<id>` subject, or the profiles currently holding the
 * identifier of `msisdn:…`, `email:…`; a subject no profile holds yet gets one message under its
 * own name (nothing can have been disclosed about it by profile).
 */

export interface RemoveOperation {
  readonly profileId: string | null;
  readonly consentSubject: string;
  readonly purpose: string;
  readonly channel: string;
  readonly action: 'withdraw';
  readonly remove: true;
  readonly consumers: readonly string[];
  readonly consentEventId: string;
  readonly withdrawnAt: string;
}

/** Ids named by what they describe: the consent event (by its chain hash) and the person. */
const messageId = (event: ConsentEvent, subject: string): string =>
  `ob_${sha256Hex(['consent.changed', event.hash, subject].join('\u0000')).slice(0, 32)}`;

const profilesOf = async (trx: Db, subject: string): Promise<string[]> => {
  const colon = subject.indexOf(':');
  const type = subject.slice(0, colon);
  const value = subject.slice(colon + 1);
  if (type === 'profile') return [value];
  const rows = await trx
    .selectFrom('identity_nodes')
    .select('profile_id')
    .distinct()
    .where('id_type', '=', type)
    .where('id_value', '=', value)
    .where('valid_to', 'is', null)
    .execute();
  return rows.map((r) => r.profile_id).sort();
};

const recipientsOf = async (trx: Db, subjects: readonly string[], purpose: string, channel: string): Promise<string[]> => {
  const rows = await trx
    .selectFrom('disclosures')
    .select('consumer_id')
    .distinct()
    .where('subject', 'in', [...subjects])
    .where('purpose', '=', purpose)
    .where('channel', '=', channel)
    .execute();
  return rows.map((r) => r.consumer_id).sort();
};

/** The consent ledger's `onRecorded` hook. Every query goes through `trx` (the embedded store has one connection). */
export const withdrawalPropagation =
  (deps: { readonly clock: Clock }) =>
  async (trx: Db, events: readonly ConsentEvent[]): Promise<void> => {
    const now = deps.clock.now().toISOString();
    for (const event of events) {
      if (event.action !== 'withdraw') continue;
      const profiles = await profilesOf(trx, event.subject);
      const targets: (string | null)[] = profiles.length > 0 ? profiles : [null];
      for (const profileId of targets) {
        const subject = profileId ?? event.subject;
        const consumers = await recipientsOf(trx, [subject, event.subject], event.purpose, event.channel);
        const data: RemoveOperation = {
          profileId,
          consentSubject: event.subject,
          purpose: event.purpose,
          channel: event.channel,
          action: 'withdraw',
          remove: true,
          consumers,
          consentEventId: event.eventId,
          withdrawnAt: event.validFrom < event.recordedAt ? event.validFrom : event.recordedAt,
        };
        await trx
          .insertInto('outbox')
          .values({ id: messageId(event, subject), type: 'consent.changed', subject, data: JSON.stringify(data), created_at: now })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
    }
  };
