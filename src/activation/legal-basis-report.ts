import type { Consumer } from '../policy/index.js';
import type { Db } from '../storage/index.js';
import type { AudienceExport, ExportMember } from './exports.store.js';

/*
 * The legal-basis report of an audience export (issue 7.9): purpose, legal bases, policy version
 * and, for every recipient — each member the consumer holds after the export — the consent event
 * and notice that were valid at send time; then, checked again here from the ledger's records, the
 * recipients that lacked a valid basis: none, for an export, since the policy filtered them out.
 * Campaigns (issue 10) will build the same report from their sends.
 */

export interface RecordedConsentEvent {
  readonly eventId: string;
  readonly subject: string;
  readonly purpose: string;
  readonly channel: string;
  readonly action: string;
  readonly legalBasis: string;
  readonly jurisdiction: string;
  readonly validFrom: string;
  readonly expiresAt: string | null;
  readonly recordedAt: string;
  readonly purposeVersion: number;
  readonly hash: string;
  readonly evidenceRef: string | null;
  readonly noticeId: string | null;
  readonly noticeVersion: string | null;
}

export interface RecordedNotice {
  readonly id: string;
  readonly version: string;
  readonly language: string;
  readonly title: string;
  readonly textHash: string;
  readonly url: string | null;
  readonly publishedAt: string;
}

export interface Recipient {
  readonly profileId: string;
  readonly op: 'add' | 'keep';
  readonly consentEvent: RecordedConsentEvent | null;
  readonly notice: RecordedNotice | null;
  /** Every consent event the decision rested on (traffic or location grants besides the decisive one). */
  consentEvents: string[];
}

export interface LackingBasis {
  readonly profileId: string;
  readonly reason: string;
}

export interface LegalBasisReport {
  readonly kind: 'audience_export';
  readonly id: string;
  readonly audienceId: string;
  readonly audienceVersion: number;
  readonly consumer: { readonly id: string; readonly name: string; readonly kind: string };
  readonly purpose: string;
  readonly channel: string;
  readonly sentAt: string;
  readonly policyVersion: number;
  /** Legal basis → how many recipients rest on it. */
  readonly legalBases: Readonly<Record<string, number>>;
  readonly recipientCount: number;
  readonly removedCount: number;
  readonly excluded: { readonly heldOut: number; readonly denied: number; readonly deniedBy: Readonly<Record<string, number>> };
  readonly recipients: Recipient[];
  readonly lackingValidBasis: LackingBasis[];
  readonly allRecipientsHadValidBasis: boolean;
  readonly statement: string;
}

/** Why a recorded event did not make a valid basis at `at` for the purpose and channel; undefined when it did. */
export const basisProblem = (
  event: RecordedConsentEvent | undefined,
  expected: { readonly purpose: string; readonly channel: string; readonly at: string },
): string | undefined => {
  if (!event) return 'NO_CONSENT_EVENT';
  if (event.action !== 'grant') return `EVENT_IS_${event.action.toUpperCase()}`;
  if (event.purpose !== expected.purpose) return 'OTHER_PURPOSE';
  if (event.channel !== expected.channel) return 'OTHER_CHANNEL';
  const at = Date.parse(expected.at);
  if (Date.parse(event.validFrom) > at) return 'NOT_YET_VALID';
  if (event.expiresAt !== null && Date.parse(event.expiresAt) <= at) return 'EXPIRED';
  if (Date.parse(event.recordedAt) > at) return 'RECORDED_AFTER_SEND';
  return undefined;
};

