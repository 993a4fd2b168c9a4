import { Type, type Static } from '@sinclair/typebox';
import { Reason } from './reasons.js';

/** One event of the native batch API, as documented; each is checked one by one, not by the route. */
export const IngestEvent = Type.Object(
  {
    source: Type.String({ description: 'Registered source id, e.g. "billing"' }),
    type: Type.String({ description: 'Event type of the source, e.g. "payment"' }),
    eventId: Type.String({ description: 'Idempotency key, unique per source' }),
    occurredAt: Type.String({ format: 'date-time', description: 'When it happened (ISO 8601 with a time zone)' }),
    identifiers: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'e.g. { "msisdn": "+79161234567", "accountId": "A-1" }' }),
    ),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Validated against the contract' })),
    context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'IngestEvent', additionalProperties: true },
);

export const IngestBatchBody = Type.Object({
  events: Type.Array(Type.Unknown(), {
    description: 'IngestEvent objects. Each is checked on its own: a bad event is quarantined, the others still land.',
  }),
});

export const EventResult = Type.Object({
  index: Type.Integer(),
  eventId: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('quarantined')]),
  seq: Type.Optional(Type.Integer({ description: 'Position in the event log' })),
  partition: Type.Optional(Type.Integer()),
  quarantineId: Type.Optional(Type.String()),
  reasons: Type.Optional(Type.Array(Reason)),
  warnings: Type.Optional(Type.Array(Reason, { description: 'Identifiers dropped as placeholders' })),
});

export const BatchResponse = Type.Object(
  {
    accepted: Type.Integer(),
    duplicate: Type.Integer(),
    quarantined: Type.Integer(),
    results: Type.Array(EventResult),
  },
  { $id: 'BatchResponse' },
);
export type BatchResponse = Static<typeof BatchResponse>;

export const LoggedEventResponse = Type.Object({
  seq: Type.Integer(),
  partition: Type.Integer(),
  sourceId: Type.String(),
  eventId: Type.String(),
  type: Type.String(),
  occurredAt: Type.String(),
  receivedAt: Type.String(),
  schemaVersion: Type.Integer(),
  payload: Type.Object({
    identifiers: Type.Record(Type.String(), Type.String()),
    rawIdentifiers: Type.Optional(Type.Record(Type.String(), Type.String())),
    properties: Type.Record(Type.String(), Type.Unknown()),
    context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    channel: Type.String(),
  }),
});
