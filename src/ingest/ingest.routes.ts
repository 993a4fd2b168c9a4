import { Type } from '@sinclair/typebox';
import type { EventLog } from '../bus/index.js';
import { AppError } from '../core/errors.js';
import type { Config } from '../core/config.js';
import type { Db } from '../storage/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import { BatchResponse, IngestBatchBody, LoggedEventResponse } from './ingest.schemas.js';
import type { Ingestor } from './ingest.thread.js';

export const registerIngestRoutes = (
  app: HttpServer,
  deps: { ingest: Ingestor; eventLog: EventLog; db: Db; config: Pick<Config, 'maxBatchEvents'> },
): void => {
  app.post(
    '/v1/events',
    {
      config: { auth: { scope: 'events:write', writeKey: 'allowed' }, ingestChannel: 'native', rawBody: true },
      // The body schema documents the API; the ingest thread checks it (readNativeBatch) with the same errors.
      validatorCompiler: () => () => true,
      schema: {
        tags: ['ingest'],
        summary: 'Ingest a batch of events',
        description:
          "Each event is checked against its source contract and answered `accepted`, `duplicate` (same source and eventId seen before) or `quarantined` with typed reasons. The answer comes after the durable commit. Authenticate with an API key (scope events:write) or with a source's write key (HTTP Basic user name), which limits the batch to that source.",
        body: IngestBatchBody,
        response: { 200: BatchResponse, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      // The body arrives as text (config.rawBody): parsing a batch here would hold up every other answer.
      const text = request.body as unknown as string;
      const principal = request.principal;
      const fixedSourceId = principal?.kind === 'write-key' ? principal.sourceId : undefined;
      const answer = await deps.ingest.ingestNative(text, {
        maxBatchEvents: deps.config.maxBatchEvents,
        ...(fixedSourceId ? { fixedSourceId } : {}),
      });
      if ('malformed' in answer)
        throw new AppError('MALFORMED_JSON', answer.malformed, [
          { message: 'the body was quarantined', quarantineId: answer.quarantineId },
        ]);
      // Already JSON text (serialised in the ingest thread): Fastify sends a string with a JSON type as it is.
      return reply.type('application/json; charset=utf-8').send(answer.json as never);
    },
  );

  app.get(
    '/v1/events/:sourceId/:eventId',
    {
      config: { auth: { scope: 'events:read' } },
      schema: {
        tags: ['ingest'],
        summary: 'Read one logged event by its idempotency key',
        params: Type.Object({ sourceId: Type.String(), eventId: Type.String() }),
        response: { 200: LoggedEventResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const event = await deps.eventLog.find(deps.db, request.params.sourceId, request.params.eventId);
      if (!event) throw new AppError('NOT_FOUND', `event ${request.params.sourceId}/${request.params.eventId} is not in the log`);
      return event;
    },
  );
};
