import SQLite from 'better-sqlite3';
import { benchEvent } from './bench-events.js';

/**
 * The machine's raw limit for the same work: the same events inserted straight into an SQLite
 * table shaped like the event log (same unique key, WAL, synchronous=NORMAL), in transactions of
 * `batchSize`, with a prepared statement and no checks at all.
 */
export const rawSqliteAppend = (file: string, events: number, batchSize: number, lines: number): { events: number; seconds: number } => {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table if not exists event_log (
    seq integer primary key autoincrement, partition integer not null, source_id text not null, event_id text not null,
    event_type text not null, occurred_at text not null, received_at text not null, schema_version integer not null, payload text not null)`);
  db.exec('create unique index if not exists event_log_idempotency on event_log (source_id, event_id)');
  const insert = db.prepare(
    'insert into event_log (partition, source_id, event_id, event_type, occurred_at, received_at, schema_version, payload) values (?, ?, ?, ?, ?, ?, 1, ?) on conflict do nothing',
  );
  // Rows are prepared before timing, as the HTTP run's bodies are: both measure the store, not JSON.
  const rows = Array.from({ length: events }, (_, i) => {
    const e = benchEvent(i, lines) as { eventId: string; occurredAt: string; identifiers: unknown; properties: unknown };
    return [
      i % 16,
      'network',
      e.eventId,
      'data_session',
      e.occurredAt,
      e.occurredAt,
      JSON.stringify({ identifiers: e.identifiers, properties: e.properties, channel: 'native' }),
    ] as const;
  });
  const appendBatch = db.transaction((batch: readonly (readonly unknown[])[]) => {
    for (const row of batch) insert.run(...row);
  });
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += batchSize) appendBatch(rows.slice(i, i + batchSize));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  return { events, seconds };
};
