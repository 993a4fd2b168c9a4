import { Type } from '@sinclair/typebox';
import {
  CHANNEL_PATTERN,
  CONSENT_ACTIONS,
  JURISDICTION_PATTERN,
  LEGAL_BASES,
  PURPOSE_CODE_PATTERN,
  SLUG_PATTERN,
  SUBJECT_PATTERN,
} from './consent-model.js';
import { MAX_EVENTS_PER_REQUEST } from './consent.service.js';

/*
 * Request and response schemas of /v1/consents, /v1/purposes and /v1/notices (separate from the
 * domain types). The schemas check shapes; the service checks meaning (a registered purpose, a
 * basis the purpose allows, a known notice) and names the field of every problem.
 */

const literals = <T extends string>(values: readonly T[], description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const LegalBasisSchema = literals(
  LEGAL_BASES,
  'GDPR Art. 6(1)(a)–(f); 152-FZ consent; 38-FZ Art. 18 advertising consent; ePrivacy traffic / location data consent',
);
const Action = literals(CONSENT_ACTIONS);
const Time = Type.String({ description: 'ISO 8601 with an offset, e.g. 2026-11-20T12:00:00Z', maxLength: 40 });

export const ConsentEventBody = Type.Object(
  {
    eventId: Type.String({
      pattern: SLUG_PATTERN,
      description: 'Your id for this decision: the idempotency key (a retry answers `duplicate`)',
    }),
    subject: Type.String({
      pattern: SUBJECT_PATTERN,
      description: 'profile:<id> or <identifier type>:<value>, e.g. msisdn:+79161234567 (phones and emails are normalised)',
    }),
    purpose: Type.String({ pattern: PURPOSE_CODE_PATTERN, description: 'A registered purpose code (GET /v1/purposes)' }),
    channel: Type.String({ description: 'sms, voice, email, push, app (in_app is accepted for app) or ads:<partner>', maxLength: 68 }),
    action: Action,
    legalBasis: LegalBasisSchema,
    jurisdiction: Type.String({ pattern: JURISDICTION_PATTERN, description: 'ISO 3166-1 alpha-2 (RU, DE) or EU' }),
    validFrom: Type.Optional(Type.String({ ...Time, description: 'When the decision takes effect (default: when recorded)' })),
    expiresAt: Type.Optional(Nullable(Type.String({ ...Time, description: 'When a grant lapses' }))),
    source: Type.Object(
      {
        collectionPoint: Type.String({ minLength: 1, maxLength: 200, description: 'The form, shop, script or CMP where it was captured' }),
        channel: Type.Optional(
          Nullable(Type.String({ maxLength: 64, description: 'How it was captured: app, web, retail, call_centre…' })),
        ),
        agent: Type.Optional(Nullable(Type.String({ maxLength: 200, description: 'Who recorded it (default: the API key)' }))),
      },
      { additionalProperties: false },
    ),
    proof: Type.Optional(
      Type.Object(
        {
          noticeId: Type.Optional(Nullable(Type.String({ pattern: SLUG_PATTERN, description: 'A registered notice (POST /v1/notices)' }))),
          noticeVersion: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
          evidenceRef: Type.Optional(
            Nullable(Type.String({ minLength: 1, maxLength: 200, description: 'Call recording, signed form, submission id' })),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    tcfString: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 10_000, description: 'The IAB TCF v2 TC string the decision came with' })),
    ),
    tcfVendorId: Type.Optional(
      Type.Union([
        Type.Integer({ minimum: 1, maximum: 65_535, description: 'The ad partner’s IAB GVL vendor id, read in the TC string' }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const RecordConsentsBody = Type.Object(
  { events: Type.Array(ConsentEventBody, { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }) },
  { additionalProperties: false },
);

export const RecordConsentsResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      eventId: Type.String(),
      subject: Type.String({ description: 'The subject as normalised' }),
      status: literals(['recorded', 'duplicate'] as const),
      seq: Type.Integer({ description: "The event's place in the subject's chain" }),
      hash: Type.String(),
    }),
  ),
});

export const SubjectParams = Type.Object({ subject: Type.String({ minLength: 3, maxLength: 300 }) });
export const SubjectQuery = Type.Object(
  {
    asOf: Type.Optional(Type.String({ ...Time, description: 'The state valid at this time (default: now)' })),
    purpose: Type.Optional(
      Type.String({ pattern: PURPOSE_CODE_PATTERN, description: 'With channel: the decision for one purpose and channel' }),
    ),
    channel: Type.Optional(Type.String({ pattern: CHANNEL_PATTERN.replace('|app|', '|app|in_app|') })),
  },
  { additionalProperties: false },
);

const StoredEvent = Type.Object({
  eventId: Type.String(),
  subject: Type.String(),
  seq: Type.Integer(),
  purpose: Type.String(),
  purposeVersion: Type.Integer(),
  channel: Type.String(),
  action: Action,
  legalBasis: LegalBasisSchema,
  jurisdiction: Type.String(),
  validFrom: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  source: Type.Object({
    collectionPoint: Type.String(),
    channel: Type.Union([Type.String(), Type.Null()]),
    agent: Type.Union([Type.String(), Type.Null()]),
  }),
  proof: Type.Object({
    noticeId: Type.Union([Type.String(), Type.Null()]),
    noticeVersion: Type.Union([Type.String(), Type.Null()]),
    evidenceRef: Type.Union([Type.String(), Type.Null()]),
  }),
  tcfString: Type.Union([Type.String(), Type.Null()]),
  tcfVendorId: Type.Union([Type.Integer(), Type.Null()]),
  recordedAt: Type.String(),
  prevHash: Type.String(),
  hash: Type.String(),
});

const Decision = Type.Object({
  purpose: Type.String(),
  channel: Type.String(),
  at: Type.String(),
  status: literals(['granted', 'denied', 'withdrawn', 'expired', 'none'] as const),
  valid: Type.Boolean(),
  reason: Type.String({
    description: 'GRANTED, or the rule that denied: NO_CONSENT_RECORD, DENIED, WITHDRAWN, EXPIRED, AD_CONSENT_REQUIRED, TCF_…',
  }),
  eventId: Type.Union([Type.String(), Type.Null()], { description: 'The decisive event' }),
  seq: Type.Union([Type.Integer(), Type.Null()]),
  legalBasis: Type.Union([LegalBasisSchema, Type.Null()]),
  validFrom: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
});

export const ProfileConsentResponse = Type.Object({
  profileId: Type.String(),
  asOf: Type.String(),
  subjects: Type.Array(Type.String(), { description: 'The subjects the person is known under: profile:<id> and its current identifiers' }),
  consents: Type.Array(
    Type.Composite([Decision, Type.Object({ subject: Type.Union([Type.String(), Type.Null()], { description: 'Whose event decided' }) })]),
    { description: 'Every purpose and channel any of the subjects has a record for, decided now; anything absent is denied' },
  ),
});

export const SubjectConsentResponse = Type.Object({
  subject: Type.String(),
  asOf: Type.String(),
  consents: Type.Array(Decision, { description: 'Every purpose and channel with a record, decided at asOf; anything absent is denied' }),
  decision: Type.Optional(Decision),
  history: Type.Array(StoredEvent, { description: 'Every event of the subject, in chain order' }),
  chain: Type.Object({
    valid: Type.Boolean(),
    length: Type.Integer(),
    head: Type.Optional(Type.String()),
    brokenAt: Type.Optional(Type.Integer()),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  }),
});

export const PurposeBody = Type.Object(
  {
    code: Type.String({ pattern: PURPOSE_CODE_PATTERN }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    legalBases: Type.Array(Type.String({ maxLength: 64 }), { maxItems: LEGAL_BASES.length, description: `Of: ${LEGAL_BASES.join(', ')}` }),
    tcfPurposeId: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'IAB TCF v2 purpose 1–11' })),
    advertising: Type.Optional(
      Type.Boolean({ description: 'Advertising under 38-FZ Art. 18: ad SMS and calls need an advertising consent' }),
    ),
  },
  { additionalProperties: false },
);

