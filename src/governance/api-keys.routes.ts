import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { ApiKeys } from './api-keys.js';
import { ScopeSchema } from './scopes.js';

const ApiKeyResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(ScopeSchema),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

export const registerApiKeyRoutes = (app: HttpServer, deps: { apiKeys: ApiKeys }): void => {
  const admin = { auth: { scope: 'admin' } } as const;
  app.get(
    '/v1/api-keys',
    {
      config: admin,
      schema: {
        tags: ['governance'],
        summary: 'API keys (never the keys themselves)',
        response: { 200: Type.Object({ items: Type.Array(ApiKeyResponse) }), ...errors(401, 403) },
      },
    },
    async () => ({ items: (await deps.apiKeys.list()).map((k) => ({ ...k, scopes: [...k.scopes] })) }),
  );
  app.post(
    '/v1/api-keys',
    {
      config: admin,
      schema: {
        tags: ['governance'],
        summary: 'Create an API key with scopes; the key is shown once',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), scopes: Type.Array(ScopeSchema, { minItems: 1 }) }),
        response: { 201: Type.Composite([ApiKeyResponse, Type.Object({ key: Type.String() })]), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { apiKey, key } = await deps.apiKeys.create(request.body.name, request.body.scopes);
      void reply.status(201);
      return { ...apiKey, scopes: [...apiKey.scopes], key };
    },
  );
  app.delete(
    '/v1/api-keys/:id',
    {
      config: admin,
      schema: {
        tags: ['governance'],
        summary: 'Revoke an API key',
        params: Type.Object({ id: Type.String() }),
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deps.apiKeys.revoke(request.params.id);
      void reply.status(204);
      return null;
    },
  );
};
