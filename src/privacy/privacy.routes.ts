import { AppError } from '../core/errors.js';
import { hasScope } from '../governance/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { PrivacyService } from './privacy.service.js';
import {
  PrivacyRequestBody,
  PrivacyRequestListQuery,
  PrivacyRequestListResponse,
  PrivacyRequestParams,
  PrivacyRequestResponse,
  TombstoneReleaseBody,
} from './privacy.schemas.js';

/** Data-subject requests (docs/privacy.md). Access needs `privacy:read`, erasure `privacy:write`. */
export const registerPrivacyRoutes = (app: HttpServer, deps: { privacy: PrivacyService }): void => {
  app.post(
    '/v1/privacy/requests',
    {
      config: { auth: { scope: 'privacy:read' } },
      schema: {
        tags: ['privacy'],
        summary: 'A data-subject request: access (export as JSON) or erasure',
        description:
          'Recorded with the API key that asked. Access answers the export: the profile (with lineage), its identifiers, ' +
          'consent history, audience memberships and the recipients from the disclosure log. Erasure (scope privacy:write) ' +
          'deletes the profile, its identifiers and events in one transaction, leaves a tombstone so neither a rebuild nor a ' +
          're-ingest brings them back, keeps the consent ledger as proof, and answers the erasure record.',
        body: PrivacyRequestBody,
        response: { 201: PrivacyRequestResponse, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind !== 'api-key') throw new AppError('UNAUTHENTICATED', 'an API key is required');
      if (request.body.kind === 'erasure' && !hasScope(principal, 'privacy:write'))
        throw new AppError('FORBIDDEN', 'an erasure request needs the privacy:write scope');
      const answer = await deps.privacy.request(request.body, { apiKeyId: principal.keyId, name: principal.name });
      return reply.code(201).send(answer);
    },
  );

  app.post(
    '/v1/privacy/tombstones/release',
    {
      config: { auth: { scope: 'privacy:write' } },
      schema: {
        tags: ['privacy'],
        summary: "End an erased identifier's tombstone when it goes to someone else (a recycled number)",
        description:
          "Events carrying the identifier from `from` on are kept again; the erased holder's earlier epoch stays suppressed. Recorded as a request of kind tombstone_release.",
        body: TombstoneReleaseBody,
        response: { 201: PrivacyRequestResponse, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind !== 'api-key') throw new AppError('UNAUTHENTICATED', 'an API key is required');
      return reply.code(201).send(await deps.privacy.releaseTombstone(request.body, { apiKeyId: principal.keyId, name: principal.name }));
    },
  );

  app.get(
    '/v1/privacy/requests/:id',
    {
      config: { auth: { scope: 'privacy:read' } },
      schema: {
        tags: ['privacy'],
        summary: 'A data-subject request with its result (the access export or the erasure record)',
        params: PrivacyRequestParams,
        response: { 200: PrivacyRequestResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => deps.privacy.get(request.params.id),
  );

  app.get(
    '/v1/privacy/requests',
    {
      config: { auth: { scope: 'privacy:read' } },
      schema: {
        tags: ['privacy'],
        summary: 'The audit of data-subject requests, oldest first (without results), by subject or all',
        querystring: PrivacyRequestListQuery,
        response: { 200: PrivacyRequestListResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const items = await deps.privacy.list({
        limit,
        ...(request.query.subject !== undefined ? { subject: request.query.subject } : {}),
        ...(request.query.after !== undefined ? { after: request.query.after } : {}),
      });
      return {
        items: items.map(({ result: _r, ...rest }) => rest),
        next: items.length === limit ? (items.at(-1)?.id ?? null) : null,
      };
    },
  );
};
