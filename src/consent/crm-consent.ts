import type { ConsentEventInput } from './consent-input.js';
import { BASE_CHANNELS, type LegalBasis } from './consent-model.js';

/*
 * CRM `consent_changed` events (the built-in contract in src/contracts/builtin/crm.ts) mapped to
 * consent events. The contract has already been checked at ingest; what is left is the ledger's
 * vocabulary: its `in_app` is the ledger's `app`, its `all` is one decision per channel, its bare
 * `consent` basis is 152-FZ processing consent, or — for an advertising purpose in Russia — the
 * advertising consent of 38-FZ Art. 18 (the CRM captures "may we send you offers by SMS").
 */

export const CRM_CONSENT_SOURCE = 'crm';
export const CRM_CONSENT_TYPE = 'consent_changed';

/** What the mapping reads of a logged event. */
export interface LoggedConsentChange {
  readonly sourceId: string;
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  /** Normalised identifiers from the event log payload. */
  readonly identifiers: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface CrmMappingOptions {
  /** Where the CRM's decisions are made (TESSERA_DEFAULT_REGION). */
  readonly jurisdiction: string;
  /** Whether a registered purpose is advertising. */
  readonly isAdvertising: (purpose: string) => boolean;
}

export type CrmMapping =
  { readonly ok: true; readonly inputs: ConsentEventInput[] } | { readonly ok: false; readonly code: string; readonly message: string };

const OTHER_BASES: Readonly<Record<string, LegalBasis>> = {
  contract: 'gdpr_art6_1b_contract',
  legal_obligation: 'gdpr_art6_1c_legal_obligation',
  vital_interests: 'gdpr_art6_1d_vital_interests',
  public_task: 'gdpr_art6_1e_public_task',
  legitimate_interests: 'gdpr_art6_1f_legitimate_interests',
};

const SUBJECT_ORDER = ['msisdn', 'email', 'accountId'] as const;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

export const isCrmConsentChange = (event: Pick<LoggedConsentChange, 'sourceId' | 'type'>): boolean =>
  event.sourceId === CRM_CONSENT_SOURCE && event.type === CRM_CONSENT_TYPE;

/** The consent events one CRM `consent_changed` event stands for, or why it stands for none. */
export const consentInputsFromCrm = (event: LoggedConsentChange, options: CrmMappingOptions): CrmMapping => {
  const p = event.properties;
  const subjectType = SUBJECT_ORDER.find((type) => text(event.identifiers[type] ?? p[type]) !== undefined);
  if (!subjectType) return { ok: false, code: 'NO_SUBJECT', message: 'the event names no msisdn, email or accountId' };
  const subject = `${subjectType}:${text(event.identifiers[subjectType] ?? p[subjectType])}`;
  const purpose = text(p.purpose);
  const action = text(p.action);
  const basis = text(p.legalBasis);
  if (!purpose || !action || !basis) return { ok: false, code: 'INCOMPLETE', message: 'purpose, action and legalBasis are required' };

  const rawChannel = text(p.channel) ?? '';
  const channels: readonly string[] =
    rawChannel === 'all'
      ? BASE_CHANNELS
      : rawChannel === 'in_app'
        ? ['app']
        : (BASE_CHANNELS as readonly string[]).includes(rawChannel)
          ? [rawChannel]
          : [];
  if (channels.length === 0)
    return { ok: false, code: 'UNSUPPORTED_CHANNEL', message: `channel '${rawChannel}' has no counterpart in the consent ledger` };

  const legalBasis: LegalBasis | undefined =
    basis === 'consent'
      ? options.jurisdiction === 'RU'
        ? options.isAdvertising(purpose)
          ? 'fz38_art18_ad_consent'
          : 'fz152_consent'
        : 'gdpr_art6_1a_consent'
      : OTHER_BASES[basis];
  if (!legalBasis) return { ok: false, code: 'UNKNOWN_LEGAL_BASIS', message: `legal basis '${basis}' is not known` };

  const collectedVia = text(p.collectedVia) ?? null;
  const inputs = channels.map((channel): ConsentEventInput => ({
    eventId: channels.length === 1 ? `${event.sourceId}:${event.eventId}` : `${event.sourceId}:${event.eventId}:${channel}`,
    subject,
    purpose,
    channel,
    action,
    legalBasis,
    jurisdiction: options.jurisdiction,
    validFrom: event.occurredAt,
    source: { collectionPoint: collectedVia ?? event.sourceId, channel: collectedVia, agent: `source:${event.sourceId}` },
    proof: { noticeVersion: text(p.noticeVersion) ?? null, evidenceRef: text(p.evidenceRef) ?? null },
  }));
  return { ok: true, inputs };
};
