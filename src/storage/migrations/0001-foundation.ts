import type { Kysely, Migration } from 'kysely';
import type { Backend } from '../database.js';

/**
 * Sources, contracts, the event log, quarantine, counters, drift, blocked identifiers, API keys.
 * Never edit this file once it has landed: add a migration (expand/contract) instead.
 */
export const foundation = (backend: Backend): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('api_keys')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();

    await db.schema
      .createTable('sources')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('freshness_sla_seconds', 'integer', (c) => c.notNull())
      .addColumn('write_key_hash', 'text', (c) => c.unique())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('last_event_at', 'text')
      .execute();

    await db.schema
      .createTable('event_types')
      .ifNotExists()
      .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id'))
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('compatibility', 'text', (c) => c.notNull())
      .addColumn('requires_identifier', 'integer', (c) => c.notNull())
      .addColumn('latest_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_types_pk', ['source_id', 'event_type'])
      .execute();

    await db.schema
      .createTable('schema_versions')
      .ifNotExists()
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('json_schema', 'text', (c) => c.notNull())
      .addColumn('identifier_mappings', 'text', (c) => c.notNull())
      .addColumn('classifications', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('schema_versions_pk', ['source_id', 'event_type', 'version'])
      .execute();

    // seq must never be reused, even after retention deletes the newest rows: AUTOINCREMENT on
    // SQLite, an identity column on PostgreSQL.
    await db.schema
      .createTable('event_log')
      .ifNotExists()
      .addColumn('seq', backend === 'sqlite' ? 'integer' : 'bigint', (c) =>
        backend === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedAlwaysAsIdentity(),
      )
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('schema_version', 'integer', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('event_log_idempotency')
      .ifNotExists()
      .on('event_log')
      .columns(['source_id', 'event_id'])
      .unique()
      .execute();
    // No other index: every index is paid on each append. Retention finds its cut-off by seq
    // (received_at grows with seq) and per-partition readers come with the scale-out log.

    await db.schema
      .createTable('consumer_checkpoints')
      .ifNotExists()
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('consumer_checkpoints_pk', ['consumer', 'partition'])
      .execute();

    await db.schema
      .createTable('quarantine')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
      .addColumn('source_id', 'text')
      .addColumn('event_type', 'text')
      .addColumn('event_id', 'text')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('reason_codes', 'text', (c) => c.notNull())
      .addColumn('reasons', 'text', (c) => c.notNull())
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('first_seen', 'text', (c) => c.notNull())
      .addColumn('last_seen', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('replayed_at', 'text')
      .addColumn('replay_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_replay_result', 'text')
      .execute();
    await db.schema
      .createIndex('quarantine_browse')
      .ifNotExists()
      .on('quarantine')
      .columns(['status', 'source_id', 'event_type', 'last_seen'])
      .execute();

    await db.schema
      .createTable('source_counters')
      .ifNotExists()
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('source_counters_pk', ['source_id', 'day', 'outcome', 'reason'])
      .execute();

    await db.schema
      .createTable('contract_drift')
      .ifNotExists()
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('schema_version', 'integer', (c) => c.notNull())
      .addColumn('first_seen', 'text', (c) => c.notNull())
      .addColumn('last_seen', 'text', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addColumn('example', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('contract_drift_pk', ['source_id', 'event_type', 'path', 'kind'])
      .execute();

    await db.schema
      .createTable('blocked_identifiers')
      .ifNotExists()
      .addColumn('id_type', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('blocked_identifiers_pk', ['id_type', 'value'])
      .execute();
  },
});
