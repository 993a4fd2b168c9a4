import type { Db } from '../storage/index.js';
import type { AccountState, OrganisationState } from './entity-state.js';

/** Rows of `account_state` and `organisation_state`: the folded state as JSON text. */
export const entitiesStore = {
  async accounts(db: Db, ids: readonly string[]): Promise<Map<string, AccountState>> {
    const out = new Map<string, AccountState>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('account_state')
        .select(['account_id', 'state'])
        .where('account_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) out.set(row.account_id, JSON.parse(row.state) as AccountState);
    }
    return out;
  },

  async organisations(db: Db, ids: readonly string[]): Promise<Map<string, OrganisationState>> {
    const out = new Map<string, OrganisationState>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('organisation_state')
        .select(['organisation_id', 'state'])
        .where('organisation_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) out.set(row.organisation_id, JSON.parse(row.state) as OrganisationState);
    }
    return out;
  },

  async writeAccounts(trx: Db, accounts: readonly AccountState[], now: string): Promise<void> {
    for (let i = 0; i < accounts.length; i += 200) {
      const rows = accounts.slice(i, i + 200).map((a) => ({
        account_id: a.accountId,
        organisation_id: a.organisationId,
        state: JSON.stringify(a),
        updated_at: now,
      }));
      await trx
        .insertInto('account_state')
        .values(rows)
        .onConflict((oc) =>
          oc.column('account_id').doUpdateSet((eb) => ({
            organisation_id: eb.ref('excluded.organisation_id'),
            state: eb.ref('excluded.state'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  },

  async writeOrganisations(trx: Db, organisations: readonly OrganisationState[], now: string): Promise<void> {
    for (let i = 0; i < organisations.length; i += 200) {
      const rows = organisations
        .slice(i, i + 200)
        .map((o) => ({ organisation_id: o.organisationId, state: JSON.stringify(o), updated_at: now }));
      await trx
        .insertInto('organisation_state')
        .values(rows)
        .onConflict((oc) =>
          oc
            .column('organisation_id')
            .doUpdateSet((eb) => ({ state: eb.ref('excluded.state'), updated_at: eb.ref('excluded.updated_at') })),
        )
        .execute();
    }
  },

  async accountsOfOrganisation(db: Db, organisationId: string): Promise<AccountState[]> {
    const rows = await db
      .selectFrom('account_state')
      .select('state')
      .where('organisation_id', '=', organisationId)
      .orderBy('account_id')
      .execute();
    return rows.map((r) => JSON.parse(r.state) as AccountState);
  },

  async reset(trx: Db): Promise<void> {
    await trx.deleteFrom('account_state').execute();
    await trx.deleteFrom('organisation_state').execute();
  },
};
