import type { Kysely, Migration } from 'kysely';

/**
 * Accounts and organisations as entities (issue 5): one row each with its folded state (JSON text,
 * `src/entities/entity-state.ts`). Members of an account are the identity stage's
 * `profile_accounts`; accounts of an organisation are found by `organisation_id`.
 */
export const entities = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('account_state')
      .ifNotExists()
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('organisation_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('account_state_organisation').ifNotExists().on('account_state').column('organisation_id').execute();
    await db.schema
      .createTable('organisation_state')
      .ifNotExists()
      .addColumn('organisation_id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
});
