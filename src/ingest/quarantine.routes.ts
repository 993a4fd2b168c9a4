import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { QuarantineService } from './quarantine.service.js';
import type { QuarantineEntry } from './quarantine.store.js';
import { Reason, REASON_CODES } from './reasons.js';

const ReasonCode = Type.Union(REASON_CODES.map((c) => Type.Literal(c)));

const QuarantineEntryResponse = Type.Object({
  id: Type.String(),
  sourceId: Type.Union([Type.String(), Type.Null()]),
  type: Type.Union([Type.String(), Type.Null()]),
  eventId: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String(),
  reasons: Type.Array(Reason),
  raw: Type.String({ description: 'The event as received (for a malformed body, the body text)' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('replayed')]),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  count: Type.Integer({ description: 'How many times this event was refused' }),
  replayedAt: Type.Union([Type.String(), Type.Null()]),
  replayAttempts: Type.Integer(),
  lastReplayResult: Type.Unknown(),
});

const ReplayReportResponse = Type.Object({
  selected: Type.Integer(),
  accepted: Type.Integer(),
  duplicate: Type.Integer(),
  stillQuarantined: Type.Integer(),
  items: Type.Array(
    Type.Object({
      quarantineId: Type.String(),
      status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('quarantined')]),
      seq: Type.Optional(Type.Integer()),
      reasons: Type.Optional(Type.Array(Reason)),
    }),
  ),
});

const toResponse = (entry: QuarantineEntry) => ({ ...entry, reasons: [...entry.reasons] });

export const registerQuarantineRoutes = (app: HttpServer, deps: { quarantine: QuarantineService }): void => {
  app.get(
    '/v1/quarantine',
    {
      config: { auth: { scope: 'quarantine:read' } },
      schema: {
        tags: ['quarantine'],
        summary: 'Browse quarantined events',
        description: 'Filter by source, event type, reason code and status; page with `after` (the last id of the previous page).',
        querystring: Type.Object({
          source: Type.Optional(Type.String()),
          type: Type.Optional(Type.String()),
          reason: Type.Optional(ReasonCode),
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('replayed')])),
          after: Type.Optional(Type.String()),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: {
          200: Type.Object({ items: Type.Array(QuarantineEntryResponse), next: Type.Union([Type.String(), Type.Null()]) }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await deps.quarantine.list({
        limit: q.limit,
        ...(q.source ? { sourceId: q.source } : {}),
        ...(q.type ? { type: q.type } : {}),
        ...(q.reason ? { reason: q.reason } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.after ? { after: q.after } : {}),
      });
      return { items: items.map(toResponse), next: items.length === q.limit ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/v1/quarantine/:id',
    {
      config: { auth: { scope: 'quarantine:read' } },
      schema: {
        tags: ['quarantine'],
        summary: 'One quarantined event with its reasons',
        params: Type.Object({ id: Type.String() }),
        response: { 200: QuarantineEntryResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => toResponse(await deps.quarantine.get(request.params.id)),
  );

  app.post(
    '/v1/quarantine/replay',
    {
      config: { auth: { scope: 'quarantine:write' } },
      schema: {
        tags: ['quarantine'],
        summary: 'Replay quarantined events by id or by filter',
        description:
          "Runs the events through ingestion again (by default against the latest contract version, or `schemaVersion`). Entries that now pass are marked replayed; a second replay answers `duplicate`, never a second copy. An entry received with a write key and no `source` is replayed with the entry's source.",
        body: Type.Object({
          ids: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 10_000 })),
          source: Type.Optional(Type.String()),
          type: Type.Optional(Type.String()),
          reason: Type.Optional(ReasonCode),
          schemaVersion: Type.Optional(Type.Integer({ minimum: 1 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
        }),
        response: { 200: ReplayReportResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const b = request.body;
      return deps.quarantine.replay({
        ...(b.ids ? { ids: b.ids } : {}),
        ...(b.source ? { sourceId: b.source } : {}),
        ...(b.type ? { type: b.type } : {}),
        ...(b.reason ? { reason: b.reason } : {}),
        ...(b.schemaVersion ? { schemaVersion: b.schemaVersion } : {}),
        ...(b.limit ? { limit: b.limit } : {}),
      });
    },
  );

  app.post(
    '/v1/quarantine/:id/replay',
    {
      config: { auth: { scope: 'quarantine:write' } },
      schema: {
        tags: ['quarantine'],
        summary: 'Fix and replay one quarantined event',
        description:
          "Without `event`, replays the stored event; with `event`, replays the corrected event in its place. A corrected event keeps the entry's `source` and `eventId` (400 `BAD_REQUEST` otherwise; the source may change only when the entry was refused as `UNKNOWN_SOURCE`), so the log stays idempotent. The stored body and its reasons are kept as received; the corrected event is kept in `lastReplayResult.correctedEvent`, with its own reasons when it is still refused. An entry received with a write key may omit `source`: the entry's source is used, as the key did.",
        params: Type.Object({ id: Type.String() }),
        body: Type.Object({
          event: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          schemaVersion: Type.Optional(Type.Integer({ minimum: 1 })),
        }),
        response: { 200: ReplayReportResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { event, schemaVersion } = request.body;
      return event
        ? deps.quarantine.replayCorrected(request.params.id, event, schemaVersion)
        : deps.quarantine.replay({ ids: [request.params.id], ...(schemaVersion ? { schemaVersion } : {}) });
    },
  );
};
