import { Type, type Static } from '@sinclair/typebox';
import { REQUEST_KINDS } from './privacy-model.js';

export const PrivacyRequestBody = Type.Object(
  {
    kind: Type.Union(
      REQUEST_KINDS.map((k) => Type.Literal(k)),
      { description: 'access: export everything held about the subject; erasure: delete it (privacy:write)' },
    ),
    subject: Type.String({
      minLength: 3,
      maxLength: 300,
      description: 'profile:<id> or <identifier type>:<value>, e.g. msisdn:+79161234567 or email:someone@example.com',
    }),
  },
  { additionalProperties: false },
);
export type PrivacyRequestBody = Static<typeof PrivacyRequestBody>;

export const PrivacyRequestResponse = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  subject: Type.String(),
  status: Type.String({ description: 'completed, not_found, or purged (an access export whose subject was erased later)' }),
  profileId: Type.Union([Type.String(), Type.Null()]),
  requestedBy: Type.Object({ apiKeyId: Type.String(), name: Type.String() }),
  requestedAt: Type.String(),
  completedAt: Type.Union([Type.String(), Type.Null()]),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'The access export (profile, identifiers, consent, audiences, recipients, disclosures) or the erasure record',
  }),
});

export const PrivacyRequestParams = Type.Object({ id: Type.String() });

export const PrivacyRequestListQuery = Type.Object({
  subject: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

export const PrivacyRequestListResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String(),
      subject: Type.String(),
      status: Type.String(),
      profileId: Type.Union([Type.String(), Type.Null()]),
      requestedBy: Type.Object({ apiKeyId: Type.String(), name: Type.String() }),
      requestedAt: Type.String(),
      completedAt: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  next: Type.Union([Type.String(), Type.Null()]),
});

export const TombstoneReleaseBody = Type.Object(
  {
    subject: Type.String({ minLength: 3, maxLength: 300, description: 'The erased identifier, e.g. msisdn:+79161234567' }),
    from: Type.String({ description: 'When its next holder starts (ISO 8601 with an offset): events from then on are kept' }),
  },
  { additionalProperties: false },
);
