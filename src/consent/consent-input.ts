import {
  CONSENT_ACTIONS,
  LEGAL_BASES,
  JURISDICTION_PATTERN,
  SLUG_PATTERN,
  isChannel,
  channelAlias,
  type ConsentAction,
  type ConsentEventDraft,
  type ConsentIssue,
  type LegalBasis,
  type Purpose,
} from './consent-model.js';

/*
 * A consent event as submitted (over HTTP, or mapped from a CRM event), checked against the
 * registered purposes and notices. Pure: the service passes what it loaded and the time. Every
 * problem is reported with the JSON pointer of its field, so a client can fix them all at once.
 */

export interface ConsentEventInput {
  readonly eventId: string;
  readonly subject: string;
  readonly purpose: string;
  readonly channel: string;
  readonly action: string;
  readonly legalBasis: string;
  readonly jurisdiction: string;
  readonly validFrom?: string;
  readonly expiresAt?: string | null;
  readonly source: { readonly collectionPoint: string; readonly channel?: string | null; readonly agent?: string | null };
  readonly proof?: { readonly noticeId?: string | null; readonly noticeVersion?: string | null; readonly evidenceRef?: string | null };
  readonly tcfString?: string | null;
  readonly tcfVendorId?: number | null;
}

export interface ConsentInputContext {
  /** The current version of each registered purpose, by code. */
  readonly purposes: ReadonlyMap<string, Purpose>;
  /** Whether a notice version is registered. */
  readonly noticeExists: (id: string, version: string) => boolean;
  /** Normalises a subject (`msisdn:8 916 …` → `msisdn:+7916…`), or says why it cannot. */
  readonly normaliseSubject: (subject: string) => { ok: true; value: string } | { ok: false; message: string };
  /** Recording time: the default `validFrom`. */
  readonly now: Date;
}

