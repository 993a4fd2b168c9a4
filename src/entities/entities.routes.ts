import { Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { Db } from '../storage/index.js';
import { entitiesStore } from './entities.store.js';
import { accountView } from './entity-state.js';

const Json = Type.Unknown();

const Member = Type.Object({ profileId: Type.String(), role: Type.String(), firstAt: Type.String(), lastAt: Type.String() });
const OrganisationSummary = Type.Object({ organisationId: Type.String(), name: Type.Union([Type.String(), Type.Null()]) });

/** Members of accounts, from the identity stage's relations (persons are never merged through an account). */
const membersOf = async (db: Db, accountIds: readonly string[]) => {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('profile_accounts')
    .selectAll()
    .where('account_id', 'in', accountIds)
    .orderBy('account_id')
    .orderBy('profile_id')
    .execute();
};

export const registerEntityRoutes = (app: HttpServer, deps: { db: Db; clock: Clock }): void => {
  app.get(
    '/v1/accounts/:id',
    {
      config: { auth: { scope: 'profiles:read' } },
      schema: {
        tags: ['profiles'],
        summary: 'A billing account: its bills and payments, its member persons with their roles, its organisation',
        params: Type.Object({ id: Type.String() }),
        response: {
          200: Type.Object({
            accountId: Type.String(),
            organisation: Type.Union([OrganisationSummary, Type.Null()]),
            members: Type.Array(Member),
            state: Json,
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const [state] = [...(await entitiesStore.accounts(deps.db, [id])).values()];
      const members = await membersOf(deps.db, [id]);
      if (!state && members.length === 0) throw new AppError('NOT_FOUND', `no account ${id}`);
      const organisationId = state?.organisationId ?? null;
      const organisation = organisationId ? (await entitiesStore.organisations(deps.db, [organisationId])).get(organisationId) : undefined;
      return {
        accountId: id,
        organisation: organisationId ? { organisationId, name: organisation?.firmographics.name ?? null } : null,
        members: members.map((m) => ({ profileId: m.profile_id, role: m.role, firstAt: m.first_at, lastAt: m.last_at })),
        state: state ? accountView(state, deps.clock.now()) : null,
      };
    },
  );

  app.get(
    '/v1/organisations/:id',
    {
      config: { auth: { scope: 'profiles:read' } },
      schema: {
        tags: ['profiles'],
        summary: 'An organisation (B2B customer, keyed by INN): firmographics with lineage, its accounts and their member persons',
        params: Type.Object({ id: Type.String() }),
        response: {
          200: Type.Object({
            organisationId: Type.String(),
            firmographics: Json,
            lineage: Json,
            accounts: Type.Array(Type.Object({ accountId: Type.String(), members: Type.Array(Member) })),
            persons: Type.Integer({ description: 'Distinct member persons over all its accounts' }),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const organisation = (await entitiesStore.organisations(deps.db, [id])).get(id);
      if (!organisation) throw new AppError('NOT_FOUND', `no organisation ${id}`);
      const accountIds = [
        ...new Set([...organisation.accountIds, ...(await entitiesStore.accountsOfOrganisation(deps.db, id)).map((a) => a.accountId)]),
      ].sort();
      const members = await membersOf(deps.db, accountIds);
      return {
        organisationId: id,
        firmographics: organisation.firmographics,
        lineage: organisation.lineage,
        accounts: accountIds.map((accountId) => ({
          accountId,
          members: members
            .filter((m) => m.account_id === accountId)
            .map((m) => ({ profileId: m.profile_id, role: m.role, firstAt: m.first_at, lastAt: m.last_at })),
        })),
        persons: new Set(members.map((m) => m.profile_id)).size,
      };
    },
  );
};

/** The organisation of each account (for a profile's account list). */
export const organisationsOfAccounts = async (db: Db, accountIds: readonly string[]) => {
  const accounts = await entitiesStore.accounts(db, accountIds);
  const organisationIds = [...new Set([...accounts.values()].map((a) => a.organisationId).filter((o): o is string => o !== null))];
  const organisations = await entitiesStore.organisations(db, organisationIds);
  return new Map(
    [...accounts.values()].map((a) => [
      a.accountId,
      a.organisationId ? { organisationId: a.organisationId, name: organisations.get(a.organisationId)?.firmographics.name ?? null } : null,
    ]),
  );
};
