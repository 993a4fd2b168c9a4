import { Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../storage/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import { CompatibilityMode, EventTypeContract, SourceDeclaration } from './contract.js';
import type { ContractRegistry } from './contract-registry.js';
import { contractsStore, type Source } from './contracts.store.js';
import { checkCompatibility, diffSchemas } from './schema-compat.js';

const SourceResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  owner: Type.String(),
  description: Type.String(),
  freshnessSlaSeconds: Type.Integer(),
  origin: Type.String({ description: 'builtin, file (contracts/ directory) or api' }),
  hasWriteKey: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  lastEventAt: Type.Union([Type.String(), Type.Null()]),
  freshness: Type.Object({
    status: Type.Union([Type.Literal('fresh'), Type.Literal('stale'), Type.Literal('never')]),
    secondsSinceLastEvent: Type.Union([Type.Integer(), Type.Null()]),
  }),
  eventTypes: Type.Array(
    Type.Object({ type: Type.String(), description: Type.String(), compatibility: CompatibilityMode, latestVersion: Type.Integer() }),
  ),
});

const VersionResponse = Type.Object({
  version: Type.Integer(),
  schema: Type.Record(Type.String(), Type.Unknown()),
  identifierMappings: Type.Record(Type.String(), Type.String()),
  classifications: Type.Record(Type.String(), Type.String()),
  fingerprint: Type.String(),
  createdAt: Type.String(),
});

const Incompatibility = Type.Object({
  path: Type.String(),
  change: Type.String(),
  message: Type.String(),
  breaks: Type.Array(Type.String()),
});

const SourceParams = Type.Object({ id: Type.String() });
const TypeParams = Type.Object({ id: Type.String(), type: Type.String() });

