import type { Kysely, Migration } from 'kysely';

/**
 * Identity resolution (decision 0007): the evidence (values, distinct edges, line ends, removed
 * links), the resolved graph (nodes with validity, profiles), findings, account relations, device
 * sessions, event-to-profile resolution, and the outbox every exit will read from.
 */
export const identity = (): Migration => ({
  async up(db: Kysely<unknown>) {
    // Every identifier value seen as a merge key, with its candidate component (connected through
    // any edge, accepted or refused) and its first sighting.
    await db.schema
      .createTable('identity_values')
      .ifNotExists()
      .addColumn('value_key', 'text', (c) => c.primaryKey())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('first_event', 'text', (c) => c.notNull())
      .addColumn('first_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('identity_values_component').ifNotExists().on('identity_values').column('component').execute();

    // Distinct pairs of values seen together; first and last sighting (decision 0007).
    await db.schema
      .createTable('identity_edges')
      .ifNotExists()
      .addColumn('a_key', 'text', (c) => c.notNull())
      .addColumn('b_key', 'text', (c) => c.notNull())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('first_event', 'text', (c) => c.notNull())
      .addColumn('first_at', 'text', (c) => c.notNull())
      .addColumn('last_event', 'text', (c) => c.notNull())
      .addColumn('last_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('identity_edges_pk', ['a_key', 'b_key'])
      .execute();
    await db.schema.createIndex('identity_edges_component').ifNotExists().on('identity_edges').column('component').execute();

    await db.schema
      .createTable('identity_line_ends')
      .ifNotExists()
      .addColumn('value_key', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('identity_line_ends_pk', ['value_key', 'at'])
      .execute();

    await db.schema
      .createTable('identity_removed_links')
      .ifNotExists()
      .addColumn('link_key', 'text', (c) => c.primaryKey())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('removed_by', 'text', (c) => c.notNull())
      .addColumn('removed_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('profiles')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('merged_into', 'text')
      .execute();

    // The resolved graph: each node (a value, or a line value's epoch) and the profile it is in.
    await db.schema
      .createTable('identity_nodes')
      .ifNotExists()
      .addColumn('node_key', 'text', (c) => c.primaryKey())
      .addColumn('value_key', 'text', (c) => c.notNull())
      .addColumn('id_type', 'text', (c) => c.notNull())
      .addColumn('id_value', 'text', (c) => c.notNull())
      .addColumn('epoch', 'integer', (c) => c.notNull())
      .addColumn('valid_from', 'text')
      .addColumn('valid_to', 'text')
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('identity_nodes_value').ifNotExists().on('identity_nodes').columns(['value_key', 'epoch']).execute();
    await db.schema.createIndex('identity_nodes_profile').ifNotExists().on('identity_nodes').column('profile_id').execute();
    await db.schema.createIndex('identity_nodes_component').ifNotExists().on('identity_nodes').column('component').execute();

    await db.schema
      .createTable('identity_findings')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('nodes', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('profile_accounts')
      .ifNotExists()
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('first_at', 'text', (c) => c.notNull())
      .addColumn('last_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('profile_accounts_pk', ['profile_id', 'account_id', 'role'])
      .execute();
    await db.schema.createIndex('profile_accounts_account').ifNotExists().on('profile_accounts').column('account_id').execute();

    await db.schema
      .createTable('device_sessions')
      .ifNotExists()
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('login_at', 'text', (c) => c.notNull())
      .addColumn('app_user_id', 'text', (c) => c.notNull())
      .addColumn('logout_at', 'text')
      .addPrimaryKeyConstraint('device_sessions_pk', ['device_id', 'login_at'])
      .execute();

    // How each logged event was resolved: its anchor value (the node follows from the value's
    // epochs, which late events may move) and the profile it went to at the time.
    await db.schema
      .createTable('event_profiles')
      .ifNotExists()
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('value_key', 'text')
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text')
      .execute();
    await db.schema.createIndex('event_profiles_value').ifNotExists().on('event_profiles').columns(['value_key', 'occurred_at']).execute();

    // Everything a consumer can see leaves through the outbox (architecture brief).
    await db.schema
      .createTable('outbox')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
});
