import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Audiences (issue 6): the stored audience with its settings, its definition versions and its
 * memberships. Never edit this file once it has landed: add a migration (expand/contract) instead.
 *
 * - `audiences`: one row per audience; `current_version` points into `audience_versions`. An
 *   archived audience keeps its rows (status `archived`), so its versions and the memberships the
 *   outbox cited stay readable. The holdout share is kept in basis points (12.5 % = 1250), exact
 *   on both backends, as `isHeldOut` reads it.
 * - `audience_versions`: append-only; a definition (`{ id, entity, rule }` as submitted, JSON) and
 *   its rendering in words never change once stored.
 * - `audience_members`: current membership per audience and entity (person, account or
 *   organisation id), with the definition version it entered under, the explanation (JSON) tied to
 *   that version, the holdout flag, and when passing time alone can next change it. The partial
 *   index serves the scheduler's "what is due" scan; most rows have no wake-up and stay out of it.
 */
export const audiences = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audiences')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('current_version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('schedule', 'text')
      .addColumn('holdout_basis_points', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audiences_status').ifNotExists().on('audiences').columns(['status', 'id']).execute();

    await db.schema
      .createTable('audience_versions')
      .ifNotExists()
      .addColumn('audience_id', 'text', (c) => c.notNull().references('audiences.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audience_versions_pk', ['audience_id', 'version'])
      .execute();

    await db.schema
      .createTable('audience_members')
      .ifNotExists()
      .addColumn('audience_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('entered_at', 'text', (c) => c.notNull())
      .addColumn('explanation', 'text', (c) => c.notNull())
      .addColumn('held_out', 'integer', (c) => c.notNull())
      .addColumn('next_change_at', 'text')
      .addPrimaryKeyConstraint('audience_members_pk', ['audience_id', 'member_id'])
      .execute();
    await db.schema
      .createIndex('audience_members_due')
      .ifNotExists()
      .on('audience_members')
      .column('next_change_at')
      .where(sql.ref('next_change_at'), 'is not', null)
      .execute();
  },
});
