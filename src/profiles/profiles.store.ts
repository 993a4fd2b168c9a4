import { CompiledQuery, sql } from 'kysely';
import { compiledOnce, runInChunks, sizesOf, type Db } from '../storage/index.js';
import type { ProfileState } from './profile-state.js';
import type { Scores } from './profile-scores.js';
import { decodeProfileBody } from './profile-row.js';

/** Most ids one read asks for, and rows one write sends (4 parameters a row). */
const READ_CHUNK = 2048;
const WRITE_CHUNK = 512;

export interface StoredProfile {
  readonly profileId: string;
  readonly state: ProfileState;
  /** Aggregate states by definition id (the aggregates module's packed format, or a version-1 row's objects). */
  readonly aggregates: Readonly<Record<string, unknown>>;
  readonly scores: Scores | null;
  readonly timeZone: string;
  readonly updatedAt: string;
  readonly nextChangeAt: string | null;
}

/** A row as the profile stage writes it: the body encoded by `encodeProfileBody`. */
export interface ProfileRow {
  readonly profileId: string;
  readonly body: string;
  readonly updatedAt: string;
  readonly nextChangeAt: string | null;
}

const upsertSql = (db: Db, rows: number, nextChange: 'set' | 'keep'): string =>
  compiledOnce(db, `upsert ${rows} ${nextChange}`, () =>
    db
      .insertInto('profile_state')
      .values(Array.from({ length: rows }, () => ({ profile_id: '', body: '', updated_at: '', next_change_at: null })))
      .onConflict((oc) =>
        oc.column('profile_id').doUpdateSet((eb) =>
          nextChange === 'set'
            ? {
                body: eb.ref('excluded.body'),
                updated_at: eb.ref('excluded.updated_at'),
                next_change_at: eb.ref('excluded.next_change_at'),
              }
            : { body: eb.ref('excluded.body'), updated_at: eb.ref('excluded.updated_at') },
        ),
      ),
  );

const readSql = (db: Db, ids: number): string =>
  compiledOnce(db, `read ${ids}`, () =>
    db
      .selectFrom('profile_state')
      .select(['profile_id', 'body', 'updated_at', 'next_change_at'])
      .where(
        'profile_id',
        'in',
        Array.from({ length: ids }, () => ''),
      ),
  );

/** Kysely queries of `profile_state` and the timeline; every function runs inside or outside a transaction. */
export const profilesStore = {
  async read(db: Db, ids: readonly string[]): Promise<Map<string, StoredProfile>> {
    const out = new Map<string, StoredProfile>();
    const unique = [...new Set(ids)];
    let at = 0;
    for (const size of sizesOf(unique.length, READ_CHUNK)) {
      const chunk = unique.slice(at, at + size);
      at += size;
      const { rows } = await db.executeQuery<{ profile_id: string; body: string; updated_at: string; next_change_at: string | null }>(
        CompiledQuery.raw(readSql(db, size), chunk),
      );
      for (const r of rows) {
        const body = decodeProfileBody(r.body);
        out.set(r.profile_id, {
          profileId: r.profile_id,
          state: body.state,
          aggregates: body.aggregates,
          scores: body.scores,
          timeZone: body.timeZone,
          updatedAt: r.updated_at,
          nextChangeAt: r.next_change_at,
        });
      }
    }
    return out;
  },

  /**
   * Inserts or replaces the rows. `keepNextChange`: the rows already exist with this next change,
   * so the column (and its index, a random B-tree page per row otherwise) is left as it is.
   */
  async write(db: Db, rows: readonly ProfileRow[], options: { keepNextChange?: boolean } = {}): Promise<void> {
    const nextChange = options.keepNextChange === true ? 'keep' : 'set';
    await runInChunks(
      db,
      rows,
      WRITE_CHUNK,
      (size) => upsertSql(db, size, nextChange),
      (row, into) => into.push(row.profileId, row.body, row.updatedAt, row.nextChangeAt),
    );
  },

  async remove(db: Db, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      await db
        .deleteFrom('profile_state')
        .where('profile_id', 'in', ids.slice(i, i + READ_CHUNK))
        .execute();
    }
  },

  /** Profiles whose aggregate windows change by now with no event (the scheduler's work). */
  async due(db: Db, now: string, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('profile_state')
      .select('profile_id')
      .where('next_change_at', '<=', now)
      .orderBy('next_change_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.profile_id);
  },

  /**
   * The log sequence numbers of a profile's events, newest first: events whose anchor value is
   * one of the profile's nodes, within the node's validity (from exclusive, to inclusive), from the timeline index and its
   * not-yet-indexed tail (decision 0008).
   */
  async timelineSeqs(
    db: Db,
    nodes: readonly { valueKey: string; validFrom: string | null; validTo: string | null }[],
    options: { before?: number; limit: number; indexedUpTo: number },
  ): Promise<number[]> {
    if (nodes.length === 0) return [];
    const within = (table: 'timeline_index' | 'event_profiles') =>
      sql.join(
        nodes.map(
          (n) =>
            sql`(${sql.ref(`${table}.value_key`)} = ${n.valueKey}${n.validFrom ? sql` and ${sql.ref(`${table}.occurred_at`)} > ${n.validFrom}` : sql``}${
              n.validTo ? sql` and ${sql.ref(`${table}.occurred_at`)} <= ${n.validTo}` : sql``
            })`,
        ),
        sql` or `,
      );
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    const indexed = await db
      .selectFrom('timeline_index')
      .select('seq')
      .where(sql<boolean>`(${within('timeline_index')})`)
      .where('seq', '<', before)
      .orderBy('seq', 'desc')
      .limit(options.limit)
      .execute();
    const tail = await db
      .selectFrom('event_profiles')
      .select('seq')
      .where('seq', '>', options.indexedUpTo)
      .where('seq', '<', before)
      .where(sql<boolean>`(${within('event_profiles')})`)
      .orderBy('seq', 'desc')
      .limit(options.limit)
      .execute();
    return [...new Set([...tail, ...indexed].map((r) => Number(r.seq)))].sort((a, b) => b - a).slice(0, options.limit);
  },
};
