import type { Kysely, Migration } from 'kysely';

/**
 * Activation (issue 8, parts 4, 5 and 7): audience exports, what each export sent, and the
 * durable cursors of the outbox's readers. Never edit this file once it has landed: add a
 * migration (expand/contract) instead.
 *
 * - `audience_exports`: one row per export of an audience to a consumer — purpose, channel,
 *   format, mode (full or incremental, with the export it is the diff of), the file written under
 *   the data directory with its SHA-256, the counts, and the policy version it was decided under.
 * - `audience_export_members`: per export, every member the consumer holds after it (`add` in the
 *   file, `keep` unchanged since the base export) and every `remove`; for the first two the
 *   consent event, legal basis and notice valid at send time — the legal-basis report reads them,
 *   and the next incremental export diffs against them.
 * - `activation_cursors`: how far a reader of the outbox (the NATS publisher) has got, as
 *   (`created_at`, `id`): outbox ids are content hashes, not time-ordered.
 * - an index on `outbox (created_at, id)`, the order every outbox reader pages in.
 */
export const exports = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audience_exports')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('audience_id', 'text', (c) => c.notNull())
      .addColumn('audience_version', 'integer', (c) => c.notNull())
      .addColumn('consumer_id', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('base_export_id', 'text')
      .addColumn('hashing', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('file', 'text', (c) => c.notNull())
      .addColumn('file_sha256', 'text', (c) => c.notNull())
      .addColumn('counts', 'text', (c) => c.notNull())
      .addColumn('released', 'text', (c) => c.notNull())
      .addColumn('redacted', 'text', (c) => c.notNull())
      .addColumn('policy_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('audience_exports_consumer')
      .ifNotExists()
      .on('audience_exports')
      .columns(['audience_id', 'consumer_id', 'id'])
      .execute();

    await db.schema
      .createTable('audience_export_members')
      .ifNotExists()
      .addColumn('export_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('consent_event_id', 'text')
      .addColumn('consent_subject', 'text')
      .addColumn('legal_basis', 'text')
      .addColumn('notice_id', 'text')
      .addColumn('notice_version', 'text')
      .addColumn('consent_events', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audience_export_members_pk', ['export_id', 'member_id'])
      .execute();

    await db.schema
      .createTable('activation_cursors')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('outbox_id', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createIndex('outbox_created_id').ifNotExists().on('outbox').columns(['created_at', 'id']).execute();
  },
});
