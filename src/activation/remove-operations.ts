import { sha256Hex } from '../core/hash.js';
import type { ConsentEvent } from '../consent/index.js';
import type { Db } from '../storage/index.js';

/*
 * A loss of a valid basis propagated as a remove operation (issue 7.7): every consumer that
 * received the person for the purpose and channel — as the disclosure log records it — must drop
 * them. One `consent.changed` outbox message per person the lost consent names; the exits deliver
 * it to the consumers it names whatever the person's consent now is (outbox-access.ts).
 *
 * The person is the profile of a `profile:<id>` subject, or the profiles currently holding the
 * identifier of `msisdn:…`, `email:…`; a subject no profile holds yet gets one message under its
 * own name (nothing can have been disclosed about it by profile).
 */

/**
 * How the basis was lost: a withdrawal, a deny, an expiry (a grant's `expiresAt`, or an `expire`
 * event), or a purpose's new version under which the grant no longer holds.
 */
export type LossAction = 'withdraw' | 'deny' | 'expire' | 'purpose_change';

export interface RemoveOperation {
  readonly profileId: string | null;
  readonly consentSubject: string;
  readonly purpose: string;
  readonly channel: string;
  readonly action: LossAction;
  readonly remove: true;
  readonly consumers: readonly string[];
  /** The event that ended the basis: the withdrawal, the deny, the expiry, or the grant that expired. */
  readonly consentEventId: string;
  /** When the basis ended. */
  readonly lostAt: string;
  /** The same as `lostAt`, for a withdrawal (the field the first consumers read). */
  readonly withdrawnAt?: string;
  /** For a purpose change: the purpose version the grant no longer holds under. */
  readonly purposeVersion?: number;
}

export interface Loss {
  readonly event: ConsentEvent;
  readonly action: LossAction;
  readonly lostAt: string;
  /** A purpose change: the new version (it names the loss, beside the grant it ended). */
  readonly purposeVersion?: number;
}

/**
 * Ids named by what they describe: the event that ended the basis (by its chain hash) and the
 * person. A retried request, a restart or a second scheduler pass writes nothing twice.
 */
export const removeOperationId = (event: ConsentEvent, subject: string, purposeVersion?: number): string =>
  `ob_${sha256Hex(['consent.changed', event.hash, subject, ...(purposeVersion === undefined ? [] : [`v${purposeVersion}`])].join('\u0000')).slice(0, 32)}`;

/** The profiles a consent subject names now (a `profile:` subject names its own). */
export const profilesOfSubject = async (trx: Db, subject: string): Promise<string[]> => {
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

/**
 * Writes the remove operation of a loss for one person (or, `profileId` null, for the subject
 * no profile holds), naming the consumers that received them for the purpose and channel.
 */
export const writeRemoveOperation = async (trx: Db, loss: Loss, profileId: string | null, now: string): Promise<void> => {
  const { event } = loss;
  const subject = profileId ?? event.subject;
  const consumers = await recipientsOf(trx, [subject, event.subject], event.purpose, event.channel);
  const data: RemoveOperation = {
    profileId,
    consentSubject: event.subject,
    purpose: event.purpose,
    channel: event.channel,
    action: loss.action,
    remove: true,
    consumers,
    consentEventId: event.eventId,
    lostAt: loss.lostAt,
    ...(loss.action === 'withdraw' ? { withdrawnAt: loss.lostAt } : {}),
    ...(loss.purposeVersion !== undefined ? { purposeVersion: loss.purposeVersion } : {}),
  };
  await trx
    .insertInto('outbox')
    .values({
      id: removeOperationId(event, subject, loss.purposeVersion),
      type: 'consent.changed',
      subject,
      data: JSON.stringify(data),
      created_at: now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
};
