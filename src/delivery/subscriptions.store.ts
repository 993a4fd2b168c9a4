import type { Selectable } from 'kysely';
import type { Db, SubscriptionTable } from '../storage/index.js';
import type { DeliveryEventType, Transport } from './event-types.js';
import type { Subscription, SubscriptionFilters, SubscriptionSecret, SubscriptionStatus } from './subscription.js';

/* Subscriptions: Kysely queries and the one row <-> domain mapper. */

export const subscriptionRowToSubscription = (row: Selectable<SubscriptionTable>): Subscription => ({
  id: row.id,
  consumerId: row.consumer_id,
  description: row.description,
  eventTypes: JSON.parse(row.event_types) as DeliveryEventType[],
  filters: JSON.parse(row.filters) as SubscriptionFilters,
  transport: row.transport as Transport,
  url: row.url,
  purpose: row.purpose,
  channel: row.channel,
  secrets: JSON.parse(row.secrets) as SubscriptionSecret[],
  status: row.status as SubscriptionStatus,
  statusReason: row.status_reason,
  revision: row.revision,
  createdAt: row.created_at,
  createdBy: row.created_by,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

const toRow = (s: Subscription): SubscriptionTable => ({
  id: s.id,
  consumer_id: s.consumerId,
  description: s.description,
  event_types: JSON.stringify(s.eventTypes),
  filters: JSON.stringify(s.filters),
  transport: s.transport,
  url: s.url,
  purpose: s.purpose,
  channel: s.channel,
  secrets: JSON.stringify(s.secrets),
  status: s.status,
  status_reason: s.statusReason,
  revision: s.revision,
  created_at: s.createdAt,
  created_by: s.createdBy,
  updated_at: s.updatedAt,
  updated_by: s.updatedBy,
});

export const subscriptionsStore = {
  async insert(db: Db, subscription: Subscription): Promise<void> {
    await db.insertInto('subscriptions').values(toRow(subscription)).execute();
  },

  async get(db: Db, id: string): Promise<Subscription | undefined> {
    const row = await db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? subscriptionRowToSubscription(row) : undefined;
  },

  async list(db: Db, filter: { consumerId?: string; status?: SubscriptionStatus; after?: string; limit: number }): Promise<Subscription[]> {
    let query = db.selectFrom('subscriptions').selectAll();
    if (filter.consumerId !== undefined) query = query.where('consumer_id', '=', filter.consumerId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.after !== undefined) query = query.where('id', '>', filter.after);
    return (await query.orderBy('id').limit(filter.limit).execute()).map(subscriptionRowToSubscription);
  },

  /**
   * Active and disabled webhook subscriptions: the fan-out's audience (a disabled one collects dead
   * letters to replay). Other transports (sse, nats) read the outbox their own way.
   */
  async live(db: Db): Promise<Subscription[]> {
    return (
      await db
        .selectFrom('subscriptions')
        .selectAll()
        .where('status', 'in', ['active', 'disabled'])
        .where('transport', '=', 'webhook')
        .orderBy('id')
        .execute()
    ).map(subscriptionRowToSubscription);
  },

  /** Optimistic: writes only over the revision read; false when another change came first. */
  async update(db: Db, next: Subscription, expectedRevision: number): Promise<boolean> {
    const result = await db
      .updateTable('subscriptions')
      .set(toRow(next))
      .where('id', '=', next.id)
      .where('revision', '=', expectedRevision)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** The endpoint answered 410 Gone: disabled whatever its revision (the dispatcher's own write). */
  async disable(db: Db, id: string, reason: string, at: string): Promise<void> {
    const stored = await subscriptionsStore.get(db, id);
    if (!stored || stored.status !== 'active') return;
    await db
      .updateTable('subscriptions')
      .set({ status: 'disabled', status_reason: reason, revision: stored.revision + 1, updated_at: at, updated_by: 'dispatcher' })
      .where('id', '=', id)
      .execute();
  },
};
