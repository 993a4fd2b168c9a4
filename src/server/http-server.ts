import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from '../core/logger.js';
import { AppError } from '../core/errors.js';
import type { HttpServer } from './http.js';
import { createAuthHook } from './auth.js';
import { DEFAULT_CONSOLE_DIR, registerConsole } from './console-static.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import type { Metrics } from './metrics.js';
import { ErrorResponse } from './schemas.js';
import type { ApiKeys } from '../governance/index.js';
import { parseJsonBody, type Ingestor } from '../ingest/index.js';

export interface HttpServerDeps {
  readonly log: Logger;
  readonly maxBodyBytes: number;
  readonly version: string;
  readonly metrics: Metrics;
  readonly apiKeys: ApiKeys;
  readonly writeKeys: { sourceForWriteKey(writeKey: string): Promise<{ id: string } | undefined> };
  readonly ingest: Ingestor;
  /** The built console served at `/` (default dist/console); nothing is served when it is missing. */
  readonly consoleDir?: string;
}

/**
 * The Fastify instance with everything every route shares: JSON parsing that quarantines a
 * malformed ingest body, authentication, the error mapping, metrics and the OpenAPI document.
 * Domain routes are registered on it by the composition root.
 */
export const createHttpServer = async (deps: HttpServerDeps): Promise<HttpServer> => {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.maxBodyBytes,
    // Per-request logs would cost more than the ingest itself; metrics carry request timings.
    logController: new LogController({ disableRequestLogging: true }),
    // No array coercion: `{ "events": "x" }` is an error, not a batch of one.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    async (
      request: {
        routeOptions: { config: { ingestChannel?: 'native' | 'segment'; rawBody?: boolean } };
        principal?: { kind: string; sourceId?: string };
      },
      body: string | Buffer,
    ) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      // A route that parses its body elsewhere (the native batch, in the ingest thread) gets the text.
      if (request.routeOptions.config.rawBody) return text;
      if (text.trim() === '') throw new AppError('BAD_REQUEST', 'the JSON body is empty');
      try {
        return parseJsonBody(text);
      } catch (err) {
        const message = `the body is not valid JSON: ${(err as Error).message}`;
        const channel = request.routeOptions.config.ingestChannel;
        if (!channel) throw new AppError('MALFORMED_JSON', message);
        // Nothing that reached an ingest route is lost: the unreadable body is kept for the steward.
        const sourceId = request.principal?.kind === 'write-key' ? request.principal.sourceId : undefined;
        const quarantineId = await deps.ingest.quarantineMalformed(text, channel, sourceId, message);
        throw new AppError('MALFORMED_JSON', message, [{ message: 'the body was quarantined', quarantineId }]);
      }
    },
  );

  app.addSchema(ErrorResponse);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  const authenticate = createAuthHook({ apiKeys: deps.apiKeys, writeKeys: deps.writeKeys });
  app.addHook('onRequest', authenticate);
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.http.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tessera API',
        version: deps.version,
        description:
          'Tessera, a real-time Customer Data Platform for telecom operators. Every route except /health needs an API key: `Authorization: Bearer <key>`. The Segment-compatible routes take a source write key as the HTTP Basic user name.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Tessera API key (tsk_…)' },
          writeKey: { type: 'http', scheme: 'basic', description: "A source's write key as the user name, empty password" },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'ingest', description: 'Native batch ingestion and the event log' },
        { name: 'segment', description: 'Segment-compatible Tracking API' },
        { name: 'sources', description: 'Sources, owners, freshness, data quality' },
        { name: 'contracts', description: 'Versioned event contracts and compatibility' },
        { name: 'quarantine', description: 'Refused events, fix and replay' },
        { name: 'identity', description: 'Identifier rules and the identity graph' },
        { name: 'profiles', description: 'Profiles and lookup' },
        { name: 'audiences', description: 'Audience definitions: rules, versions, validation, the field catalogue' },
        { name: 'governance', description: 'API keys and scopes' },
        { name: 'operations', description: 'Health and metrics' },
      ],
    },
  });
  // The docs need a key like every other route (any valid API key); a browser asks for it with
  // its HTTP Basic dialog, the key as the password.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), auth: { anyKey: true } };
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await registerConsole(app, { dir: deps.consoleDir ?? DEFAULT_CONSOLE_DIR, log: deps.log });
  return app;
};
