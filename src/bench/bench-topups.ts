import SQLite from 'better-sqlite3';
import { CONSENT_CONSUMER } from '../consent/index.js';
import { PIPELINE_CONSUMER } from '../pipeline/index.js';

/*
 * Top-ups for the preview bench's event conditions (audience-preview.ts), written straight into
 * the SQLite file as the pipeline would have left them: the logged event, its resolution to a
 * profile (`event_profiles`), and the log's consumers moved past them in the same transaction, so
 * the running server's pipeline never takes them (millions of events in seconds, not hours of
 * ingestion).
 */

const DAY = 86_400_000;

/** Profile ids of the identity stage's form (`p_` and 24 hex digits), ascending: the bench's profiles. */
export const benchId = (i: number): string => `p_${i.toString(16).padStart(24, '0')}`;

/** A `profiles` row for each bench profile (what identity writes with a new person). */
export const writeProfileIds = (file: string, profiles: number): void => {
  const db = new SQLite(file);
  try {
    const insert = db.prepare('insert into profiles (id, created_at, updated_at, merged_into) values (?, ?, ?, null)');
    const now = new Date().toISOString();
    const write = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(benchId(i), now, now);
    });
    for (let from = 0; from < profiles; from += 50_000) write(from, Math.min(profiles, from + 50_000));
  } finally {
    db.close();
  }
};

/** 0 to 4 top-ups per profile (2 on average) over the last 29 days, with amounts and payment methods; answers how many. */
export const writeTopups = (file: string, profiles: number): number => {
  const db = new SQLite(file);
  try {
    db.pragma('busy_timeout = 30000');
    const event = db.prepare(
      `insert into event_log (partition, source_id, event_id, event_type, occurred_at, received_at, schema_version, payload)
       values (?, 'billing', ?, 'topup', ?, ?, 1, ?)`,
    );
    const resolved = db.prepare('insert into event_profiles (seq, value_key, occurred_at, profile_id) values (?, null, ?, ?)');
    const now = Date.now();
    let x = 11;
    const random = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 4_294_967_296;
    };
    let written = 0;
    db.transaction(() => {
      for (let i = 0; i < profiles; i++) {
        for (let k = Math.floor(random() * 5); k > 0; k--) {
          const at = new Date(now - Math.floor(random() * 29 * DAY)).toISOString();
          const properties = { topupId: `B-${i}-${k}`, amount: { value: [100, 300, 500][k % 3], unit: 'RUB' }, paymentMethod: 'bankCard' };
          const seq = event.run(
            i % 16,
            `bench-topup-${i}-${k}`,
            at,
            new Date(now).toISOString(),
            JSON.stringify({ properties }),
          ).lastInsertRowid;
          resolved.run(seq, at, benchId(i));
          written++;
        }
      }
      const last = (db.prepare('select max(seq) as seq from event_log').get() as { seq: number }).seq;
      const stamp = new Date(now).toISOString();
      // Every consumer reading the whole log (scope `all`, partition −1), and the timeline index.
      for (const consumer of [PIPELINE_CONSUMER, CONSENT_CONSUMER])
        db.prepare(
          `insert into consumer_checkpoints (consumer, partition, seq, updated_at) values (?, -1, ?, ?)
           on conflict (consumer, partition) do update set seq = excluded.seq, updated_at = excluded.updated_at`,
        ).run(consumer, last, stamp);
      db.prepare(
        `insert into index_checkpoints (name, seq, updated_at) values ('timeline', ?, ?)
         on conflict (name) do update set seq = excluded.seq, updated_at = excluded.updated_at`,
      ).run(last, stamp);
    })();
    return written;
  } finally {
    db.close();
  }
};
