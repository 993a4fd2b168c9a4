import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The timeline index (decision 0008): `event_profiles` becomes an append-only record of how each
 * event was resolved, in log order, with no secondary index; `timeline_index` — (value, time,
 * seq) — is filled from it in large chunks by its own consumer, because a per-event random index
 * insert in every pipeline batch was the identity stage's largest cost.
 */
export const timelineIndex = (backend: 'sqlite' | 'postgres'): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('event_profiles_value').ifExists().execute();
    let table = db.schema
      .createTable('timeline_index')
      .ifNotExists()
      .addColumn('value_key', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('timeline_index_pk', ['value_key', 'occurred_at', 'seq']);
    // SQLite: the table is its own index (one B-tree instead of a rowid table and an index).
    if (backend === 'sqlite') table = table.modifyEnd(sql`without rowid`);
    await table.execute();
    await sql`insert into timeline_index (value_key, occurred_at, seq)
      select value_key, occurred_at, seq from event_profiles where value_key is not null`.execute(db);
    // How far the indexer has read `event_profiles`. Not a consumer of the event log, so kept apart
    // from `consumer_checkpoints` (whose lowest checkpoint bounds the log's retention).
    await db.schema
      .createTable('index_checkpoints')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await sql`insert into index_checkpoints (name, seq, updated_at)
      select 'timeline', coalesce(max(seq), 0), ${new Date().toISOString()} from event_profiles`.execute(db);
  },
});
