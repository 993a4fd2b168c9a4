import { Type } from '@sinclair/typebox';
import { DELIVERY_STATUSES } from './deliveries.store.js';
import { DELIVERY_EVENT_TYPES, TRANSPORTS } from './event-types.js';

/* Request and response schemas of /v1/subscriptions and their deliveries. */

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const Filters = Type.Object(
  {
    audienceIds: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
        maxItems: 500,
        description: 'audience.entered / audience.exited only for these audiences',
      }),
    ),
  },
  { additionalProperties: false },
);

const SubscriptionFields = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  eventTypes: Type.Array(Type.String({ maxLength: 64 }), {
    minItems: 1,
    maxItems: DELIVERY_EVENT_TYPES.length,
    description: `Any of ${DELIVERY_EVENT_TYPES.join(', ')}`,
  }),
  filters: Type.Optional(Filters),
  transport: Type.String({ maxLength: 32, description: `${TRANSPORTS.join(', ')} (webhook is delivered today)` }),
  url: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()], { description: 'webhook: the public http(s) endpoint' })),
  purpose: Type.Optional(Type.String({ maxLength: 64, description: "One of the consumer's purposes (default: its only one)" })),
  channel: Type.Optional(Type.String({ maxLength: 80, description: "One of the consumer's channels (default: its only one)" })),
};

export const CreateSubscriptionBody = Type.Object(
  { consumerId: Type.String({ minLength: 1, maxLength: 64 }), ...SubscriptionFields },
  { additionalProperties: false },
);
export const UpdateSubscriptionBody = Type.Object(
  {
    ...SubscriptionFields,
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'active re-enables, disabled pauses' }),
    ),
  },
  { additionalProperties: false },
);

export const SubscriptionResponse = Type.Object({
  id: Type.String(),
  consumerId: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(Type.String()),
  filters: Filters,
  transport: literals(TRANSPORTS),
  url: Type.Union([Type.String(), Type.Null()]),
  purpose: Type.String(),
  channel: Type.String(),
  secrets: Type.Array(Type.Object({ createdAt: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]) }), {
    description: 'When each valid signing secret was made and until when it signs; the secrets themselves are never shown again',
  }),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')]),
  statusReason: Type.Union([Type.String(), Type.Null()]),
  revision: Type.Integer(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});
export const SubscriptionWithSecretResponse = Type.Composite([
  SubscriptionResponse,
  Type.Object({ secret: Type.String({ description: 'The whsec_ signing secret: shown this once' }) }),
]);
export const SubscriptionListResponse = Type.Object({
  items: Type.Array(SubscriptionResponse),
  next: Type.Union([Type.String(), Type.Null()]),
});
export const SubscriptionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const ListSubscriptionsQuery = Type.Object(
  {
    consumerId: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')])),
    after: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export const RotateSecretQuery = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600, default: 86_400, description: 'How long the current secret keeps signing' }),
    ),
  },
  { additionalProperties: false },
);

export const DeliveryResponse = Type.Object({
  id: Type.String(),
  subscriptionId: Type.String(),
  messageId: Type.String({ description: 'The CloudEvent id and webhook-id (the outbox id): the same on every retry and replay' }),
  seq: Type.Integer(),
  type: Type.String(),
  subject: Type.String(),
  status: literals(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const DeliveryListResponse = Type.Object({ items: Type.Array(DeliveryResponse), next: Type.Union([Type.Integer(), Type.Null()]) });
export const ListDeliveriesQuery = Type.Object(
  {
    status: Type.Optional(literals(DELIVERY_STATUSES)),
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export const DeliveryParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  deliveryId: Type.String({ minLength: 1, maxLength: 128 }),
});
export const ReplayBody = Type.Object(
  { since: Type.String({ description: 'ISO 8601: every dead letter created since then goes out again' }) },
  { additionalProperties: false },
);
export const ReplayResponse = Type.Object({ replayed: Type.Integer() });