export const PurposeResponse = Type.Object({
  code: Type.String(),
  version: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  legalBases: Type.Array(LegalBasisSchema),
  tcfPurposeId: Type.Union([Type.Integer(), Type.Null()]),
  advertising: Type.Boolean(),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

export const DefinedPurposeResponse = Type.Composite([
  PurposeResponse,
  Type.Object({ created: Type.Boolean({ description: 'False when the submission equals the current version' }) }),
]);
export const PurposeListResponse = Type.Object({ items: Type.Array(PurposeResponse) });
export const PurposeParams = Type.Object({ code: Type.String({ pattern: PURPOSE_CODE_PATTERN }) });

export const NoticeBody = Type.Object(
  {
    id: Type.String({ pattern: SLUG_PATTERN }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    language: Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', description: 'BCP 47, e.g. ru, en-GB' }),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 200_000, description: 'The text shown; only its SHA-256 is stored' })),
    textHash: Type.Optional(Type.String({ description: 'SHA-256 hex of the text, when the text is not sent' })),
    url: Type.Optional(Type.String({ maxLength: 2000 })),
    purposes: Type.Optional(Type.Array(Type.String({ pattern: PURPOSE_CODE_PATTERN }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

export const NoticeResponse = Type.Object({
  id: Type.String(),
  version: Type.String(),
  language: Type.String(),
  title: Type.String(),
  textHash: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  purposes: Type.Array(Type.String()),
  publishedAt: Type.String(),
  createdBy: Type.String(),
});
export const PublishedNoticeResponse = Type.Composite([NoticeResponse, Type.Object({ created: Type.Boolean() })]);
export const NoticeListResponse = Type.Object({ items: Type.Array(NoticeResponse) });
export const NoticeListQuery = Type.Object({ id: Type.Optional(Type.String({ pattern: SLUG_PATTERN })) }, { additionalProperties: false });
