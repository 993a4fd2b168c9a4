import { Type } from '@sinclair/typebox';
import type { CountryCode } from 'libphonenumber-js';
import { IdentifierTypeName } from '../contracts/index.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../storage/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import { linkKey, valueKey } from './identity-graph.js';
import type { IdentityStage } from './identity-stage.js';
import { identityStore } from './identity.store.js';
import { normaliseIdentifier } from './normalise.js';

const NodeResponse = Type.Object({
  type: Type.String(),
  value: Type.String(),
  epoch: Type.Integer({ description: 'For line identifiers and identifiers with a TTL: which holding of the value (0 = the first)' }),
  validFrom: Type.Union([Type.String(), Type.Null()], { description: 'Exclusive start of the validity, null when open' }),
  validTo: Type.Union([Type.String(), Type.Null()], { description: 'Inclusive end of the validity, null when open' }),
  reason: Type.Unknown({ description: 'Why the identifier is in this profile: the rule and the event' }),
});

const IdentifierQuery = Type.Object({
  type: IdentifierTypeName,
  value: Type.String({ minLength: 1 }),
  at: Type.Optional(Type.String({ format: 'date-time' })),
});

/** The node an identifier value had at a time (the newest holding when no time is given). */
const nodeAt = async (db: Db, type: IdentifierTypeName, value: string, at: string | undefined) => {
  const nodes = await identityStore.nodesOfValues(db, [valueKey({ type, value })]);
  const when = at === undefined ? undefined : new Date(at).toISOString();
  return nodes
    .sort((a, b) => a.epoch - b.epoch)
    .filter((n) => when === undefined || ((n.validFrom === null || n.validFrom < when) && (n.validTo === null || when <= n.validTo)))
    .at(-1);
};

export const registerIdentityRoutes = (
  app: HttpServer,
  deps: { db: Db; identity: IdentityStage; clock: Clock; region: CountryCode },
): void => {
  const normalised = (type: IdentifierTypeName, value: string): string => {
    const result = normaliseIdentifier(type, value, deps.region);
    if (!result.ok) throw new AppError('INVALID_IDENTIFIER', result.message);
    return result.value;
  };

  app.get(
    '/v1/profiles/lookup',
    {
      config: { auth: { scope: 'profiles:read' } },
      schema: {
        tags: ['profiles'],
        summary: 'Find the profile an identifier belongs to, now or as of a time',
        description: 'A recycled number answers with its holder at `at`: the former holder for a time before the recycle.',
        querystring: IdentifierQuery,
        response: { 200: Type.Object({ profileId: Type.String(), node: NodeResponse }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { type, value, at } = request.query;
      const node = await nodeAt(deps.db, type, normalised(type, value), at);
      if (!node) throw new AppError('NOT_FOUND', `no profile holds ${type} ${value}${at ? ` at ${at}` : ''}`);
      return { profileId: node.profileId, node: { ...node, reason: node.reason } };
    },
  );

  app.get(
    '/v1/profiles/:id/identity',
    {
      config: { auth: { scope: 'profiles:read' } },
      schema: {
        tags: ['profiles'],
        summary: "A profile's identity graph: identifiers with validity and reasons, accounts, and merges",
        params: Type.Object({ id: Type.String() }),
        response: {
          200: Type.Object({
            profileId: Type.String(),
            mergedInto: Type.Union([Type.String(), Type.Null()]),
            createdAt: Type.String(),
            identifiers: Type.Array(NodeResponse),
            accounts: Type.Array(
              Type.Object({ accountId: Type.String(), role: Type.String(), firstAt: Type.String(), lastAt: Type.String() }),
            ),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => {
      const profile = await deps.db.selectFrom('profiles').selectAll().where('id', '=', request.params.id).executeTakeFirst();
      if (!profile) throw new AppError('NOT_FOUND', `profile '${request.params.id}' not found`);
      const nodes = await identityStore.nodesOfProfile(deps.db, profile.id);
      const accounts = await deps.db
        .selectFrom('profile_accounts')
        .selectAll()
        .where('profile_id', '=', profile.id)
        .orderBy('account_id')
        .execute();
      return {
        profileId: profile.id,
        mergedInto: profile.merged_into,
        createdAt: profile.created_at,
        identifiers: nodes.map((n) => ({
          type: n.type,
          value: n.value,
          epoch: n.epoch,
          validFrom: n.validFrom,
          validTo: n.validTo,
          reason: n.reason,
        })),
        accounts: accounts.map((a) => ({ accountId: a.account_id, role: a.role, firstAt: a.first_at, lastAt: a.last_at })),
      };
    },
  );

  app.post(
    '/v1/identity/links/remove',
    {
      config: { auth: { scope: 'identifiers:write' } },
      schema: {
        tags: ['identity'],
        summary: 'Remove a wrong link between two identifiers',
        description:
          'The removal is stored (a rebuild from the log honours it) and the component is recomputed at once: the persons the link joined come apart, the older keeping its id.',
        body: Type.Object({ a: IdentifierQuery, b: IdentifierQuery, reason: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: { 200: Type.Object({ removed: Type.String(), profiles: Type.Array(Type.String()) }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { a, b, reason } = request.body;
      const [nodeA, nodeB] = await Promise.all([
        nodeAt(deps.db, a.type, normalised(a.type, a.value), a.at),
        nodeAt(deps.db, b.type, normalised(b.type, b.value), b.at),
      ]);
      if (!nodeA || !nodeB) throw new AppError('NOT_FOUND', 'both identifiers must be known to the identity graph');
      const key = linkKey(nodeA.nodeKey, nodeB.nodeKey);
      const actor = request.principal?.kind === 'api-key' ? request.principal.name : 'unknown';
      await deps.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('identity_removed_links')
          .values({ link_key: key, reason, removed_by: actor, removed_at: deps.clock.now().toISOString() })
          .onConflict((oc) => oc.column('link_key').doNothing())
          .execute();
        await deps.identity.recomputeValues(trx, [nodeA.valueKey, nodeB.valueKey]);
      });
      const after = await identityStore.nodesOfValues(deps.db, [nodeA.valueKey, nodeB.valueKey]);
      return {
        removed: key,
        profiles: [...new Set(after.filter((n) => n.nodeKey === nodeA.nodeKey || n.nodeKey === nodeB.nodeKey).map((n) => n.profileId))],
      };
    },
  );

  app.get(
    '/v1/identity/findings',
    {
      config: { auth: { scope: 'identifiers:read' } },
      schema: {
        tags: ['identity'],
        summary: 'What identity resolution refused or flagged: conflicts, demotions, cap alerts, blocked values, removed links',
        querystring: Type.Object({
          kind: Type.Optional(
            Type.Union(
              ['person-unique-conflict', 'limit-demoted', 'weak-bridge', 'component-cap', 'blocked-value', 'removed-link'].map((k) =>
                Type.Literal(k),
              ),
            ),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                kind: Type.String(),
                message: Type.String(),
                nodes: Type.Array(Type.String()),
                event: Type.Unknown(),
                createdAt: Type.String(),
              }),
            ),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      let query = deps.db.selectFrom('identity_findings').selectAll();
      if (request.query.kind) query = query.where('kind', '=', request.query.kind);
      const rows = await query.orderBy('id', 'desc').limit(request.query.limit).execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          message: r.message,
          nodes: JSON.parse(r.nodes) as string[],
          event: JSON.parse(r.event) as unknown,
          createdAt: r.created_at,
        })),
      };
    },
  );
};
