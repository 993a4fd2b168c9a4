import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Compact profile rows (decision 0009): `profile_state` keeps one row per person, now as one JSON
 * body (state with its lineage listing each cited event once, packed aggregate buckets, scores,
 * time zone) beside the columns queries need: when it was written and the scheduler's wake-up.
 *
 * Existing rows are carried over by SQL alone, wrapped as version-1 bodies
 * (`{"v":1,"state":…,"aggregates":…,"scores":…,"timeZone":…}`) that the store still reads; the
 * pipeline rewrites a row in the compact form the next time it touches the person. The migration
 * therefore depends on no application code, and works the same on SQLite and PostgreSQL.
 */
export const profileRows = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('profile_rows')
      .ifNotExists()
      .addColumn('profile_id', 'text', (c) => c.primaryKey())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('next_change_at', 'text')
      .execute();
    // A time zone is an IANA name (letters, digits, '/', '_', '-', '+'): it needs no JSON escaping.
    await sql`insert into profile_rows (profile_id, body, updated_at, next_change_at)
      select profile_id,
        '{"v":1,"state":' || state || ',"aggregates":' || aggregates || ',"scores":' || coalesce(scores, 'null') ||
          ',"timeZone":"' || time_zone || '"}',
        updated_at, next_change_at
      from profile_state`.execute(db);
    await db.schema.dropTable('profile_state').execute();
    await db.schema.alterTable('profile_rows').renameTo('profile_state').execute();
    await db.schema.createIndex('profile_state_next_change').ifNotExists().on('profile_state').column('next_change_at').execute();
  },
});