export const registerSourceRoutes = (app: HttpServer, deps: { registry: ContractRegistry; db: Db; clock: Clock }): void => {
  const { registry } = deps;

  // lastEventAt is read from the store: ingestion updates it in every batch's transaction.
  /** A source as answered: `stored` is read from the store, where ingestion keeps lastEventAt current. */
  const presentStored = (stored: Source) => {
    const seconds =
      stored.lastEventAt === null ? null : Math.max(0, Math.floor((deps.clock.now().getTime() - Date.parse(stored.lastEventAt)) / 1000));
    return {
      ...stored,
      freshness: {
        status: seconds === null ? ('never' as const) : seconds > stored.freshnessSlaSeconds ? ('stale' as const) : ('fresh' as const),
        secondsSinceLastEvent: seconds,
      },
      eventTypes: registry
        .listEventTypes(stored.id)
        .map((t) => ({ type: t.type, description: t.description, compatibility: t.compatibility, latestVersion: t.latestVersion })),
    };
  };

  const present = async (source: Source) => presentStored((await contractsStore.getSource(deps.db, source.id)) ?? source);

  app.get(
    '/v1/sources',
    {
      config: { auth: { scope: 'sources:read' } },
      schema: {
        tags: ['sources'],
        summary: 'Registered sources with owners, event types and freshness',
        response: { 200: Type.Object({ items: Type.Array(SourceResponse) }), ...errors(401, 403) },
      },
    },
    // One query for every source's last-event time, not one per source.
    async () => ({ items: (await contractsStore.listSources(deps.db)).map(presentStored) }),
  );

  app.post(
    '/v1/sources',
    {
      config: { auth: { scope: 'sources:write' } },
      schema: {
        tags: ['sources'],
        summary: 'Register a source (and optionally its first contracts); answers its write key once',
        body: Type.Object(
          { ...SourceDeclaration.properties, eventTypes: Type.Optional(Type.Array(EventTypeContract)) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Composite([SourceResponse, Type.Object({ writeKey: Type.String() })]), ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const { eventTypes, ...declaration } = request.body;
      if (registry.getSource(declaration.id)) throw new AppError('CONFLICT', `source '${declaration.id}' already exists`);
      await registry.declareContract({ source: declaration, eventTypes: eventTypes ?? [] }, 'api');
      const writeKey = await registry.rotateWriteKey(declaration.id);
      void reply.status(201);
      return { ...(await present(registry.requireSource(declaration.id))), writeKey };
    },
  );

  app.get(
    '/v1/sources/:id',
    {
      config: { auth: { scope: 'sources:read' } },
      schema: {
        tags: ['sources'],
        summary: 'One source',
        params: SourceParams,
        response: { 200: SourceResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => present(registry.requireSource(request.params.id)),
  );

  app.put(
    '/v1/sources/:id',
    {
      config: { auth: { scope: 'sources:write' } },
      schema: {
        tags: ['sources'],
        summary: 'Update a source (name, owner, description, freshness SLA)',
        params: SourceParams,
        body: Type.Omit(SourceDeclaration, ['id']),
        response: { 200: SourceResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      registry.requireSource(request.params.id);
      const { source } = await registry.upsertSource({ ...request.body, id: request.params.id }, 'api');
      return present(source);
    },
  );

  app.post(
    '/v1/sources/:id/write-key',
    {
      config: { auth: { scope: 'sources:write' } },
      schema: {
        tags: ['sources'],
        summary: "Issue a new write key for the source's Segment-compatible API; the old key stops working",
        params: SourceParams,
        response: { 200: Type.Object({ writeKey: Type.String() }), ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ writeKey: await registry.rotateWriteKey(request.params.id) }),
  );

  app.get(
    '/v1/sources/:id/schemas',
    {
      config: { auth: { scope: 'sources:read' } },
      schema: {
        tags: ['contracts'],
        summary: 'Event types of a source with every schema version',
        params: SourceParams,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                type: Type.String(),
                description: Type.String(),
                compatibility: CompatibilityMode,
                requiresIdentifier: Type.Boolean(),
                latestVersion: Type.Integer(),
                versions: Type.Array(VersionResponse),
              }),
            ),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => {
      registry.requireSource(request.params.id);
      return {
        items: registry.listEventTypes(request.params.id).map((t) => ({
          type: t.type,
          description: t.description,
          compatibility: t.compatibility,
          requiresIdentifier: t.requiresIdentifier,
          latestVersion: t.latestVersion,
          versions: registry.listVersions(t.sourceId, t.type).map((v) => ({ ...v })),
        })),
      };
    },
  );

  app.post(
    '/v1/sources/:id/schemas',
    {
      config: { auth: { scope: 'sources:write' } },
      schema: {
        tags: ['contracts'],
        summary: 'Register a new schema version of an event type',
        description:
          "Checked for compatibility with the latest version under the event type's mode (BACKWARD, FORWARD, FULL, NONE) and refused with every incompatibility listed by path. Registering an identical contract again creates no version (201 only when one was created).",
        params: SourceParams,
        body: EventTypeContract,
        response: {
          200: Type.Object({ type: Type.String(), version: Type.Integer(), created: Type.Boolean() }),
          201: Type.Object({ type: Type.String(), version: Type.Integer(), created: Type.Boolean() }),
          ...errors(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const outcome = await registry.addVersion(request.params.id, request.body);
      void reply.status(outcome.created ? 201 : 200);
      return { type: outcome.type, version: outcome.version, created: outcome.created };
    },
  );

  app.post(
    '/v1/sources/:id/schemas/:type/check',
    {
      config: { auth: { scope: 'sources:read' } },
      schema: {
        tags: ['contracts'],
        summary: 'Check a candidate schema against the latest version without registering it',
        params: TypeParams,
        body: Type.Object({ schema: Type.Record(Type.String(), Type.Unknown()), compatibility: Type.Optional(CompatibilityMode) }),
        response: {
          200: Type.Object({
            compatible: Type.Boolean(),
            mode: CompatibilityMode,
            againstVersion: Type.Integer(),
            incompatibilities: Type.Array(Incompatibility),
            changes: Type.Array(Type.Record(Type.String(), Type.Unknown())),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { id, type } = request.params;
      const eventType = registry.getEventType(id, type);
      if (!eventType) throw new AppError('UNKNOWN_EVENT_TYPE', `event type '${type}' is not registered for source '${id}'`);
      const latest = registry.listVersions(id, type).at(-1);
      if (!latest) throw new AppError('NOT_FOUND', `${id}/${type} has no version yet`);
      const mode = request.body.compatibility ?? eventType.compatibility;
      const result = checkCompatibility(latest.schema, request.body.schema, mode);
      return {
        compatible: result.compatible,
        mode,
        againstVersion: latest.version,
        incompatibilities: result.incompatibilities.map((i) => ({ ...i, breaks: [...i.breaks] })),
        changes: diffSchemas(latest.schema, request.body.schema).map((c) => ({ ...c })),
      };
    },
  );

  app.get(
    '/v1/sources/:id/schemas/:type/diff',
    {
      config: { auth: { scope: 'sources:read' } },
      schema: {
        tags: ['contracts'],
        summary: 'Structural diff between two versions of an event type',
        params: TypeParams,
        querystring: Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) }),
        response: {
          200: Type.Object({ from: Type.Integer(), to: Type.Integer(), changes: Type.Array(Type.Record(Type.String(), Type.Unknown())) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { id, type } = request.params;
      const versions = registry.listVersions(id, type);
      const from = versions.find((v) => v.version === request.query.from);
      const to = versions.find((v) => v.version === request.query.to);
      if (!from || !to) throw new AppError('NOT_FOUND', `${id}/${type} has no version ${!from ? request.query.from : request.query.to}`);
      return { from: from.version, to: to.version, changes: diffSchemas(from.schema, to.schema).map((c) => ({ ...c })) };
    },
  );

  app.put(
    '/v1/sources/:id/schemas/:type/compatibility',
    {
      config: { auth: { scope: 'sources:write' } },
      schema: {
        tags: ['contracts'],
        summary: 'Set the compatibility mode of an event type',
        params: TypeParams,
        body: Type.Object({ compatibility: CompatibilityMode }),
        response: { 200: Type.Object({ type: Type.String(), compatibility: CompatibilityMode }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const updated = await registry.setCompatibility(request.params.id, request.params.type, request.body.compatibility);
      return { type: updated.type, compatibility: updated.compatibility };
    },
  );
};
