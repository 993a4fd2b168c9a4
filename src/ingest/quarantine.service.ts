import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../storage/index.js';
import type { IngestService } from './ingest.service.js';
import { quarantineStore, type QuarantineEntry, type QuarantineFilter } from './quarantine.store.js';
import type { Reason, ReasonCode } from './reasons.js';

export interface ReplaySelection {
  readonly ids?: readonly string[];
  readonly sourceId?: string;
  readonly type?: string;
  readonly reason?: ReasonCode;
  /** Validate against this contract version instead of the latest. */
  readonly schemaVersion?: number;
  readonly limit?: number;
}

export interface ReplayItem {
  readonly quarantineId: string;
  readonly status: 'accepted' | 'duplicate' | 'quarantined';
  readonly seq?: number;
  readonly reasons?: Reason[];
}

export interface ReplayReport {
  readonly selected: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly stillQuarantined: number;
  readonly items: ReplayItem[];
}

const MAX_REPLAY = 10_000;

/**
 * Replays quarantined events through the same ingestion path, typically after a contract fix.
 * The append and the marking of the entries share one transaction, and the log's idempotency on
 * (source, eventId) makes a second replay of the same entries answer `duplicate`: exactly once.
 */
export class QuarantineService {
  readonly #db: Db;
  readonly #ingest: IngestService;
  readonly #clock: Clock;

  constructor(deps: { db: Db; ingest: IngestService; clock: Clock }) {
    this.#db = deps.db;
    this.#ingest = deps.ingest;
    this.#clock = deps.clock;
  }

  list(filter: QuarantineFilter): Promise<QuarantineEntry[]> {
    return quarantineStore.list(this.#db, filter);
  }

  async get(id: string): Promise<QuarantineEntry> {
    const entry = await quarantineStore.get(this.#db, id);
    if (!entry) throw new AppError('NOT_FOUND', `quarantine entry '${id}' not found`);
    return entry;
  }

  /** Replays the selected entries: by id (whatever their status), or open entries matching a filter. */
  async replay(selection: ReplaySelection): Promise<ReplayReport> {
    const limit = Math.min(selection.limit ?? 1000, MAX_REPLAY);
    const entries = selection.ids
      ? await quarantineStore.list(this.#db, { ids: selection.ids, limit: MAX_REPLAY })
      : await quarantineStore.list(this.#db, {
          status: 'open',
          ...(selection.sourceId ? { sourceId: selection.sourceId } : {}),
          ...(selection.type ? { type: selection.type } : {}),
          ...(selection.reason ? { reason: selection.reason } : {}),
          limit,
        });
    if (selection.ids) {
      const found = new Set(entries.map((e) => e.id));
      const missing = selection.ids.filter((id) => !found.has(id));
      if (missing.length > 0) throw new AppError('NOT_FOUND', `quarantine entries not found: ${missing.join(', ')}`);
    }
    return this.#replayEntries(
      entries.map((entry) => ({ entry, event: parseRaw(entry.raw) })),
      selection.schemaVersion,
    );
  }

  /** Fix-and-replay of one entry: the corrected event replaces the stored body for this attempt. */
  async replayCorrected(id: string, event: unknown, schemaVersion?: number): Promise<ReplayReport> {
    const entry = await this.get(id);
    return this.#replayEntries([{ entry, event: { ok: true, value: event } }], schemaVersion);
  }

  async #replayEntries(
    selected: readonly { entry: QuarantineEntry; event: { ok: true; value: unknown } | { ok: false; message: string } }[],
    schemaVersion: number | undefined,
  ): Promise<ReplayReport> {
    const parsed = selected.filter((s) => s.event.ok);
    const unparsable = selected.filter((s) => !s.event.ok);
    const now = this.#clock.now().toISOString();
    const { items, counters } = await this.#db.transaction().execute(async (trx) => {
      const out: ReplayItem[] = [];
      const { result, counters: committed } = await this.#ingest.processInTransaction(
        trx,
        parsed.map((s) => (s.event as { value: unknown }).value),
        { channel: 'replay', ...(schemaVersion !== undefined ? { pinnedVersion: schemaVersion } : {}) },
        'report',
      );
      for (const [i, { entry }] of parsed.entries()) {
        const r = result.results[i];
        if (!r) continue;
        const item: ReplayItem = {
          quarantineId: entry.id,
          status: r.status,
          ...(r.seq !== undefined ? { seq: r.seq } : {}),
          ...(r.reasons ? { reasons: r.reasons } : {}),
        };
        await quarantineStore.recordReplay(
          trx,
          entry.id,
          { replayed: r.status !== 'quarantined', result: item, ...(r.reasons ? { reasons: r.reasons } : {}) },
          now,
        );
        out.push(item);
      }
      for (const { entry, event } of unparsable) {
        const reasons: Reason[] = [{ code: 'MALFORMED_JSON', message: event.ok ? '' : event.message }];
        const item: ReplayItem = { quarantineId: entry.id, status: 'quarantined', reasons };
        await quarantineStore.recordReplay(trx, entry.id, { replayed: false, result: item }, now);
        out.push(item);
      }
      return { items: out, counters: committed };
    });
    this.#ingest.recordMetrics(counters);
    return {
      selected: selected.length,
      accepted: items.filter((i) => i.status === 'accepted').length,
      duplicate: items.filter((i) => i.status === 'duplicate').length,
      stillQuarantined: items.filter((i) => i.status === 'quarantined').length,
      items,
    };
  }
}

const parseRaw = (raw: string): { ok: true; value: unknown } | { ok: false; message: string } => {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (err) {
    return { ok: false, message: `the stored body is not JSON (${(err as Error).message}); replay it with a corrected event` };
  }
};
