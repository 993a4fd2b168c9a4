import type { Kysely, Migration } from 'kysely';

/**
 * Policy (issue 7, part B): consumers, versioned policy sets and the disclosure log. Never edit
 * this file once it has landed: add a migration (expand/contract) instead.
 *
 * - `consumers`: one row per registered consumer (channel); purposes, channels and required
 *   signals as JSON arrays; the id of the API key bound to it. A deleted consumer keeps its row
 *   (status `deleted`), so the disclosure log keeps naming something.
 * - `policy_versions`: append-only Cedar policy sets; the highest version is in force.
 * - `disclosures`: append-only, one row per disclosure to a consumer about a subject, with the
 *   attributes released and redacted, the consent events used and the policy version (JSON arrays).
 *   Read by subject (data-subject access) and by consumer (what a channel received).
 */
export const policy = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('consumers')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('partner', 'text')
      .addColumn('purposes', 'text', (c) => c.notNull())
      .addColumn('channels', 'text', (c) => c.notNull())
      .addColumn('required_signals', 'text', (c) => c.notNull())
      .addColumn('api_key_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('consumers_api_key').ifNotExists().on('consumers').column('api_key_id').execute();

    await db.schema
      .createTable('policy_versions')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('policies', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('disclosures')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('consumer_id', 'text', (c) => c.notNull())
      .addColumn('exit', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('released', 'text', (c) => c.notNull())
      .addColumn('redacted', 'text', (c) => c.notNull())
      .addColumn('consent_events', 'text', (c) => c.notNull())
      .addColumn('policy_version', 'integer', (c) => c.notNull())
      .addColumn('reference', 'text')
      .execute();
    await db.schema.createIndex('disclosures_subject').ifNotExists().on('disclosures').columns(['subject', 'id']).execute();
    await db.schema.createIndex('disclosures_consumer').ifNotExists().on('disclosures').columns(['consumer_id', 'id']).execute();
  },
});
