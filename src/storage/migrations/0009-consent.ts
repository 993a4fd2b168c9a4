import type { Kysely, Migration } from 'kysely';

/**
 * The consent ledger (issue 7, src/consent/, docs/consent.md). Never edit this file once it has
 * landed: add a migration (expand/contract) instead.
 *
 * - `consent_purposes`: append-only versions of each purpose (code, version); the legal bases it
 *   may rest on (JSON array), its IAB TCF purpose, whether it is advertising (38-FZ Art. 18).
 * - `consent_notices`: append-only versions of each notice with the SHA-256 of its text.
 * - `consent_events`: the append-only, hash-chained ledger. Per subject, `seq` is 1, 2, 3, … and
 *   each row carries the previous row's hash (`prev_hash`) and its own (`hash`, over the canonical
 *   JSON of the event). `event_id` is the client's idempotency key, unique across subjects.
 */
export const consent = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('consent_purposes')
      .ifNotExists()
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('legal_bases', 'text', (c) => c.notNull())
      .addColumn('tcf_purpose_id', 'integer')
      .addColumn('advertising', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('consent_purposes_pk', ['code', 'version'])
      .execute();

    await db.schema
      .createTable('consent_notices')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('text_hash', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('purposes', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('consent_notices_pk', ['id', 'version'])
      .execute();

    await db.schema
      .createTable('consent_events')
      .ifNotExists()
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('purpose_version', 'integer', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('legal_basis', 'text', (c) => c.notNull())
      .addColumn('jurisdiction', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('proof', 'text', (c) => c.notNull())
      .addColumn('tcf_string', 'text')
      .addColumn('tcf_vendor_id', 'integer')
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('consent_events_pk', ['subject', 'seq'])
      .execute();
    await db.schema.createIndex('consent_events_event_id').ifNotExists().unique().on('consent_events').column('event_id').execute();
    await db.schema.createIndex('consent_events_purpose').ifNotExists().on('consent_events').columns(['purpose', 'channel']).execute();
    // Audience membership re-evaluates the persons whose consent changed since it last looked.
    await db.schema.createIndex('consent_events_recorded').ifNotExists().on('consent_events').column('recorded_at').execute();
  },
});
