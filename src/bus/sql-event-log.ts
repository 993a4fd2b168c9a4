import { CompiledQuery, sql, type Selectable } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Backend, Db, EventLogTable } from '../storage/index.js';
import { idempotencyKey, type AppendRecord, type EventLog, type EventPayload, type LoggedEvent, type PartitionScope } from './event-log.js';

const ALL_PARTITIONS = -1;
const scopeKey = (scope: PartitionScope): number => (scope === 'all' ? ALL_PARTITIONS : scope);
// Stay well under SQLite's bound-parameter limit (32,766) with 9 columns a row.
const ROWS_PER_INSERT = 1000;
// Any constant works; it only has to be the same in every process appending to one database.
const APPEND_LOCK_ID = 7_245_001;

const rowToEvent = (row: Selectable<EventLogTable>): LoggedEvent => ({
  seq: row.seq,
  partition: row.partition,
  sourceId: row.source_id,
  eventId: row.event_id,
  type: row.event_type,
  occurredAt: row.occurred_at,
  receivedAt: row.received_at,
  schemaVersion: row.schema_version,
  payload: JSON.parse(row.payload) as EventPayload,
});

/** Logged events by sequence number, newest first: the event log table's `bySeq`, for a reader given no port. */
export const readEventsBySeq = async (db: Db, seqs: readonly number[]): Promise<LoggedEvent[]> => {
  if (seqs.length === 0) return [];
  const rows = await db
    .selectFrom('event_log')
    .selectAll()
    .where('seq', 'in', [...seqs])
    .orderBy('seq', 'desc')
    .execute();
  return rows.map(rowToEvent);
};

/**
 * The event log as a table of the state store (embedded SQLite or PostgreSQL), through Kysely.
 * On PostgreSQL, appends hold a transaction-scoped advisory lock so that sequence numbers are
 * committed in order and a consumer reading `seq > checkpoint` never skips a late commit
 * (decision 0003). SQLite has one writer at a time already.
 */
export const createSqlEventLog = (backend: Backend, clock: Clock): EventLog => {
  // The multi-row insert is compiled once per row count and reused with new parameters: building
  // and compiling a 500-row query for every batch cost more than a tenth of ingestion.
  const insertSql = new Map<number, string>();
  const compiledInsert = (db: Db, rows: number): string => {
    let text = insertSql.get(rows);
    if (text === undefined) {
      const placeholder = recordToRow(PLACEHOLDER_RECORD);
      text = db
        .insertInto('event_log')
        .values(Array.from({ length: rows }, () => placeholder))
        .onConflict((oc) => oc.columns(['source_id', 'event_id']).doNothing())
        .returning(['seq', 'source_id', 'event_id'])
        .compile().sql;
      insertSql.set(rows, text);
    }
    return text;
  };

  return {
    async append(trx, records) {
      const inserted = new Map<string, number>();
      if (records.length === 0) return inserted;
      if (backend === 'postgres') await sql`select pg_advisory_xact_lock(${APPEND_LOCK_ID})`.execute(trx);
      for (let start = 0; start < records.length; start += ROWS_PER_INSERT) {
        const chunk = records.slice(start, start + ROWS_PER_INSERT);
        const parameters: unknown[] = [];
        for (const record of chunk) parameters.push(...Object.values(recordToRow(record)));
        const result = await trx.executeQuery<{ seq: number; source_id: string; event_id: string }>(
          CompiledQuery.raw(compiledInsert(trx, chunk.length), parameters),
        );
        for (const row of result.rows) inserted.set(idempotencyKey(row.source_id, row.event_id), Number(row.seq));
      }
      return inserted;
    },

    async find(db, sourceId, eventId) {
      const row = await db
        .selectFrom('event_log')
        .selectAll()
        .where('source_id', '=', sourceId)
        .where('event_id', '=', eventId)
        .executeTakeFirst();
      return row ? rowToEvent(row) : undefined;
    },

    async after(db, seq, limit) {
      const rows = await db.selectFrom('event_log').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
      return rows.map(rowToEvent);
    },

    bySeq: readEventsBySeq,

    async read(db, consumer, scope, limit) {
      const from = await this.checkpoint(db, consumer, scope);
      let query = db.selectFrom('event_log').selectAll().where('seq', '>', from);
      if (scope !== 'all') query = query.where('partition', '=', scope);
      const rows = await query.orderBy('seq').limit(limit).execute();
      return rows.map(rowToEvent);
    },

    async checkpoint(db, consumer, scope) {
      const row = await db
        .selectFrom('consumer_checkpoints')
        .select('seq')
        .where('consumer', '=', consumer)
        .where('partition', '=', scopeKey(scope))
        .executeTakeFirst();
      return row?.seq ?? 0;
    },

    async commit(trx, consumer, scope, seq) {
      await trx
        .insertInto('consumer_checkpoints')
        .values({ consumer, partition: scopeKey(scope), seq, updated_at: clock.now().toISOString() })
        .onConflict((oc) => oc.columns(['consumer', 'partition']).doUpdateSet({ seq, updated_at: clock.now().toISOString() }))
        .execute();
    },

    async prune(db, before) {
      const cutoff = await lastSeqReceivedBefore(db, before);
      if (cutoff === 0) return 0;
      // Never delete what a consumer has not read yet: the lowest checkpoint bounds the deletion.
      const lowest = await db
        .selectFrom('consumer_checkpoints')
        .select((eb) => eb.fn.min('seq').as('seq'))
        .executeTakeFirst();
      const limit = lowest?.seq === null || lowest?.seq === undefined ? cutoff : Math.min(cutoff, Number(lowest.seq));
      const result = await db.deleteFrom('event_log').where('seq', '<=', limit).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async stats(db) {
      const row = await db
        .selectFrom('event_log')
        .select((eb) => [eb.fn.countAll<number>().as('events'), eb.fn.max('seq').as('last')])
        .executeTakeFirst();
      return { events: Number(row?.events ?? 0), lastSeq: Number(row?.last ?? 0) };
    },
  };
};

/**
 * The last seq received before `before`, by binary search over seq with primary-key lookups:
 * received_at grows with seq, so no index on it is needed (each index is paid on every append).
 */
const lastSeqReceivedBefore = async (db: Db, before: string): Promise<number> => {
  const bounds = await db
    .selectFrom('event_log')
    .select((eb) => [eb.fn.min('seq').as('low'), eb.fn.max('seq').as('high')])
    .executeTakeFirst();
  let low = Number(bounds?.low ?? 0);
  let high = Number(bounds?.high ?? 0);
  if (low === 0) return 0;
  let found = 0;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const row = await db
      .selectFrom('event_log')
      .select(['seq', 'received_at'])
      .where('seq', '>=', middle)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (!row || row.received_at >= before) high = middle - 1;
    else {
      found = Number(row.seq);
      low = Number(row.seq) + 1;
    }
  }
  return found;
};

const PLACEHOLDER_RECORD: AppendRecord = {
  partition: 0,
  sourceId: '',
  eventId: '',
  type: '',
  occurredAt: '',
  receivedAt: '',
  schemaVersion: 0,
  payload: { identifiers: {}, properties: {}, channel: 'native' },
};

/** Column order here is the parameter order of the compiled insert. */
const recordToRow = (record: AppendRecord) => ({
  partition: record.partition,
  source_id: record.sourceId,
  event_id: record.eventId,
  event_type: record.type,
  occurred_at: record.occurredAt,
  received_at: record.receivedAt,
  schema_version: record.schemaVersion,
  payload: JSON.stringify(record.payload),
});
