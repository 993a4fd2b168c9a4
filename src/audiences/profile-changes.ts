import { sql } from 'kysely';
import type { Backend, Db } from '../storage/index.js';

/*
 * What changed since a reader last looked, from a change log appended to by triggers:
 * `profile_change_log` (migrations 0015 and 0017: the profile ids of writes to `profile_state`,
 * `profile_accounts`, `audience_activity`, `profiles` and `identity_nodes`) or
 * `resident_change_log` (0017: memberships entered or left, consent recorded). A mark is where the
 * reader stands; asking again from it gives every entry written since (on PostgreSQL some seen
 * before too: reading one twice is harmless, missing one is not), or `lost` when the log no
 * longer reaches back that far (its front is pruned) and the reader must read everything again.
 */

/** The logs and the column each entry is read from. */
const LOGS = {
  profiles: { table: 'profile_change_log', column: 'profile_id' },
  resident: { table: 'resident_change_log', column: 'entry' },
} as const;
export type ChangeLogName = keyof typeof LOGS;

export interface ChangeMark {
  /** The last log entry seen. */
  readonly seq: number;
  /** PostgreSQL: the snapshot's xmin when the mark was taken (SQLite: unused, 0). */
  readonly xmin: number;
}

export interface Changes {
  /** The entries written since, each once (profile ids; `kind:key` entries of the resident log). */
  readonly ids: readonly string[];
  readonly mark: ChangeMark;
  readonly lost: boolean;
}

export interface ChangeFeed {
  /** Where a reader stands now, taken before it reads the whole store. */
  mark(db: Db): Promise<ChangeMark>;
  since(db: Db, mark: ChangeMark): Promise<Changes>;
}

type Log = (typeof LOGS)[ChangeLogName];

const ends = async (db: Db, log: Log): Promise<{ lo: number | null; hi: number }> => {
  const { rows } = await sql<{ lo: number | string | null; hi: number | string | null }>`
    select min(seq) as lo, max(seq) as hi from ${sql.table(log.table)}`.execute(db);
  const lo = rows[0]?.lo ?? null;
  return { lo: lo === null ? null : Number(lo), hi: Number(rows[0]?.hi ?? 0) };
};

/** The log no longer holds the entry after `seq`: pruned past it. */
const pruned = (lo: number | null, seq: number): boolean => lo !== null && lo > seq + 1;

/** SQLite: entries are numbered in commit order with no holes, so the last seen is the mark. */
const sqliteFeed = (log: Log): ChangeFeed => ({
  async mark(db) {
    return { seq: (await ends(db, log)).hi, xmin: 0 };
  },
  async since(db, mark) {
    const { rows } = await sql<{ seq: number; entry: string }>`
      select seq, ${sql.ref(log.column)} as entry from ${sql.table(log.table)} where seq > ${mark.seq} order by seq`.execute(db);
    const first = rows[0];
    const lost = first !== undefined && Number(first.seq) > mark.seq + 1;
    const last = rows.at(-1);
    return { ids: [...new Set(rows.map((r) => r.entry))], mark: { seq: last ? Number(last.seq) : mark.seq, xmin: 0 }, lost };
  },
});

const xminNow = async (db: Db): Promise<number> => {
  const { rows } = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(db);
  return Number(rows[0]?.xmin ?? 0);
};

/**
 * PostgreSQL: entries commit out of `seq` order; the writer's transaction id (`xid`) says what a
 * reader may not have seen. The mark's xmin is taken before the entries are read, so a later read
 * of every entry with an xid at least that sees every commit since.
 */
const postgresFeed = (log: Log): ChangeFeed => ({
  async mark(db) {
    const xmin = await xminNow(db);
    return { seq: (await ends(db, log)).hi, xmin };
  },
  async since(db, mark) {
    const xmin = await xminNow(db);
    const { rows } = await sql<{ seq: string; entry: string }>`
      select seq, ${sql.ref(log.column)} as entry from ${sql.table(log.table)} where xid >= ${mark.xmin}`.execute(db);
    let seq = mark.seq;
    for (const r of rows) seq = Math.max(seq, Number(r.seq));
    const { lo } = await ends(db, log);
    return { ids: [...new Set(rows.map((r) => r.entry))], mark: { seq, xmin }, lost: pruned(lo, mark.seq) };
  },
});

/** The feed of one change log (the profile log by default). */
export const changeFeedOf = (backend: Backend, log: ChangeLogName = 'profiles'): ChangeFeed =>
  backend === 'sqlite' ? sqliteFeed(LOGS[log]) : postgresFeed(LOGS[log]);
