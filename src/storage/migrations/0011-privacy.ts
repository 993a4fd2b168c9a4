import type { Kysely, Migration } from 'kysely';

/**
 * Data-subject requests (issue 7, src/privacy/, docs/privacy.md). Never edit this file once it has
 * landed: add a migration (expand/contract) instead.
 *
 * - `privacy_requests`: every access and erasure request, kept as the audit of who asked (the API
 *   key), when, about which subject, and the outcome. `result` holds the access export (purged
 *   when the subject is later erased) or the erasure record (what was deleted, counts, retained).
 * - `erased_identifiers`: the tombstones of erased identifiers, as SHA-256 of `type:value` (never
 *   the value), each valid over the erased person's epoch of the identifier (null: unbounded).
 *   The pipeline drops any logged event that carries one within its window, so neither a rebuild
 *   from the log nor a re-ingest of the same events brings the person back. `bucket` is 16 bits
 *   of a cheap hash of the same text: the pipeline hashes an identifier with SHA-256 only when its
 *   bucket is erased (16 bits say nothing about a phone number: ~150,000 numbers share each).
 */
export const privacy = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('privacy_requests')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text')
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_by_name', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .addColumn('result', 'text')
      .execute();
    await db.schema.createIndex('privacy_requests_profile').ifNotExists().on('privacy_requests').column('profile_id').execute();
    await db.schema.createIndex('privacy_requests_subject').ifNotExists().on('privacy_requests').columns(['subject', 'id']).execute();

    await db.schema
      .createTable('erased_identifiers')
      .ifNotExists()
      .addColumn('id_hash', 'text', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('id_type', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'text')
      .addColumn('valid_to', 'text')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('erased_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('erased_identifiers_pk', ['id_hash', 'request_id'])
      .execute();
  },
});
