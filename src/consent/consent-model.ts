import type { ErrorDetail } from '../core/errors.js';

/*
 * The consent ledger's vocabulary (issue 7, docs/consent.md): purposes, notices and consent
 * events. A consent event is one decision of one subject about one purpose on one channel; events
 * are append-only and hash-chained per subject (consent-chain.ts), and the consent state is a pure
 * projection over them (consent-state.ts).
 */

/** What a subject decided. `expire` records an expiry that was not known when consent was given. */
export const CONSENT_ACTIONS = ['grant', 'deny', 'withdraw', 'expire'] as const;
export type ConsentAction = (typeof CONSENT_ACTIONS)[number];

/**
 * The legal grounds a decision is recorded under. GDPR Art. 6(1)(a)–(f) (152-FZ Art. 6(1) has the
 * same grounds; `fz152_consent` is the written or electronic consent of 152-FZ Art. 9), the
 * advertising consent of 38-FZ Art. 18(1), and the ePrivacy Directive's consents for traffic data
 * (Art. 6(3)) and location data (Art. 9(1)) used for marketing or value-added services.
 */
export const LEGAL_BASES = [
  'gdpr_art6_1a_consent',
  'gdpr_art6_1b_contract',
  'gdpr_art6_1c_legal_obligation',
  'gdpr_art6_1d_vital_interests',
  'gdpr_art6_1e_public_task',
  'gdpr_art6_1f_legitimate_interests',
  'fz152_consent',
  'fz38_art18_ad_consent',
  'eprivacy_traffic_consent',
  'eprivacy_location_consent',
] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** The bases that are the subject's own explicit consent (as opposed to contract, law or interest). */
export const CONSENT_BASES: ReadonlySet<LegalBasis> = new Set([
  'gdpr_art6_1a_consent',
  'fz152_consent',
  'fz38_art18_ad_consent',
  'eprivacy_traffic_consent',
  'eprivacy_location_consent',
]);

/** Communication channels; an ad partner is `ads:<partner>` (`ads:yandex`, `ads:gvl-755`). */
export const BASE_CHANNELS = ['sms', 'voice', 'email', 'push', 'app'] as const;
export type BaseChannel = (typeof BASE_CHANNELS)[number];
export const AD_CHANNEL_PREFIX = 'ads:';
export const CHANNEL_PATTERN = '^(sms|voice|email|push|app|ads:[a-z0-9][a-z0-9_.-]{0,63})$';
const CHANNEL = new RegExp(CHANNEL_PATTERN);

export const isChannel = (value: string): boolean => CHANNEL.test(value);
export const isAdChannel = (channel: string): boolean => channel.startsWith(AD_CHANNEL_PREFIX);

/**
 * Channel names used elsewhere in Tessera mapped to the ledger's: the CRM contract and the
 * audience vocabulary say `in_app` where the ledger says `app`.
 */
export const channelAlias = (channel: string): string => (channel === 'in_app' ? 'app' : channel);

/** A purpose code: lower-case snake case, as the CRM contract's `purpose` property. */
export const PURPOSE_CODE_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
/** A slug for notices; event ids are the client's idempotency keys. */
export const SLUG_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$';
/** ISO 3166-1 alpha-2, or EU for a Union-wide record. */
export const JURISDICTION_PATTERN = '^([A-Z]{2})$';

/**
 * A subject is a profile (`profile:<id>`) or an identifier (`msisdn:+79161234567`,
 * `email:anna@example.com`, `accountId:A-1`): consent often arrives before identity resolution
 * knows the person, and proof must name whom the decision was about as it was captured.
 */
export const SUBJECT_PATTERN = '^[a-zA-Z][a-zA-Z0-9_]{0,31}:.{1,256}$';

export interface Purpose {
  readonly code: string;
  readonly version: number;
  readonly name: string;
  readonly description: string;
  /** The legal bases a decision about this purpose may be recorded under. */
  readonly legalBases: readonly LegalBasis[];
  /** The IAB TCF v2 purpose (1–11) this purpose corresponds to, when a TC string can speak for it. */
  readonly tcfPurposeId: number | null;
  /** Advertising (38-FZ Art. 18): ad SMS and calls need an advertising consent, not a processing consent. */
  readonly advertising: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface Notice {
  readonly id: string;
  readonly version: string;
  /** BCP 47 / ISO 639-1 language of the text (`ru`, `en`, `en-GB`). */
  readonly language: string;
  /** SHA-256 hex of the exact text shown to the subject: the proof of what was shown. */
  readonly textHash: string;
  readonly title: string;
  readonly url: string | null;
  readonly purposes: readonly string[];
  readonly publishedAt: string;
  readonly createdBy: string;
}

/** Where and by whom a decision was captured. */
export interface ConsentSource {
  /** The collection point: a form, a shop, a call-centre script, a CMP (`web-cmp`, `retail`, `crm`). */
  readonly collectionPoint: string;
  /** The channel the decision was captured through (`app`, `web`, `retail`, `call_centre`). */
  readonly channel: string | null;
  /** The agent (employee, system, API key) who recorded it. */
  readonly agent: string | null;
}

/** What proves the decision: the notice shown and a reference to the evidence. */
export interface ConsentProof {
  readonly noticeId: string | null;
  readonly noticeVersion: string | null;
  /** A call recording id, a signed form, a web form submission id. */
  readonly evidenceRef: string | null;
}

/** A decision as submitted and validated, before it takes its place in the subject's chain. */
export interface ConsentEventDraft {
  /** The client's idempotency key. */
  readonly eventId: string;
  readonly subject: string;
  readonly purpose: string;
  readonly channel: string;
  readonly action: ConsentAction;
  readonly legalBasis: LegalBasis;
  readonly jurisdiction: string;
  /** When the decision takes effect (ISO 8601 UTC). */
  readonly validFrom: string;
  /** When a grant lapses (exclusive); null for no expiry. */
  readonly expiresAt: string | null;
  readonly source: ConsentSource;
  readonly proof: ConsentProof;
  /** The IAB TCF v2 TC string the decision came with, when it came from a CMP. */
  readonly tcfString: string | null;
  /** The IAB Global Vendor List id of the ad partner a TC string is read for. */
  readonly tcfVendorId: number | null;
}

/** A recorded consent event: a link in its subject's hash chain. */
export interface ConsentEvent extends ConsentEventDraft {
  /** 1, 2, 3, … per subject. */
  readonly seq: number;
  /** The purpose's version when the decision was recorded. */
  readonly purposeVersion: number;
  readonly recordedAt: string;
  /** The hash of the subject's previous event (GENESIS_HASH for the first). */
  readonly prevHash: string;
  /** SHA-256 hex over the canonical JSON of every other field. */
  readonly hash: string;
}

/** A problem with a submission, with the JSON pointer of its place in the body. */
export interface ConsentIssue extends ErrorDetail {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}
