import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { hasScope } from '../governance/index.js';
import type { ConsumerService } from '../policy/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import { parseCursor, START } from './outbox-cursor.js';
import { outboxStore } from './outbox.store.js';
import { runSseConnection, type SseDeps } from './sse-connection.js';
import type { StreamReader } from './outbox-access.js';

const StreamQuery = Type.Object(
  {
    types: Type.Optional(
      Type.String({
        description: 'Comma-separated message types, e.g. `audience.entered,audience.exited`; all when absent',
        maxLength: 1000,
      }),
    ),
    purpose: Type.Optional(Type.String({ maxLength: 64, description: "A consumer's key: the purpose it reads for (default its first)" })),
    channel: Type.Optional(Type.String({ maxLength: 80, description: "A consumer's key: the channel it reads for (default its first)" })),
    from: Type.Optional(
      Type.Union([Type.Literal('end'), Type.Literal('start')], {
        description: 'Without Last-Event-ID: `end` (default) streams what comes from now on, `start` the whole outbox first',
      }),
    ),
  },
  { additionalProperties: false },
);

const TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** The consumer bound to the key, with the purpose and channel it reads for; null for a key that reads everything. */
const readerOf = async (
  request: FastifyRequest,
  consumers: ConsumerService,
  query: { purpose?: string | undefined; channel?: string | undefined },
): Promise<StreamReader | null> => {
  const principal = request.principal;
  if (!principal || principal.kind !== 'api-key' || hasScope(principal, 'admin')) return null;
  const consumer = await consumers.forApiKey(principal.keyId);
  if (!consumer) return null;
  const purpose = query.purpose ?? consumer.purposes[0];
  const channel = query.channel ?? consumer.channels[0];
  const issues = [];
  if (purpose === undefined || !consumer.purposes.includes(purpose))
    issues.push({
      path: 'querystring/purpose',
      code: 'NOT_REGISTERED',
      message: `the consumer is registered for ${consumer.purposes.join(', ')}`,
    });
  if (channel === undefined || !consumer.channels.includes(channel))
    issues.push({
      path: 'querystring/channel',
      code: 'NOT_REGISTERED',
      message: `the consumer is registered for ${consumer.channels.join(', ')}`,
    });
  if (issues.length > 0 || purpose === undefined || channel === undefined)
    throw new AppError('VALIDATION_FAILED', 'purpose and channel must be ones the consumer is registered for', issues);
  return { consumer, purpose, channel };
};

export const registerStreamRoutes = (app: HttpServer, deps: SseDeps & { readonly consumers: ConsumerService }): void => {
  // Open streams never end by themselves: closing the server ends them (clients resume with Last-Event-ID).
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const raw of open) raw.destroy();
  });
  app.get(
    '/v1/stream',
    {
      config: { auth: { scope: 'stream:read' } },
      schema: {
        tags: ['activation'],
        summary: 'Server-sent events: outbox messages as CloudEvents, resumable with Last-Event-ID',
        description:
          'Each event: `id:` the outbox cursor (send it back as `Last-Event-ID` to resume strictly after it), `event:` the CloudEvent type ' +
          '(`tessera.audience.entered.v1`), `data:` the CloudEvent 1.0 in structured JSON. A comment line every 15 s keeps the connection open. ' +
          "A consumer's key receives only messages the policy lets it have for its purpose and channel (docs/activation.md).",
        querystring: StreamQuery,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 300 })) }),
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const types = (query.types ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      const bad = types.filter((t) => !TYPE_PATTERN.test(t));
      if (bad.length > 0)
        throw new AppError('VALIDATION_FAILED', 'types lists message types such as audience.entered', [
          { path: 'querystring/types', code: 'INVALID_TYPE', message: `not a message type: ${bad.join(', ')}` },
        ]);
      const lastEventId = request.headers['last-event-id'];
      let after = START;
      if (typeof lastEventId === 'string' && lastEventId.trim() !== '') {
        const parsed = parseCursor(lastEventId.trim());
        if (!parsed)
          throw new AppError('VALIDATION_FAILED', 'Last-Event-ID is not an event id of this stream', [
            { path: 'headers/last-event-id', code: 'INVALID_CURSOR', message: 'send back the `id:` of the last event received' },
          ]);
        after = parsed;
      } else if (query.from !== 'start') after = await outboxStore.end(deps.db);
      const reader = await readerOf(request, deps.consumers, query);
      reply.hijack();
      open.add(reply.raw);
      try {
        await runSseConnection(reply.raw, deps, { types, after, reader });
      } finally {
        open.delete(reply.raw);
      }
    },
  );
};
