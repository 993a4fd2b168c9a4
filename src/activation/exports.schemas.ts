import { Type } from '@sinclair/typebox';
import { AD_PLATFORMS } from '../consent/index.js';
import { EXPORT_FORMATS, EXPORT_MODES } from './audience-export.js';

/* Request and response schemas of /v1/audiences/{id}/exports, /v1/exports and /v1/reports/legal-basis. */

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const ExportParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const CreateExportBody = Type.Object(
  {
    consumerId: Type.String({ minLength: 1, maxLength: 64 }),
    format: literals(EXPORT_FORMATS),
    mode: literals(EXPORT_MODES),
    purpose: Type.Optional(Type.String({ maxLength: 64, description: "One of the consumer's purposes (default its first)" })),
    channel: Type.Optional(Type.String({ maxLength: 80, description: "One of the consumer's channels (default its first)" })),
    platform: Type.Optional(
      Type.Union(
        AD_PLATFORMS.map((p) => Type.Literal(p)),
        { description: 'Ad partners: whose identifier hashing to apply when the partner code names no platform' },
      ),
    ),
  },
  { additionalProperties: false },
);

const Counts = Type.Object({
  members: Type.Integer(),
  heldOut: Type.Integer(),
  denied: Type.Integer(),
  added: Type.Integer(),
  kept: Type.Integer(),
  removed: Type.Integer(),
  deniedBy: Type.Record(Type.String(), Type.Integer()),
});

export const ExportResponse = Type.Object({
  id: Type.String(),
  audienceId: Type.String(),
  audienceVersion: Type.Integer(),
  consumerId: Type.String(),
  purpose: Type.String(),
  channel: Type.String(),
  format: literals(EXPORT_FORMATS),
  mode: literals(EXPORT_MODES),
  baseExportId: Type.Union([Type.String(), Type.Null()]),
  hashing: Type.Union([Type.String(), Type.Null()]),
  status: Type.Literal('completed'),
  file: Type.String({ description: 'Path relative to the data directory; download with GET /v1/exports/{id}/file' }),
  fileSha256: Type.String(),
  counts: Counts,
  released: Type.Array(Type.String()),
  redacted: Type.Array(Type.String()),
  policyVersion: Type.Integer(),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

const Nullable = <T extends ReturnType<typeof Type.Object>>(schema: T) => Type.Union([schema, Type.Null()]);

const ConsentEventRecord = Type.Object({
  eventId: Type.String(),
  subject: Type.String(),
  purpose: Type.String(),
  channel: Type.String(),
  action: Type.String(),
  legalBasis: Type.String(),
  jurisdiction: Type.String(),
  validFrom: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  recordedAt: Type.String(),
  purposeVersion: Type.Integer(),
  hash: Type.String(),
  evidenceRef: Type.Union([Type.String(), Type.Null()]),
  noticeId: Type.Union([Type.String(), Type.Null()]),
  noticeVersion: Type.Union([Type.String(), Type.Null()]),
});

const NoticeRecord = Type.Object({
  id: Type.String(),
  version: Type.String(),
  language: Type.String(),
  title: Type.String(),
  textHash: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.String(),
});

export const LegalBasisReportResponse = Type.Object({
  kind: Type.Literal('audience_export'),
  id: Type.String(),
  audienceId: Type.String(),
  audienceVersion: Type.Integer(),
  consumer: Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() }),
  purpose: Type.String(),
  channel: Type.String(),
  sentAt: Type.String(),
  policyVersion: Type.Integer(),
  legalBases: Type.Record(Type.String(), Type.Integer()),
  recipientCount: Type.Integer(),
  removedCount: Type.Integer(),
  excluded: Type.Object({ heldOut: Type.Integer(), denied: Type.Integer(), deniedBy: Type.Record(Type.String(), Type.Integer()) }),
  recipients: Type.Array(
    Type.Object({
      profileId: Type.String(),
      op: Type.Union([Type.Literal('add'), Type.Literal('keep')]),
      consentEvent: Nullable(ConsentEventRecord),
      notice: Nullable(NoticeRecord),
      consentEvents: Type.Array(Type.String()),
    }),
  ),
  lackingValidBasis: Type.Array(Type.Object({ profileId: Type.String(), reason: Type.String() })),
  allRecipientsHadValidBasis: Type.Boolean(),
  statement: Type.String(),
  next: Type.Union([Type.String(), Type.Null()], { description: 'More recipients: ask again with after = next' }),
});

export const ReportQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 128, description: 'Recipients after this profile id' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1_000 })),
  },
  { additionalProperties: false },
);
