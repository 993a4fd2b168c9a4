import type { Kysely, Migration } from 'kysely';

/**
 * Real-time audience membership (issue 6). Never edit this file once it has landed: add a
 * migration (expand/contract) instead.
 *
 * - `audience_activity`: per person, the retained occurrences of the event types that active
 *   audiences' event conditions count (JSON; `activity.ts`), kept only as far back as the widest
 *   window needs. Event conditions are evaluated from it, in the pipeline and in previews.
 * - `audience_tracked_events`: which event types the activity holds, and from when on it is
 *   complete for each (a new or wider window is filled from the log before it is relied on).
 * - `audience_wakeups`: per entity (person, account, organisation), the earliest moment passing
 *   time alone can change one of its memberships — member or not ("no login for 14 days" makes
 *   a non-member a member). The scheduler re-evaluates what is due.
 * - `audience_materialisations`: per audience, the definition version whose membership has been
 *   computed over every entity, and how far a recompute in progress has gone (`cursor`, an entity
 *   id), so a restart resumes it.
 */
export const audienceMembership = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audience_activity')
      .ifNotExists()
      .addColumn('profile_id', 'text', (c) => c.primaryKey())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('audience_tracked_events')
      .ifNotExists()
      .addColumn('event_type', 'text', (c) => c.primaryKey())
      .addColumn('complete_from', 'text', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('audience_wakeups')
      .ifNotExists()
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('wake_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audience_wakeups_pk', ['entity', 'entity_id'])
      .execute();
    await db.schema.createIndex('audience_wakeups_due').ifNotExists().on('audience_wakeups').column('wake_at').execute();

    await db.schema
      .createTable('audience_materialisations')
      .ifNotExists()
      .addColumn('audience_id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('target_version', 'integer', (c) => c.notNull())
      .addColumn('cursor', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
});
