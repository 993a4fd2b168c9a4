import type { FastifyRequest } from 'fastify';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import { fieldGuide } from './audience-catalogue.js';
import type { Audience } from './audience-resource.js';
import {
  AudienceDetailResponse,
  AudienceListResponse,
  AudienceParams,
  AudienceResponse,
  AudienceVersionResponse,
  CreateAudienceBody,
  DraftCheckResponse,
  FieldGuideResponse,
  ListAudiencesQuery,
  UpdateAudienceBody,
  UpdatedAudienceResponse,
  ValidateAudienceBody,
  VersionParams,
} from './audiences.schemas.js';
import type { AudienceDetail, AudienceService } from './audiences.service.js';

/** Who made a change: the API key's id (write keys never reach these routes). */
const actorOf = (request: FastifyRequest): string => (request.principal?.kind === 'api-key' ? request.principal.keyId : 'unknown');

const present = <T extends Audience>(audience: T) => ({
  ...audience,
  schedule: audience.schedule === null ? null : { ...audience.schedule },
});
const presentDetail = (detail: AudienceDetail) => ({ ...present(detail), versions: [...detail.versions] });

export const registerAudienceRoutes = (app: HttpServer, deps: { audiences: AudienceService }): void => {
  const { audiences } = deps;
  const read = { auth: { scope: 'audiences:read' } } as const;
  const write = { auth: { scope: 'audiences:write' } } as const;

  app.get(
    '/v1/audiences/fields',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary:
          'What a rule may use: fields by entity and domain with their operators, event types with their properties, consent vocabulary',
        description: "For the console's query builder. Follows the contract registry: a new event type or schema version appears here.",
        response: { 200: FieldGuideResponse, ...errors(401, 403) },
      },
    },
    async () => fieldGuide(audiences.catalogue(), audiences.retainedEventDays),
  );

  app.post(
    '/v1/audiences/validate',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: 'Validate and render a draft without saving it',
        description:
          'Answers 200 with `valid`, every problem (`issues`, each with a JSON pointer into the body) and, for a valid rule, the rule in words. ' +
          'Give `id` when editing an existing audience, so that cycles through it are found.',
        body: ValidateAudienceBody,
        response: { 200: DraftCheckResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => audiences.check(request.body),
  );

  app.post(
    '/v1/audiences',
    {
      config: write,
      schema: {
        tags: ['audiences'],
        summary: 'Create an audience (version 1)',
        description:
          'The rule is validated against the field catalogue, the event contracts, the other audiences (references, cycles) and the retained event horizon; ' +
          '400 VALIDATION_FAILED lists every problem with its path. 409 CONFLICT when the id is taken.',
        body: CreateAudienceBody,
        response: { 201: AudienceDetailResponse, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const created = await audiences.create(request.body, actorOf(request));
      void reply.status(201).header('location', `/v1/audiences/${encodeURIComponent(created.id)}`);
      return presentDetail(created);
    },
  );

  app.get(
    '/v1/audiences',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: 'Audiences by id, each with its current definition in words; page with `after`',
        querystring: ListAudiencesQuery,
        response: { 200: AudienceListResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, after, limit } = request.query;
      const items = await audiences.list({ ...(status === 'all' ? {} : { status }), ...(after !== undefined ? { after } : {}), limit });
      return { items: items.map(present), next: items.length === limit ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/v1/audiences/:id',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: 'One audience: settings, current definition, its rendering in words, and every version',
        params: AudienceParams,
        response: { 200: AudienceDetailResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => presentDetail(await audiences.get(request.params.id)),
  );

  app.put(
    '/v1/audiences/:id',
    {
      config: write,
      schema: {
        tags: ['audiences'],
        summary: 'Replace the rule and settings; a changed rule becomes the next version',
        description:
          'A rule equal to the current one (react-querybuilder `id` and `path` keys aside) keeps the version and changes only the settings. ' +
          '409 CONFLICT for an archived audience, a different entity type, or a `baseVersion` that is no longer current.',
        params: AudienceParams,
        body: UpdateAudienceBody,
        response: { 200: UpdatedAudienceResponse, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { audience, versionCreated } = await audiences.update(request.params.id, request.body, actorOf(request));
      return { ...presentDetail(audience), versionCreated };
    },
  );

  app.get(
    '/v1/audiences/:id/versions/:version',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: 'One stored version of the definition (versions never change)',
        params: VersionParams,
        response: { 200: AudienceVersionResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => audiences.getVersion(request.params.id, request.params.version),
  );

  app.delete(
    '/v1/audiences/:id',
    {
      config: write,
      schema: {
        tags: ['audiences'],
        summary: 'Archive an audience: kept with its versions, no longer evaluated or usable in rules',
        description: '409 CONFLICT while an active audience uses it. Archiving an archived audience changes nothing.',
        params: AudienceParams,
        response: { 200: AudienceResponse, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => present(await audiences.archive(request.params.id, actorOf(request))),
  );
};