/** ISO 8601 with a time and an offset (`2026-11-20T12:00:00Z`), normalised to UTC milliseconds. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export const parseInstant = (value: string): string | undefined => {
  if (!ISO_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

const EVENT_ID = new RegExp(SLUG_PATTERN);
const JURISDICTION = new RegExp(JURISDICTION_PATTERN);

const isAction = (value: string): value is ConsentAction => (CONSENT_ACTIONS as readonly string[]).includes(value);
const isLegalBasis = (value: string): value is LegalBasis => (LEGAL_BASES as readonly string[]).includes(value);

/** Checks one submitted event at `path` (e.g. `/events/3`). */
export const checkConsentInput = (
  input: ConsentEventInput,
  path: string,
  context: ConsentInputContext,
): { readonly draft?: ConsentEventDraft; readonly issues: ConsentIssue[] } => {
  const issues: ConsentIssue[] = [];
  const issue = (field: string, code: string, message: string) => issues.push({ path: `${path}/${field}`, code, message });

  if (!EVENT_ID.test(input.eventId))
    issue('eventId', 'INVALID_EVENT_ID', 'eventId is 1–128 letters, digits and . _ : - (the idempotency key of the decision)');
  if (!JURISDICTION.test(input.jurisdiction))
    issue('jurisdiction', 'INVALID_JURISDICTION', 'jurisdiction is an ISO 3166-1 alpha-2 code (RU, DE) or EU');
  const subject = context.normaliseSubject(input.subject);
  if (!subject.ok) issue('subject', 'INVALID_SUBJECT', subject.message);

  const purpose = context.purposes.get(input.purpose);
  if (!purpose) issue('purpose', 'UNKNOWN_PURPOSE', `purpose '${input.purpose}' is not registered (POST /v1/purposes)`);

  const channel = channelAlias(input.channel);
  if (!isChannel(channel)) issue('channel', 'INVALID_CHANNEL', `'${input.channel}' is not sms, voice, email, push, app or ads:<partner>`);

  if (!isAction(input.action)) issue('action', 'INVALID_ACTION', `'${input.action}' is not one of ${CONSENT_ACTIONS.join(', ')}`);

  if (!isLegalBasis(input.legalBasis))
    issue('legalBasis', 'UNKNOWN_LEGAL_BASIS', `'${input.legalBasis}' is not one of ${LEGAL_BASES.join(', ')}`);
  else if (purpose && !purpose.legalBases.includes(input.legalBasis))
    issue(
      'legalBasis',
      'LEGAL_BASIS_NOT_ALLOWED',
      `purpose '${purpose.code}' (version ${purpose.version}) may rest only on ${purpose.legalBases.join(', ')}`,
    );

  const validFrom = input.validFrom === undefined ? context.now.toISOString() : parseInstant(input.validFrom);
  if (validFrom === undefined)
    issue('validFrom', 'INVALID_TIME', 'validFrom must be an ISO 8601 time with an offset, e.g. 2026-11-20T12:00:00Z');
  let expiresAt: string | null = null;
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    const parsed = parseInstant(input.expiresAt);
    if (parsed === undefined) issue('expiresAt', 'INVALID_TIME', 'expiresAt must be an ISO 8601 time with an offset');
    else if (input.action !== 'grant') issue('expiresAt', 'EXPIRY_ON_NON_GRANT', 'only a grant can carry an expiry');
    else if (validFrom !== undefined && parsed <= validFrom) issue('expiresAt', 'EXPIRY_BEFORE_START', 'expiresAt must be after validFrom');
    else expiresAt = parsed;
  }

  const noticeId = input.proof?.noticeId ?? null;
  const noticeVersion = input.proof?.noticeVersion ?? null;
  if (noticeId !== null) {
    if (noticeVersion === null) issue('proof/noticeVersion', 'REQUIRED', 'a notice is cited by id and version');
    else if (!context.noticeExists(noticeId, noticeVersion))
      issue('proof/noticeId', 'UNKNOWN_NOTICE', `notice '${noticeId}' version '${noticeVersion}' is not registered (POST /v1/notices)`);
  }

  const tcfString = input.tcfString ?? null;
  const tcfVendorId = input.tcfVendorId ?? null;
  if (tcfVendorId !== null && tcfString === null) issue('tcfVendorId', 'TCF_STRING_REQUIRED', 'tcfVendorId is read from a tcfString');

  if (issues.length > 0 || !subject.ok || !purpose || validFrom === undefined) return { issues };
  return {
    issues,
    draft: {
      eventId: input.eventId,
      subject: subject.value,
      purpose: purpose.code,
      channel,
      action: input.action as ConsentAction,
      legalBasis: input.legalBasis as LegalBasis,
      jurisdiction: input.jurisdiction,
      validFrom,
      expiresAt,
      source: { collectionPoint: input.source.collectionPoint, channel: input.source.channel ?? null, agent: input.source.agent ?? null },
      proof: { noticeId, noticeVersion, evidenceRef: input.proof?.evidenceRef ?? null },
      tcfString,
      tcfVendorId,
    },
  };
};

/** Whether a resubmission with the same event id is the same decision (an idempotent retry). */
export const sameDecision = (a: ConsentEventDraft, b: ConsentEventDraft): boolean =>
  a.subject === b.subject &&
  a.purpose === b.purpose &&
  a.channel === b.channel &&
  a.action === b.action &&
  a.legalBasis === b.legalBasis &&
  a.jurisdiction === b.jurisdiction &&
  a.validFrom === b.validFrom &&
  a.expiresAt === b.expiresAt &&
  a.tcfString === b.tcfString &&
  a.tcfVendorId === b.tcfVendorId &&
  a.proof.noticeId === b.proof.noticeId &&
  a.proof.noticeVersion === b.proof.noticeVersion &&
  a.proof.evidenceRef === b.proof.evidenceRef &&
  a.source.collectionPoint === b.source.collectionPoint &&
  a.source.channel === b.source.channel &&
  a.source.agent === b.source.agent;
