import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/index.js';
import type { HttpServer } from './http.js';
import type { Metrics } from './metrics.js';
import { errors } from './schemas.js';

export const registerOperationsRoutes = (
  app: HttpServer,
  deps: { storage: Storage; metrics: Metrics; clock: Clock; version: string; startedAt: Date },
): void => {
  app.get(
    '/health',
    {
      config: { auth: { public: true } },
      schema: {
        tags: ['operations'],
        summary: 'Liveness and readiness: the database answers',
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), version: Type.String(), backend: Type.String(), uptimeSeconds: Type.Integer() }),
          503: Type.Object({ status: Type.Literal('unavailable'), version: Type.String(), backend: Type.String(), error: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(deps.storage.db);
      } catch (err) {
        void reply.status(503);
        return { status: 'unavailable' as const, version: deps.version, backend: deps.storage.backend, error: (err as Error).message };
      }
      return {
        status: 'ok' as const,
        version: deps.version,
        backend: deps.storage.backend,
        uptimeSeconds: Math.floor((deps.clock.now().getTime() - deps.startedAt.getTime()) / 1000),
      };
    },
  );

  app.get(
    '/metrics',
    {
      config: { auth: { scope: 'metrics:read' } },
      schema: { tags: ['operations'], summary: 'Prometheus metrics', response: { 200: Type.String(), ...errors(401, 403) } },
    },
    async (_request, reply) => {
      void reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );
};
