import type { Kysely, Migration } from 'kysely';

/**
 * Delivery (issue 8, part A): subscriptions and signed webhook delivery. Never edit this file once
 * it has landed: add a migration (expand/contract) instead.
 *
 * - `subscriptions`: per consumer, the event types, filters (JSON), the transport and its target,
 *   the purpose and channel deliveries are decided for, and the signing secrets (JSON: during a
 *   rotation two are valid). A deleted subscription keeps its row so deliveries still name it.
 * - `delivery_cursor`: how far the fan-out has followed the outbox, as the last (created_at, id)
 *   it read, and the last sequence number it gave. Outbox ids are content hashes, not time-ordered.
 * - `delivery_feed`: the outbox ids the fan-out has taken, so that re-reading an overlap window
 *   behind the cursor never fans a row out twice. Pruned behind the window.
 * - `deliveries`: one row per (subscription, outbox message): the queue and the record at once —
 *   status, attempts, when the next is due, the last answer. `seq` is the fan-out order, which
 *   keeps messages in order per subject per endpoint.
 */
export const delivery = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('subscriptions')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('consumer_id', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('filters', 'text', (c) => c.notNull())
      .addColumn('transport', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('secrets', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('subscriptions_consumer').ifNotExists().on('subscriptions').columns(['consumer_id', 'id']).execute();

    await db.schema
      .createTable('delivery_cursor')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('outbox_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('delivery_feed')
      .ifNotExists()
      .addColumn('outbox_id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('delivery_feed_created').ifNotExists().on('delivery_feed').column('created_at').execute();

    await db.schema
      .createTable('deliveries')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscription_id', 'text', (c) => c.notNull())
      .addColumn('outbox_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text')
      .addColumn('last_attempt_at', 'text')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('delivered_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('deliveries_subscription_outbox')
      .ifNotExists()
      .unique()
      .on('deliveries')
      .columns(['subscription_id', 'outbox_id'])
      .execute();
    await db.schema
      .createIndex('deliveries_subscription_status_seq')
      .ifNotExists()
      .on('deliveries')
      .columns(['subscription_id', 'status', 'seq'])
      .execute();
    await db.schema.createIndex('deliveries_subscription_seq').ifNotExists().on('deliveries').columns(['subscription_id', 'seq']).execute();
    // The fan-out reads the outbox by (created_at, id); 0013-exports creates the same index by the same name.
    await db.schema.createIndex('outbox_created_id').ifNotExists().on('outbox').columns(['created_at', 'id']).execute();
  },
});
