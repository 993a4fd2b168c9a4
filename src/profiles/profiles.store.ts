import { sql } from 'kysely';
import type { Db } from '../storage/index.js';
import type { ProfileState } from './profile-state.js';
import type { Scores } from './profile-scores.js';

const CHUNK = 2000;

export interface StoredProfile {
  readonly profileId: string;
  readonly state: ProfileState;
  /** Aggregate states by definition id (the aggregates module's format). */
  readonly aggregates: Readonly<Record<string, unknown>>;
  readonly scores: Scores | null;
  readonly timeZone: string;
  readonly updatedAt: string;
  readonly nextChangeAt: string | null;
}

/** Kysely queries of `profile_state` and the timeline; every function runs inside or outside a transaction. */
export const profilesStore = {
  async read(db: Db, ids: readonly string[]): Promise<Map<string, StoredProfile>> {
    const out = new Map<string, StoredProfile>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows = await db
        .selectFrom('profile_state')
        .selectAll()
        .where('profile_id', 'in', unique.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) {
        out.set(r.profile_id, {
          profileId: r.profile_id,
          state: JSON.parse(r.state) as ProfileState,
          aggregates: JSON.parse(r.aggregates) as Record<string, unknown>,
          scores: r.scores === null ? null : (JSON.parse(r.scores) as Scores),
          timeZone: r.time_zone,
          updatedAt: r.updated_at,
          nextChangeAt: r.next_change_at,
        });
      }
    }
    return out;
  },

  async write(db: Db, rows: readonly StoredProfile[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      await db
        .insertInto('profile_state')
        .values(
          rows.slice(i, i + 500).map((p) => ({
            profile_id: p.profileId,
            state: JSON.stringify(p.state),
            aggregates: JSON.stringify(p.aggregates),
            scores: p.scores === null ? null : JSON.stringify(p.scores),
            time_zone: p.timeZone,
            updated_at: p.updatedAt,
            next_change_at: p.nextChangeAt,
          })),
        )
        .onConflict((oc) =>
          oc.column('profile_id').doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            aggregates: eb.ref('excluded.aggregates'),
            scores: eb.ref('excluded.scores'),
            time_zone: eb.ref('excluded.time_zone'),
            updated_at: eb.ref('excluded.updated_at'),
            next_change_at: eb.ref('excluded.next_change_at'),
          })),
        )
        .execute();
    }
  },

  async remove(db: Db, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await db
        .deleteFrom('profile_state')
        .where('profile_id', 'in', ids.slice(i, i + CHUNK))
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