/** Pure: the report from the export, its members and the ledger's records they cite. */
export const buildLegalBasisReport = (
  record: AudienceExport,
  consumer: Pick<Consumer, 'id' | 'name' | 'kind'>,
  members: readonly ExportMember[],
  events: ReadonlyMap<string, RecordedConsentEvent>,
  notices: ReadonlyMap<string, RecordedNotice>,
): LegalBasisReport => {
  const recipients: Recipient[] = [];
  const lacking: LackingBasis[] = [];
  const legalBases: Record<string, number> = {};
  let removed = 0;
  for (const member of members) {
    if (member.op === 'remove') {
      removed++;
      continue;
    }
    const event = member.consentEventId !== null ? events.get(member.consentEventId) : undefined;
    const problem = basisProblem(event, { purpose: record.purpose, channel: record.channel, at: record.createdAt });
    if (problem !== undefined) lacking.push({ profileId: member.memberId, reason: problem });
    if (event) legalBases[event.legalBasis] = (legalBases[event.legalBasis] ?? 0) + 1;
    const notice =
      event?.noticeId != null && event.noticeVersion != null ? (notices.get(noticeKey(event.noticeId, event.noticeVersion)) ?? null) : null;
    recipients.push({
      profileId: member.memberId,
      op: member.op,
      consentEvent: event ?? null,
      notice,
      consentEvents: [...member.consentEvents],
    });
  }
  const ok = lacking.length === 0;
  return {
    kind: 'audience_export',
    id: record.id,
    audienceId: record.audienceId,
    audienceVersion: record.audienceVersion,
    consumer: { id: consumer.id, name: consumer.name, kind: consumer.kind },
    purpose: record.purpose,
    channel: record.channel,
    sentAt: record.createdAt,
    policyVersion: record.policyVersion,
    legalBases,
    recipientCount: recipients.length,
    removedCount: removed,
    excluded: { heldOut: record.counts.heldOut, denied: record.counts.denied, deniedBy: record.counts.deniedBy },
    recipients,
    lackingValidBasis: lacking,
    allRecipientsHadValidBasis: ok,
    statement: ok
      ? `All ${recipients.length} recipient(s) had a valid legal basis for '${record.purpose}' on '${record.channel}' at ${record.createdAt}, ` +
        `each resting on the consent event cited; ${record.counts.denied} member(s) without one and ${record.counts.heldOut} held-out member(s) were not sent.`
      : `${lacking.length} of ${recipients.length} recipient(s) lacked a valid legal basis for '${record.purpose}' on '${record.channel}' at ${record.createdAt}.`,
  };
};

export const noticeKey = (id: string, version: string): string => `${id}\u0000${version}`;

/** The ledger's records an export cites: consent events by id, notices by id and version. */
export const loadCitedRecords = async (
  db: Db,
  members: readonly ExportMember[],
): Promise<{ events: Map<string, RecordedConsentEvent>; notices: Map<string, RecordedNotice> }> => {
  const ids = [...new Set(members.flatMap((m) => (m.consentEventId !== null ? [m.consentEventId] : [])))];
  const events = new Map<string, RecordedConsentEvent>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('consent_events')
      .selectAll()
      .where('event_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const proof = JSON.parse(r.proof) as { noticeId?: string | null; noticeVersion?: string | null; evidenceRef?: string | null };
      events.set(r.event_id, {
        eventId: r.event_id,
        subject: r.subject,
        purpose: r.purpose,
        channel: r.channel,
        action: r.action,
        legalBasis: r.legal_basis,
        jurisdiction: r.jurisdiction,
        validFrom: r.valid_from,
        expiresAt: r.expires_at,
        recordedAt: r.recorded_at,
        purposeVersion: r.purpose_version,
        hash: r.hash,
        evidenceRef: proof.evidenceRef ?? null,
        noticeId: proof.noticeId ?? null,
        noticeVersion: proof.noticeVersion ?? null,
      });
    }
  }
  const noticeIds = [...new Set([...events.values()].flatMap((e) => (e.noticeId !== null ? [e.noticeId] : [])))];
  const notices = new Map<string, RecordedNotice>();
  if (noticeIds.length > 0) {
    const rows = await db.selectFrom('consent_notices').selectAll().where('id', 'in', noticeIds).execute();
    for (const r of rows)
      notices.set(noticeKey(r.id, r.version), {
        id: r.id,
        version: r.version,
        language: r.language,
        title: r.title,
        textHash: r.text_hash,
        url: r.url,
        publishedAt: r.published_at,
      });
  }
  return { events, notices };
};
