/** Consent vocabulary in words, for people who do not read codes (docs/consent.md). */

export const LEGAL_BASIS_WORDS: Record<string, string> = {
  gdpr_art6_1a_consent: 'consent (GDPR Art. 6(1)(a))',
  gdpr_art6_1b_contract: 'contract (GDPR Art. 6(1)(b))',
  gdpr_art6_1c_legal_obligation: 'legal obligation (GDPR Art. 6(1)(c))',
  gdpr_art6_1d_vital_interests: 'vital interests (GDPR Art. 6(1)(d))',
  gdpr_art6_1e_public_task: 'public task (GDPR Art. 6(1)(e))',
  gdpr_art6_1f_legitimate_interests: 'legitimate interests (GDPR Art. 6(1)(f))',
  fz152_consent: 'consent to processing (152-FZ Art. 9)',
  fz38_art18_ad_consent: 'advertising consent (38-FZ Art. 18(1))',
  eprivacy_traffic_consent: 'traffic data consent (ePrivacy Art. 6(3))',
  eprivacy_location_consent: 'location data consent (ePrivacy Art. 9(1))',
};

export const legalBasisWords = (code: string | null | undefined): string => (code ? (LEGAL_BASIS_WORDS[code] ?? code) : '—');

/** What an event in the ledger did, in words. */
export const ACTION_WORDS: Record<string, string> = {
  grant: 'granted',
  deny: 'denied',
  withdraw: 'withdrew',
  expire: 'expired',
};

/** Why a purpose and channel are granted or not (the ledger's reasons). */
export const REASON_WORDS: Record<string, string> = {
  GRANTED: 'valid consent',
  NO_CONSENT_RECORD: 'no record',
  DENIED: 'denied by the subject',
  WITHDRAWN: 'withdrawn',
  EXPIRED: 'expired',
  AD_CONSENT_REQUIRED: 'an advertising consent is required (38-FZ Art. 18)',
  UNKNOWN_PURPOSE: 'purpose not registered',
};

export const reasonWords = (reason: string): string =>
  REASON_WORDS[reason] ?? (reason.startsWith('TCF_') ? `the TC string does not permit it (${reason})` : reason);

/** A subject string for a type and a value, as the ledger reads it (`msisdn:+7…`, `profile:p_…`). */
export const subjectOf = (type: string, value: string): string => `${type}:${value.trim()}`;

export const SUBJECT_TYPES: readonly { readonly value: string; readonly label: string }[] = [
  { value: 'msisdn', label: 'MSISDN' },
  { value: 'email', label: 'Email' },
  { value: 'accountId', label: 'Account' },
  { value: 'profile', label: 'Profile id' },
  { value: 'appUserId', label: 'App user id' },
];

export const shortHash = (hash: string): string => `${hash.slice(0, 10)}…`;
