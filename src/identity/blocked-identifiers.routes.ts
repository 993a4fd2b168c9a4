import { Type } from '@sinclair/typebox';
import { IdentifierTypeName } from '../contracts/index.js';
import { AppError } from '../core/errors.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { BlockedIdentifiers } from './blocked-identifiers.js';

const Blocked = Type.Object({ type: IdentifierTypeName, value: Type.String(), reason: Type.String(), createdAt: Type.String() });

export const registerBlockedIdentifierRoutes = (app: HttpServer, deps: { blocked: BlockedIdentifiers }): void => {
  app.get(
    '/v1/identifiers/blocked',
    {
      config: { auth: { scope: 'identifiers:read' } },
      schema: {
        tags: ['identity'],
        summary: 'Blocked identifier values',
        response: { 200: Type.Object({ items: Type.Array(Blocked) }), ...errors(401, 403) },
      },
    },
    async () => ({ items: deps.blocked.list() }),
  );

  app.post(
    '/v1/identifiers/blocked',
    {
      config: { auth: { scope: 'identifiers:write' } },
      schema: {
        tags: ['identity'],
        summary: 'Block an identifier value: events carrying it are quarantined',
        description: 'The value is normalised first, so "8 (916) 123-45-67" blocks +79161234567.',
        body: Type.Object({
          type: IdentifierTypeName,
          value: Type.String({ minLength: 1 }),
          reason: Type.String({ minLength: 1, maxLength: 500 }),
        }),
        response: { 201: Blocked, ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const entry = await deps.blocked.add(request.body.type, request.body.value, request.body.reason);
      void reply.status(201);
      return entry;
    },
  );

  app.delete(
    '/v1/identifiers/blocked/:type/:value',
    {
      config: { auth: { scope: 'identifiers:write' } },
      schema: {
        tags: ['identity'],
        summary: 'Unblock an identifier value',
        params: Type.Object({ type: IdentifierTypeName, value: Type.String() }),
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      if (!(await deps.blocked.remove(request.params.type, request.params.value))) {
        throw new AppError('NOT_FOUND', `${request.params.type} ${request.params.value} is not blocked`);
      }
      void reply.status(204);
      return null;
    },
  );
};
