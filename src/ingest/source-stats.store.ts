import type { Db } from '../storage/index.js';
import type { DriftKind } from './reasons.js';

export type Outcome = 'accepted' | 'duplicate' | 'quarantined';

export interface CounterIncrement {
  readonly sourceId: string;
  readonly day: string;
  readonly outcome: Outcome;
  readonly reason: string;
  readonly count: number;
}

export interface DriftIncrement {
  readonly sourceId: string;
  readonly type: string;
  readonly path: string;
  readonly kind: DriftKind;
  readonly schemaVersion: number;
  readonly count: number;
  readonly example: string;
}

export interface DriftEntry extends Omit<DriftIncrement, 'count'> {
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** The counter row of events whose source could not be told (malformed bodies, unknown sources). */
export const UNKNOWN_SOURCE_ID = '_unknown';

/** Per-source counters (accepted, duplicate, quarantined by reason, per UTC day) and drift signals. */
export const sourceStatsStore = {
  async addCounters(trx: Db, increments: readonly CounterIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    await trx
      .insertInto('source_counters')
      .values(increments.map((i) => ({ source_id: i.sourceId, day: i.day, outcome: i.outcome, reason: i.reason, count: i.count })))
      .onConflict((oc) =>
        oc.columns(['source_id', 'day', 'outcome', 'reason']).doUpdateSet((eb) => ({
          count: eb('source_counters.count', '+', eb.ref('excluded.count')),
        })),
      )
      .execute();
  },

  async counters(db: Db, filter: { sourceId?: string; since?: string }): Promise<CounterIncrement[]> {
    let query = db.selectFrom('source_counters').selectAll();
    if (filter.sourceId) query = query.where('source_id', '=', filter.sourceId);
    if (filter.since) query = query.where('day', '>=', filter.since);
    const rows = await query.orderBy('day').execute();
    return rows.map((r) => ({
      sourceId: r.source_id,
      day: r.day,
      outcome: r.outcome as Outcome,
      reason: r.reason,
      count: Number(r.count),
    }));
  },

  async addDrift(trx: Db, increments: readonly DriftIncrement[], now: string): Promise<void> {
    if (increments.length === 0) return;
    await trx
      .insertInto('contract_drift')
      .values(
        increments.map((i) => ({
          source_id: i.sourceId,
          event_type: i.type,
          path: i.path,
          kind: i.kind,
          schema_version: i.schemaVersion,
          first_seen: now,
          last_seen: now,
          count: i.count,
          example: i.example,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['source_id', 'event_type', 'path', 'kind']).doUpdateSet((eb) => ({
          count: eb('contract_drift.count', '+', eb.ref('excluded.count')),
          last_seen: eb.ref('excluded.last_seen'),
          schema_version: eb.ref('excluded.schema_version'),
          example: eb.ref('excluded.example'),
        })),
      )
      .execute();
  },

  async drift(db: Db, sourceId?: string): Promise<DriftEntry[]> {
    let query = db.selectFrom('contract_drift').selectAll();
    if (sourceId) query = query.where('source_id', '=', sourceId);
    const rows = await query.orderBy('last_seen', 'desc').execute();
    return rows.map((r) => ({
      sourceId: r.source_id,
      type: r.event_type,
      path: r.path,
      kind: r.kind as DriftKind,
      schemaVersion: r.schema_version,
      count: Number(r.count),
      example: r.example,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
    }));
  },
};
