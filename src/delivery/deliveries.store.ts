import type { Selectable } from 'kysely';
import { compiledOnce, runInChunks, type Db, type DeliveryFeedTable, type DeliveryTable } from '../storage/index.js';

/*
 * Deliveries: the queue and the record of every (subscription, outbox message). The fan-out
 * inserts them `pending`; the dispatcher moves them to `delivered`, back to `pending` with the
 * next attempt's time, to `dead` (the dead letter), or to `suppressed` (the policy let nothing
 * through). Replay puts dead or delivered ones back to `pending` under the same ids.
 */

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  readonly id: string;
  readonly subscriptionId: string;
  /** The outbox id: the CloudEvent id and the `webhook-id`. */
  readonly messageId: string;
  readonly seq: number;
  readonly type: string;
  readonly subject: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const deliveryRowToDelivery = (row: Selectable<DeliveryTable>): Delivery => ({
  id: row.id,
  subscriptionId: row.subscription_id,
  messageId: row.outbox_id,
  seq: Number(row.seq),
  type: row.type,
  subject: row.subject,
  status: row.status as DeliveryStatus,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  lastAttemptAt: row.last_attempt_at,
  lastStatus: row.last_status,
  lastError: row.last_error,
  deliveredAt: row.delivered_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export type PendingRow = Pick<
  Selectable<DeliveryTable>,
  'id' | 'outbox_id' | 'type' | 'subject' | 'attempts' | 'next_attempt_at' | 'last_attempt_at'
>;

/** What one attempt (or a decision not to attempt) changes on a delivery. */
export interface DeliveryUpdate {
  readonly id: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

export const FANOUT_CURSOR = 'fanout';

/** The last outbox row the fan-out read, by (created_at, id), and the last sequence number it gave. */
export interface FanOutCursor {
  readonly createdAt: string;
  readonly outboxId: string;
  readonly seq: number;
}

/*
 * The fan-out inserts a thousand rows at a time: those statements are compiled by Kysely once per
 * row count and run with fresh parameters (storage's `compiledOnce`; building a 15-column,
 * thousand-row insert for every step cost about as much as SQLite's own work).
 */

const DELIVERY_COLUMNS = [
  'id',
  'subscription_id',
  'outbox_id',
  'seq',
  'type',
  'subject',
  'status',
  'attempts',
  'next_attempt_at',
  'last_attempt_at',
  'last_status',
  'last_error',
  'delivered_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof DeliveryTable)[];

/** A row of placeholders, its keys in DELIVERY_COLUMNS' order (the order of the compiled columns). */
const PLACEHOLDER_DELIVERY = Object.fromEntries(DELIVERY_COLUMNS.map((c) => [c, ''])) as unknown as DeliveryTable;

/** Rows a statement at most: PostgreSQL allows 65,535 parameters a statement; 15 columns a row. */
const INSERT_CHUNK = 2_048;
/** Ids an update names at most. */
const UPDATE_CHUNK = 1_000;

const insertSql = (db: Db, size: number): string =>
  compiledOnce(db, `deliveries.insert.${size}`, () =>
    db
      .insertInto('deliveries')
      .values(Array.from({ length: size }, () => PLACEHOLDER_DELIVERY))
      .onConflict((oc) => oc.columns(['subscription_id', 'outbox_id']).doNothing()),
  );

const feedSql = (db: Db, size: number): string =>
  compiledOnce(db, `delivery_feed.insert.${size}`, () =>
    db
      .insertInto('delivery_feed')
      .values(Array.from({ length: size }, () => ({ outbox_id: '', created_at: '' })))
      .onConflict((oc) => oc.column('outbox_id').doNothing()),
  );

export const deliveriesStore = {
  async insert(db: Db, rows: readonly DeliveryTable[]): Promise<void> {
    await runInChunks(
      db,
      rows,
      INSERT_CHUNK,
      (size) => insertSql(db, size),
      (row, into) => {
        for (const column of DELIVERY_COLUMNS) into.push(row[column]);
      },
    );
  },

  /** Marks outbox rows taken by the fan-out (skipped when the window behind the cursor is read again). */
  async markTaken(db: Db, rows: readonly DeliveryFeedTable[]): Promise<void> {
    await runInChunks(
      db,
      rows,
      INSERT_CHUNK,
      (size) => feedSql(db, size),
      (row, into) => {
        into.push(row.outbox_id, row.created_at);
      },
    );
  },

  /** The first pending deliveries of a subscription in fan-out order: each subject's first is its head. */
  async pendingWindow(db: Db, subscriptionId: string, limit: number): Promise<PendingRow[]> {
    return db
      .selectFrom('deliveries')
      .select(['id', 'outbox_id', 'type', 'subject', 'attempts', 'next_attempt_at', 'last_attempt_at'])
      .where('subscription_id', '=', subscriptionId)
      .where('status', '=', 'pending')
      .orderBy('seq')
      .limit(limit)
      .execute();
  },

  /** Writes a round's results: one statement per distinct change (a round's successes are usually one). */
  async apply(db: Db, updates: readonly DeliveryUpdate[], at: string): Promise<void> {
    const groups = new Map<string, { change: Omit<DeliveryUpdate, 'id'>; ids: string[] }>();
    for (const { id, ...change } of updates) {
      const key = JSON.stringify(change);
      const group = groups.get(key);
      if (group) group.ids.push(id);
      else groups.set(key, { change, ids: [id] });
    }
    // Built for each statement: split into compiled shapes of powers of two, a round's thousand
    // ids took six statements and measured slower than one.
    for (const { change: u, ids } of groups.values())
      for (let i = 0; i < ids.length; i += UPDATE_CHUNK)
        await db
          .updateTable('deliveries')
          .set({
            status: u.status,
            attempts: u.attempts,
            next_attempt_at: u.nextAttemptAt,
            last_attempt_at: u.lastAttemptAt,
            last_status: u.lastStatus,
            last_error: u.lastError,
            delivered_at: u.deliveredAt,
            updated_at: at,
          })
          .where('id', 'in', ids.slice(i, i + UPDATE_CHUNK))
          .execute();
  },

  /** A disabled endpoint's queue becomes dead letters (replayable once it is enabled again). */
  async killPending(db: Db, subscriptionId: string, reason: string, at: string): Promise<void> {
    await db
      .updateTable('deliveries')
      .set({ status: 'dead', next_attempt_at: null, last_error: reason, updated_at: at })
      .where('subscription_id', '=', subscriptionId)
      .where('status', '=', 'pending')
      .execute();
  },

  async get(db: Db, subscriptionId: string, id: string): Promise<Delivery | undefined> {
    const row = await db
      .selectFrom('deliveries')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .where((eb) => eb.or([eb('id', '=', id), eb('outbox_id', '=', id)]))
      .executeTakeFirst();
    return row ? deliveryRowToDelivery(row) : undefined;
  },

  async list(db: Db, filter: { subscriptionId: string; status?: DeliveryStatus; afterSeq?: number; limit: number }): Promise<Delivery[]> {
    let query = db.selectFrom('deliveries').selectAll().where('subscription_id', '=', filter.subscriptionId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
    return (await query.orderBy('seq').limit(filter.limit).execute()).map(deliveryRowToDelivery);
  },

  /** Back to pending under the same ids: one delivery, or every dead letter created since a time. */
  async replay(db: Db, filter: { subscriptionId: string; id?: string; since?: string }, at: string): Promise<number> {
    let query = db
      .updateTable('deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: at, delivered_at: null, updated_at: at })
      .where('subscription_id', '=', filter.subscriptionId);
    if (filter.id !== undefined) query = query.where('id', '=', filter.id).where('status', '!=', 'pending');
    else query = query.where('status', '=', 'dead').where('created_at', '>=', filter.since ?? '');
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  },

  /** Pending deliveries and the age of the oldest due one, per subscription: the backpressure gauges. */
  async backlog(db: Db): Promise<{ subscriptionId: string; pending: number; oldest: string | null }[]> {
    const rows = await db
      .selectFrom('deliveries')
      .select((eb) => ['subscription_id', eb.fn.countAll<number | string>().as('pending'), eb.fn.min('created_at').as('oldest')])
      .where('status', '=', 'pending')
      .groupBy('subscription_id')
      .execute();
    return rows.map((r) => ({ subscriptionId: r.subscription_id, pending: Number(r.pending), oldest: r.oldest as string | null }));
  },

  // ---- the fan-out's cursor over the outbox ----------------------------------------------------

  async cursor(db: Db): Promise<FanOutCursor | undefined> {
    const row = await db
      .selectFrom('delivery_cursor')
      .select(['created_at', 'outbox_id', 'seq'])
      .where('name', '=', FANOUT_CURSOR)
      .executeTakeFirst();
    return row ? { createdAt: row.created_at, outboxId: row.outbox_id, seq: Number(row.seq) } : undefined;
  },

  async setCursor(db: Db, cursor: FanOutCursor, at: string): Promise<void> {
    const values = { created_at: cursor.createdAt, outbox_id: cursor.outboxId, seq: cursor.seq, updated_at: at };
    await db
      .insertInto('delivery_cursor')
      .values({ name: FANOUT_CURSOR, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute();
  },
};
