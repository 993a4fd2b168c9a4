import type { Db } from '../storage/index.js';
import { outboxRowToMessage, type OutboxMessage } from '../outbox/index.js';
import { START, type OutboxCursor } from './outbox-cursor.js';

/* Reads of the outbox in (created_at, id) order, and the durable cursors of its readers. */

export const outboxStore = {
  /** Ids and times only, from `fromCreatedAt` up to and including `to`: a sweep's cheap first look. */
  async keysBetween(
    db: Db,
    options: { fromCreatedAt: string; to: OutboxCursor; types: readonly string[]; limit: number },
  ): Promise<{ id: string; createdAt: string }[]> {
    let query = db
      .selectFrom('outbox')
      .select(['id', 'created_at'])
      .where('created_at', '>=', options.fromCreatedAt)
      .where('created_at', '<=', options.to.createdAt);
    if (options.types.length > 0) query = query.where('type', 'in', [...options.types]);
    const rows = await query.orderBy('created_at').orderBy('id').limit(options.limit).execute();
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
  },

  async byIds(db: Db, ids: readonly string[]): Promise<OutboxMessage[]> {
    const out: OutboxMessage[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      out.push(...rows.map(outboxRowToMessage));
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  },

  /** Messages strictly after the cursor. */
  async pageAfter(db: Db, options: { after: OutboxCursor; types: readonly string[]; limit: number }): Promise<OutboxMessage[]> {
    const { after } = options;
    let query = db
      .selectFrom('outbox')
      .selectAll()
      // The pair compared as one row value: both backends seek the (created_at, id) index with it,
      // where `a > x OR (a = x AND b > y)` scanned the whole index on SQLite.
      .where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '>', tuple(after.createdAt, after.id)));
    if (options.types.length > 0) query = query.where('type', 'in', [...options.types]);
    const rows = await query.orderBy('created_at').orderBy('id').limit(options.limit).execute();
    return rows.map(outboxRowToMessage);
  },

  /** The cursor of the latest message (START when the outbox is empty). */
  async end(db: Db): Promise<OutboxCursor> {
    const row = await db
      .selectFrom('outbox')
      .select(['created_at', 'id'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row ? { createdAt: row.created_at, id: row.id } : START;
  },

  async cursor(db: Db, name: string): Promise<OutboxCursor | undefined> {
    const row = await db.selectFrom('activation_cursors').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? { createdAt: row.created_at, id: row.outbox_id } : undefined;
  },

  async saveCursor(db: Db, name: string, cursor: OutboxCursor, at: string): Promise<void> {
    await db
      .insertInto('activation_cursors')
      .values({ name, created_at: cursor.createdAt, outbox_id: cursor.id, updated_at: at })
      .onConflict((oc) => oc.column('name').doUpdateSet({ created_at: cursor.createdAt, outbox_id: cursor.id, updated_at: at }))
      .execute();
  },
};
