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
      config: { auth: { scope: 'events:write', writeKey: 'allowed' }, ingestChannel: 'native' },
      schema: {
        tags: ['ingest'],
        summary: 'Ingest a batch of events',
        description:
          "Each event is checked against its source contract and answered `accepted`, `duplicate` (same source and eventId seen before) or `quarantined` with typed reasons. The answer comes after the durable commit. Authenticate with an API key (scope events:write) or with a source's write key (HTTP Basic user name), which limits the batch to that source.",
        body: IngestBatchBody,
        response: { 200: BatchResponse, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const { events } = request.body;
      if (events.length > deps.config.maxBatchEvents) {
        throw new AppError('BATCH_TOO_LARGE', `the batch holds ${events.length} events; at most ${deps.config.maxBatchEvents} are allowed`);
      }
      const principal = request.principal;
      const fixedSourceId = principal?.kind === 'write-key' ? principal.sourceId : undefined;
      if (fixedSourceId) {
        const foreign = events.findIndex((e) => {
          const source = (e as { source?: unknown } | null)?.source;
          return source !== undefined && source !== fixedSourceId;
        });
        if (foreign >= 0) {
          throw new AppError(
            'WRITE_KEY_SOURCE_MISMATCH',
            `event ${foreign} names another source than the write key's ('${fixedSourceId}')`,
          );
        }
      }
      return deps.ingest.ingest(events, { channel: 'native', ...(fixedSourceId ? { fixedSourceId } : {}) });
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
