import { sha256Hex } from '../core/hash.js';
import { LEGAL_BASES, type ConsentIssue, type LegalBasis } from './consent-model.js';
import { TCF_MAX_PURPOSE } from './tcf.js';

/*
 * Purposes and notices: the registered vocabulary consent events cite. A purpose is versioned by
 * code (a change of what it means is a new version; decisions record the version they were made
 * under); a notice is versioned by id and carries the hash of the exact text shown.
 */

export interface PurposeDraft {
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly legalBases: readonly LegalBasis[];
  readonly tcfPurposeId: number | null;
  readonly advertising: boolean;
}

/**
 * The purposes every installation starts with: those of the CRM `consent_changed` contract and the
 * audience vocabulary, and the explicit traffic and location data consents (consent-state.ts).
 * Declared at start at version 1 when missing; an operator's later versions are kept.
 */
export const BUILTIN_PURPOSES: readonly PurposeDraft[] = [
  {
    code: 'marketing',
    name: 'Marketing communications',
    description: "Offers of the operator's own products and services (advertising under 38-FZ Art. 18 when sent by SMS or call).",
    legalBases: ['fz38_art18_ad_consent', 'fz152_consent', 'gdpr_art6_1a_consent'],
    tcfPurposeId: null,
    advertising: true,
  },
  {
    code: 'third_party_ads',
    name: 'Third-party advertising',
    description: 'Advertising of partners, and audiences shared with ad platforms.',
    legalBases: ['fz38_art18_ad_consent', 'fz152_consent', 'gdpr_art6_1a_consent'],
    tcfPurposeId: 4,
    advertising: true,
  },
  {
    code: 'profiling',
    name: 'Profiling',
    description: 'Building a profile of interests and behaviour to personalise offers.',
    legalBases: ['fz152_consent', 'gdpr_art6_1a_consent', 'gdpr_art6_1f_legitimate_interests'],
    tcfPurposeId: null,
    advertising: false,
  },
  {
    code: 'analytics',
    name: 'Analytics',
    description: 'Aggregated measurement and service improvement.',
    legalBases: ['fz152_consent', 'gdpr_art6_1a_consent', 'gdpr_art6_1f_legitimate_interests'],
    tcfPurposeId: null,
    advertising: false,
  },
  {
    code: 'service',
    name: 'Service communications',
    description: 'Messages needed to provide the contracted service: bills, outages, security notices.',
    legalBases: ['gdpr_art6_1b_contract', 'gdpr_art6_1c_legal_obligation', 'fz152_consent', 'gdpr_art6_1a_consent'],
    tcfPurposeId: null,
    advertising: false,
  },
  {
    code: 'traffic_data',
    name: 'Traffic data for marketing',
    description: 'Using traffic data (sessions, calls, visited domains) to market services (ePrivacy Art. 6(3)).',
    legalBases: ['eprivacy_traffic_consent', 'gdpr_art6_1a_consent'],
    tcfPurposeId: null,
    advertising: false,
  },
  {
    code: 'location_data',
    name: 'Location data for marketing',
    description: 'Using location data to market services or offer value-added services (ePrivacy Art. 9(1)).',
    legalBases: ['eprivacy_location_consent', 'gdpr_art6_1a_consent'],
    tcfPurposeId: null,
    advertising: false,
  },
];

export interface PurposeInput {
  readonly code: string;
  readonly name?: string;
  readonly description?: string;
  readonly legalBases: readonly string[];
  readonly tcfPurposeId?: number | null;
  readonly advertising?: boolean;
}

const isLegalBasis = (value: string): value is LegalBasis => (LEGAL_BASES as readonly string[]).includes(value);

/** Checks a purpose as submitted; every problem at once, each with its JSON pointer. */
export const checkPurposeInput = (input: PurposeInput): { draft?: PurposeDraft; issues: ConsentIssue[] } => {
  const issues: ConsentIssue[] = [];
  if (input.legalBases.length === 0)
    issues.push({ path: '/legalBases', code: 'REQUIRED', message: 'a purpose needs at least one legal basis' });
  input.legalBases.forEach((basis, i) => {
    if (!isLegalBasis(basis))
      issues.push({ path: `/legalBases/${i}`, code: 'UNKNOWN_LEGAL_BASIS', message: `'${basis}' is not one of ${LEGAL_BASES.join(', ')}` });
    else if (input.legalBases.indexOf(basis) !== i)
      issues.push({ path: `/legalBases/${i}`, code: 'DUPLICATE', message: `'${basis}' is listed twice` });
  });
  const tcf = input.tcfPurposeId ?? null;
  if (tcf !== null && (!Number.isInteger(tcf) || tcf < 1 || tcf > TCF_MAX_PURPOSE))
    issues.push({ path: '/tcfPurposeId', code: 'OUT_OF_RANGE', message: `a TCF v2 purpose id is 1–${TCF_MAX_PURPOSE}` });
  if (issues.length > 0) return { issues };
  return {
    issues,
    draft: {
      code: input.code,
      name: input.name ?? input.code,
      description: input.description ?? '',
      legalBases: input.legalBases as LegalBasis[],
      tcfPurposeId: tcf,
      advertising: input.advertising ?? false,
    },
  };
};

/** Whether a new submission says the same as the stored version (then no new version is made). */
export const samePurpose = (a: PurposeDraft, b: PurposeDraft): boolean =>
  a.name === b.name &&
  a.description === b.description &&
  a.tcfPurposeId === b.tcfPurposeId &&
  a.advertising === b.advertising &&
  a.legalBases.length === b.legalBases.length &&
  a.legalBases.every((basis) => b.legalBases.includes(basis));

const HEX64 = /^[0-9a-f]{64}$/;

export interface NoticeInput {
  readonly id: string;
  readonly version: string;
  readonly language: string;
  readonly title?: string;
  /** The text shown; its SHA-256 is stored (the text itself is the operator's to keep). */
  readonly text?: string;
  readonly textHash?: string;
  readonly url?: string;
  readonly purposes?: readonly string[];
}

/** The text hash a notice is stored with: given, or computed from the text; both must agree. */
export const noticeTextHash = (input: NoticeInput): { hash?: string; issues: ConsentIssue[] } => {
  const given = input.textHash?.toLowerCase();
  if (given !== undefined && !HEX64.test(given))
    return { issues: [{ path: '/textHash', code: 'INVALID_HASH', message: 'textHash must be 64 hexadecimal digits (SHA-256)' }] };
  const computed = input.text !== undefined ? sha256Hex(input.text) : undefined;
  if (given === undefined && computed === undefined)
    return { issues: [{ path: '/text', code: 'REQUIRED', message: 'give the notice text or its SHA-256 textHash' }] };
  if (given !== undefined && computed !== undefined && given !== computed)
    return { issues: [{ path: '/textHash', code: 'HASH_MISMATCH', message: 'textHash is not the SHA-256 of text' }] };
  return { hash: (given ?? computed) as string, issues: [] };
};
