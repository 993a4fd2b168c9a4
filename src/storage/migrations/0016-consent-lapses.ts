import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Consent that lapses with time (issue 7): a grant's `expiresAt`, or an `expire` event that takes
 * effect later than it was recorded. Each is a row of `consent_lapses`, written with the event in
 * the ledger's transaction; the scheduler takes the due rows, propagates a loss of basis as a
 * remove operation (src/activation/consent-lapse-propagation.ts), and deletes them in the same
 * transaction. Never edit this file once it has landed: add a migration (expand/contract) instead.
 *
 * - `consent_lapses`: `event_hash` (the consent event's chain hash), its subject, purpose and
 *   channel, and `lapse_at` (ISO 8601 UTC), with an index on `lapse_at` for the due scan.
 *
 * Grants and expiries recorded before this migration are scheduled from the ledger here, so a
 * grant that expired before the upgrade is propagated at the first scheduler step after it.
 */
export const consentLapses = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('consent_lapses')
      .ifNotExists()
      .addColumn('event_hash', 'text', (c) => c.primaryKey())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('lapse_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('consent_lapses_due').ifNotExists().on('consent_lapses').column('lapse_at').execute();
    await sql`
      insert into consent_lapses (event_hash, subject, purpose, channel, lapse_at)
      select hash, subject, purpose, channel, expires_at from consent_events
       where action = 'grant' and expires_at is not null
      union all
      select hash, subject, purpose, channel, valid_from from consent_events
       where action = 'expire' and valid_from > recorded_at`.execute(db);
  },
});
