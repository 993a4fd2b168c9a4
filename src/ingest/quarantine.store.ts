import type { Selectable } from 'kysely';
import type { Db, QuarantineTable } from '../storage/index.js';
import type { Reason, ReasonCode } from './reasons.js';

export type QuarantineStatus = 'open' | 'replayed';

export interface QuarantineEntry {
  readonly id: string;
  readonly sourceId: string | null;
  readonly type: string | null;
  readonly eventId: string | null;
  readonly channel: string;
  readonly reasons: readonly Reason[];
  readonly raw: string;
  readonly status: QuarantineStatus;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
  readonly replayedAt: string | null;
  readonly replayAttempts: number;
  readonly lastReplayResult: unknown;
}

export interface QuarantineWrite {
  readonly id: string;
  readonly fingerprint: string;
  readonly sourceId: string | null;
  readonly type: string | null;
  readonly eventId: string | null;
  readonly channel: string;
  readonly reasons: readonly Reason[];
  readonly raw: string;
  readonly count: number;
}

export interface QuarantineFilter {
  readonly status?: QuarantineStatus;
  readonly sourceId?: string;
  readonly type?: string;
  readonly reason?: ReasonCode;
  readonly ids?: readonly string[];
  /** Entries whose id sorts after this one (ids are ULIDs, so this pages by first arrival). */
  readonly after?: string;
  readonly limit: number;
}

export const quarantineRowToEntry = (row: Selectable<QuarantineTable>): QuarantineEntry => ({
  id: row.id,
  sourceId: row.source_id,
  type: row.event_type,
  eventId: row.event_id,
  channel: row.channel,
  reasons: JSON.parse(row.reasons) as Reason[],
  raw: row.raw,
  status: row.status as QuarantineStatus,
  firstSeen: row.first_seen,
  lastSeen: row.last_seen,
  count: row.count,
  replayedAt: row.replayed_at,
  replayAttempts: row.replay_attempts,
  lastReplayResult: row.last_replay_result === null ? null : (JSON.parse(row.last_replay_result) as unknown),
});

// Codes are stored as `|A|B|` so a filter by one reason is a LIKE on both backends.
const codesOf = (reasons: readonly Reason[]): string => `|${[...new Set(reasons.map((r) => r.code))].join('|')}|`;

export const quarantineStore = {
  /**
   * Stores refused events; the same event refused again (same fingerprint) raises its count and
   * last-seen time instead of adding a row. Returns the entry id of every fingerprint.
   */
  async upsert(trx: Db, writes: readonly QuarantineWrite[], now: string): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    if (writes.length === 0) return ids;
    const rows = await trx
      .insertInto('quarantine')
      .values(
        writes.map((w) => ({
          id: w.id,
          fingerprint: w.fingerprint,
          source_id: w.sourceId,
          event_type: w.type,
          event_id: w.eventId,
          channel: w.channel,
          reason_codes: codesOf(w.reasons),
          reasons: JSON.stringify(w.reasons),
          raw: w.raw,
          status: 'open',
          first_seen: now,
          last_seen: now,
          count: w.count,
          replayed_at: null,
          replay_attempts: 0,
          last_replay_result: null,
        })),
      )
      .onConflict((oc) =>
        oc.column('fingerprint').doUpdateSet((eb) => ({
          count: eb('quarantine.count', '+', eb.ref('excluded.count')),
          last_seen: eb.ref('excluded.last_seen'),
          reasons: eb.ref('excluded.reasons'),
          reason_codes: eb.ref('excluded.reason_codes'),
          raw: eb.ref('excluded.raw'),
          status: 'open',
        })),
      )
      .returning(['id', 'fingerprint'])
      .execute();
    for (const row of rows) ids.set(row.fingerprint, row.id);
    return ids;
  },

  async list(db: Db, filter: QuarantineFilter): Promise<QuarantineEntry[]> {
    let query = db.selectFrom('quarantine').selectAll();
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.sourceId) query = query.where('source_id', '=', filter.sourceId);
    if (filter.type) query = query.where('event_type', '=', filter.type);
    if (filter.reason) query = query.where('reason_codes', 'like', `%|${filter.reason}|%`);
    if (filter.ids) query = query.where('id', 'in', filter.ids.length > 0 ? [...filter.ids] : ['']);
    if (filter.after) query = query.where('id', '>', filter.after);
    const rows = await query.orderBy('id').limit(filter.limit).execute();
    return rows.map(quarantineRowToEntry);
  },

  async get(db: Db, id: string): Promise<QuarantineEntry | undefined> {
    const row = await db.selectFrom('quarantine').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? quarantineRowToEntry(row) : undefined;
  },

  async recordReplay(
    trx: Db,
    id: string,
    outcome: { replayed: boolean; result: unknown; reasons?: readonly Reason[] },
    now: string,
  ): Promise<void> {
    await trx
      .updateTable('quarantine')
      .set((eb) => ({
        replay_attempts: eb('replay_attempts', '+', 1),
        last_replay_result: JSON.stringify(outcome.result),
        ...(outcome.replayed ? { status: 'replayed', replayed_at: now } : {}),
        ...(outcome.reasons ? { reasons: JSON.stringify(outcome.reasons), reason_codes: codesOf(outcome.reasons) } : {}),
      }))
      .where('id', '=', id)
      .execute();
  },

  async countOpenByReason(db: Db, sourceId?: string): Promise<{ sourceId: string | null; reasonCodes: string; count: number }[]> {
    let query = db
      .selectFrom('quarantine')
      .select((eb) => ['source_id', 'reason_codes', eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'open');
    if (sourceId) query = query.where('source_id', '=', sourceId);
    const rows = await query.groupBy(['source_id', 'reason_codes']).execute();
    return rows.map((r) => ({ sourceId: r.source_id, reasonCodes: r.reason_codes, count: Number(r.n) }));
  },
};
