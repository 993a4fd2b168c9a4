import { Type } from '@sinclair/typebox';
import { ScopeSchema } from '../governance/index.js';
import { ATTRIBUTE_CLASSES } from './attribute-classes.js';
import { CONSUMER_KINDS } from './consumer.js';
import { DISCLOSURE_EXITS } from './enforcement.js';

/* Request and response schemas of /v1/consumers, /v1/policies and /v1/disclosures. */

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const AttributeClassSchema = literals(ATTRIBUTE_CLASSES);
export const PurposeCode = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'A processing purpose, e.g. marketing' });
export const ChannelCode = Type.String({
  pattern: '^(?:[a-z][a-z0-9_]{0,31}|ads:[a-z0-9][a-z0-9_.-]{0,63})$',
  description: 'A channel: sms, voice, email, push, app, … or ads:<partner>',
});

const ConsumerFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  kind: literals(CONSUMER_KINDS),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  partner: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'ad_partner only: the partner code' })),
  purposes: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50, description: 'Purposes the consumer may use data for' }),
  channels: Type.Array(Type.String({ maxLength: 80 }), { maxItems: 50, description: 'Channels it reaches people on' }),
  requiredSignals: Type.Optional(
    Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20, description: 'Signals a subject must carry, e.g. tcf_vendor_consent' }),
  ),
};

export const CreateConsumerBody = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A slug; generated when absent' })),
    ...ConsumerFields,
    keyScopes: Type.Optional(
      Type.Array(ScopeSchema, { minItems: 1, description: "Scopes of the consumer's API key (default profiles:read)" }),
    ),
  },
  { additionalProperties: false },
);
export const UpdateConsumerBody = Type.Object(ConsumerFields, { additionalProperties: false });

export const ConsumerResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: literals(CONSUMER_KINDS),
  description: Type.String(),
  partner: Type.Union([Type.String(), Type.Null()]),
  purposes: Type.Array(Type.String()),
  channels: Type.Array(Type.String()),
  requiredSignals: Type.Array(Type.String()),
  apiKeyId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('deleted')]),
  revision: Type.Integer(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});
export const ConsumerListResponse = Type.Object({ items: Type.Array(ConsumerResponse), next: Type.Union([Type.String(), Type.Null()]) });
export const CreatedConsumerResponse = Type.Composite([
  ConsumerResponse,
  Type.Object({ apiKey: Type.String({ description: 'The API key bound to the consumer; shown this once' }) }),
]);
export const ConsumerParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const ListConsumersQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('deleted'), Type.Literal('all')], { default: 'active' })),
    after: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

export const CreatePolicyBody = Type.Object(
  {
    policies: Type.String({ minLength: 1, maxLength: 200_000, description: 'Cedar policies; every policy carries @id("…")' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const PolicyVersionSummary = {
  version: Type.Integer(),
  description: Type.String(),
  fingerprint: Type.String({ description: 'SHA-256 of the policy text' }),
  createdAt: Type.String(),
  createdBy: Type.String(),
};
export const PolicyVersionResponse = Type.Object({
  ...PolicyVersionSummary,
  policies: Type.String(),
  policyIds: Type.Array(Type.String()),
  inForce: Type.Boolean(),
});
export const PolicyListResponse = Type.Object({
  current: Type.Integer({ description: 'The version in force' }),
  items: Type.Array(Type.Object(PolicyVersionSummary)),
});
export const PolicyVersionParams = Type.Object({ version: Type.Integer({ minimum: 1 }) });

export const ConsentEvidenceSchema = Type.Object(
  {
    valid: Type.Boolean(),
    explicit: Type.Boolean(),
    legalBasis: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    signals: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
    eventIds: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export const DecisionBody = Type.Object(
  {
    consumerId: Type.String({ minLength: 1, maxLength: 64 }),
    purpose: PurposeCode,
    channel: ChannelCode,
    attributeClass: AttributeClassSchema,
    consent: Type.Union([Type.Boolean(), ConsentEvidenceSchema], {
      description: "The subject's consent for the purpose and channel: a boolean or the ledger's evidence",
    }),
  },
  { additionalProperties: false },
);
export const DecisionResponse = Type.Object({
  allowed: Type.Boolean(),
  decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  rules: Type.Array(Type.String(), { description: 'The policies that decided; default-deny when none permitted' }),
  policyVersion: Type.Integer(),
});

export const AttributeCatalogueResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.Union([Type.Literal('profile'), Type.Literal('event')]),
      class: AttributeClassSchema,
      purposes: Type.Array(Type.String()),
      derivedFrom: Type.Array(Type.String()),
      unclassified: Type.Optional(Type.Boolean()),
    }),
  ),
});

export const ListDisclosuresQuery = Type.Object(
  {
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    consumer: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    after: Type.Optional(Type.String({ maxLength: 64, description: 'The `next` of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export const DisclosureResponse = Type.Object({
  id: Type.String(),
  at: Type.String(),
  subject: Type.String(),
  consumerId: Type.String(),
  exit: literals(DISCLOSURE_EXITS),
  purpose: Type.String(),
  channel: Type.String(),
  released: Type.Array(Type.String()),
  redacted: Type.Array(Type.String()),
  consentEvents: Type.Array(Type.String()),
  policyVersion: Type.Integer(),
  reference: Type.Union([Type.String(), Type.Null()]),
});
export const DisclosureListResponse = Type.Object({
  items: Type.Array(DisclosureResponse),
  next: Type.Union([Type.String(), Type.Null()]),
});
