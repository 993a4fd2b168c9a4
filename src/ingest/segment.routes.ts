import { Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Config } from '../core/config.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import { EventResult } from './ingest.schemas.js';
import type { Ingestor } from './ingest.thread.js';
import { mapSegmentMessage, type SegmentCall } from './segment-mapping.js';

const SegmentMessage = Type.Record(Type.String(), Type.Unknown(), { description: 'A Segment message (Tracking API spec)' });
const SegmentResponse = Type.Object({
  success: Type.Boolean(),
  accepted: Type.Integer(),
  duplicate: Type.Integer(),
  quarantined: Type.Integer(),
  results: Type.Array(EventResult),
});

/**
 * The Segment-compatible Tracking API: existing analytics SDKs send here unchanged, with the
 * source's write key as the HTTP Basic user name. Every message is mapped onto a native event and
 * goes through the same checks, log and quarantine.
 */
export const registerSegmentRoutes = (
  app: HttpServer,
  deps: { ingest: Ingestor; clock: Clock; config: Pick<Config, 'maxBatchEvents'> },
): void => {
  const handle = async (sourceId: string | undefined, messages: readonly unknown[], call: SegmentCall | undefined) => {
    if (!sourceId) throw new AppError('UNAUTHENTICATED', "send the source's write key as the HTTP Basic user name");
    if (messages.length > deps.config.maxBatchEvents) {
      throw new AppError(
        'BATCH_TOO_LARGE',
        `the batch holds ${messages.length} messages; at most ${deps.config.maxBatchEvents} are allowed`,
      );
    }
    const now = deps.clock.now();
    const events = messages.map((m) => mapSegmentMessage(m, call, now));
    const result = await deps.ingest.ingest(events, { channel: 'segment', fixedSourceId: sourceId });
    return { success: true, ...result };
  };
  const sourceOf = (principal: { kind: string; sourceId?: string } | undefined): string | undefined =>
    principal?.kind === 'write-key' ? principal.sourceId : undefined;
  const config = { auth: { scope: 'events:write', writeKey: 'only' }, ingestChannel: 'segment' } as const;

  app.post(
    '/v1/batch',
    {
      config,
      schema: {
        tags: ['segment'],
        summary: 'Segment batch: several calls in one request',
        body: Type.Object({ batch: Type.Array(SegmentMessage), context: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
        response: { 200: SegmentResponse, ...errors(400, 401, 403, 413) },
      },
    },
    async (request) => {
      const shared = request.body.context;
      const messages = shared
        ? request.body.batch.map((m) => ({ ...m, context: { ...shared, ...((m.context as object | undefined) ?? {}) } }))
        : request.body.batch;
      return handle(sourceOf(request.principal), messages, undefined);
    },
  );

  for (const call of ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const) {
    app.post(
      `/v1/${call}`,
      {
        config,
        schema: {
          tags: ['segment'],
          summary: `Segment ${call} call`,
          body: SegmentMessage,
          response: { 200: SegmentResponse, ...errors(400, 401, 403, 413) },
        },
      },
      async (request) => handle(sourceOf(request.principal), [request.body], call),
    );
  }
};
