import type { Selectable } from 'kysely';
import type { ConsumerTable, Db } from '../storage/index.js';
import type { Consumer, ConsumerKind } from './consumer.js';

/* Kysely queries over `consumers`; the mapper below is the only place its rows are read. */

export const consumerRowToConsumer = (row: Selectable<ConsumerTable>): Consumer => ({
  id: row.id,
  name: row.name,
  kind: row.kind as ConsumerKind,
  description: row.description,
  partner: row.partner,
  purposes: JSON.parse(row.purposes) as string[],
  channels: JSON.parse(row.channels) as string[],
  requiredSignals: JSON.parse(row.required_signals) as string[],
  apiKeyId: row.api_key_id,
  status: row.status as Consumer['status'],
  revision: row.revision,
  createdAt: row.created_at,
  createdBy: row.created_by,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

const columnsOf = (c: Consumer) => ({
  name: c.name,
  kind: c.kind,
  description: c.description,
  partner: c.partner,
  purposes: JSON.stringify(c.purposes),
  channels: JSON.stringify(c.channels),
  required_signals: JSON.stringify(c.requiredSignals),
  api_key_id: c.apiKeyId,
  status: c.status,
  revision: c.revision,
  updated_at: c.updatedAt,
  updated_by: c.updatedBy,
});

export const consumersStore = {
  /** False when the id is taken (by any consumer, deleted ones too). */
  async insert(db: Db, consumer: Consumer): Promise<boolean> {
    const result = await db
      .insertInto('consumers')
      .values({ id: consumer.id, ...columnsOf(consumer), created_at: consumer.createdAt, created_by: consumer.createdBy })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  /** Replaces an active consumer whose revision is still `fromRevision`; false when another change came first. */
  async update(db: Db, consumer: Consumer, fromRevision: number): Promise<boolean> {
    const result = await db
      .updateTable('consumers')
      .set(columnsOf(consumer))
      .where('id', '=', consumer.id)
      .where('revision', '=', fromRevision)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  async get(db: Db, id: string): Promise<Consumer | undefined> {
    const row = await db.selectFrom('consumers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? consumerRowToConsumer(row) : undefined;
  },

  async byApiKey(db: Db, apiKeyId: string): Promise<Consumer | undefined> {
    const row = await db
      .selectFrom('consumers')
      .selectAll()
      .where('api_key_id', '=', apiKeyId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return row ? consumerRowToConsumer(row) : undefined;
  },

  async list(db: Db, filter: { status?: Consumer['status']; after?: string; limit: number }): Promise<Consumer[]> {
    let query = db.selectFrom('consumers').selectAll();
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.after !== undefined) query = query.where('id', '>', filter.after);
    const rows = await query.orderBy('id').limit(filter.limit).execute();
    return rows.map(consumerRowToConsumer);
  },
};
