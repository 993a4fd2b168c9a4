import type { Kysely, Migration } from 'kysely';

/**
 * Unified profiles (issue 5): one row per person with its current state and per-trait lineage,
 * its rolling-aggregate states, its scores, and when time alone next changes an aggregate window
 * (the scheduler's wake-up). Trained models are versioned artefacts.
 */
export const profiles = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('profile_state')
      .ifNotExists()
      .addColumn('profile_id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('aggregates', 'text', (c) => c.notNull())
      .addColumn('scores', 'text')
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('next_change_at', 'text')
      .execute();
    await db.schema.createIndex('profile_state_next_change').ifNotExists().on('profile_state').column('next_change_at').execute();

    await db.schema
      .createTable('models')
      .ifNotExists()
      .addColumn('version', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('trained_at', 'text', (c) => c.notNull())
      .addColumn('artefact', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('models_kind').ifNotExists().on('models').columns(['kind', 'active']).execute();
  },
});
