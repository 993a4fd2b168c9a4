import type { Clock } from '../core/clock.js';
import { AppError, type ErrorDetail } from '../core/errors.js';
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
      entries.map((entry) => {
        const parsed = parseRaw(entry.raw);
        return { entry, event: parsed.ok ? { ok: true as const, value: withEntrySource(entry, parsed.value) } : parsed };
      }),
      selection.schemaVersion,
    );
  }

  /**
   * Fix-and-replay of one entry: the corrected event replaces the stored body for this attempt.
   * The stored body is kept as it arrived, and the corrected event is kept with the attempt's
   * result, so a correction the contract still refuses is not lost either.
   */
  async replayCorrected(id: string, event: Record<string, unknown>, schemaVersion?: number): Promise<ReplayReport> {
    const entry = await this.get(id);
    const mismatches = correctionMismatches(entry, event);
    if (mismatches.length > 0) {
      throw new AppError(
        'BAD_REQUEST',
        'a corrected event must keep the source and eventId of the quarantined event, so that the log stays idempotent',
        mismatches,
      );
    }
    return this.#replayEntries([{ entry, event: { ok: true, value: withEntrySource(entry, event) }, corrected: event }], schemaVersion);
  }

  async #replayEntries(
    selected: readonly {
      entry: QuarantineEntry;
      event: { ok: true; value: unknown } | { ok: false; message: string };
      corrected?: Record<string, unknown>;
    }[],
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
      for (const [i, { entry, corrected }] of parsed.entries()) {
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
          {
            replayed: r.status !== 'quarantined',
            result: corrected ? { ...item, correctedEvent: corrected } : item,
            // The entry's reasons describe its stored body: a correction's reasons stay with the correction.
            ...(r.reasons && !corrected ? { reasons: r.reasons } : {}),
          },
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

/**
 * An entry that came in through a source's write key may omit `source` (the key decides it, see
 * ingest.routes); a replay has no write key, so the entry's source is filled in, as the key did.
 */
const withEntrySource = (entry: QuarantineEntry, event: unknown): unknown =>
  entry.sourceId !== null && isObject(event) && event.source === undefined ? { source: entry.sourceId, ...event } : event;

/**
 * The log is idempotent on (source, eventId): a correction that changed either would land as
 * another event, and the original could later arrive a second time. The source may change only
 * when it was the reason for the refusal (a misspelt, unregistered source).
 */
const correctionMismatches = (entry: QuarantineEntry, event: Record<string, unknown>): ErrorDetail[] => {
  const out: ErrorDetail[] = [];
  if (entry.eventId !== null && event.eventId !== entry.eventId) {
    out.push({ path: '/event/eventId', code: 'EVENT_ID_CHANGED', message: `eventId must stay '${entry.eventId}'` });
  }
  const sourceWasTheProblem = entry.reasons.some((r) => r.code === 'UNKNOWN_SOURCE');
  const source = event.source ?? entry.sourceId;
  if (entry.sourceId !== null && !sourceWasTheProblem && source !== entry.sourceId) {
    out.push({ path: '/event/source', code: 'SOURCE_CHANGED', message: `source must stay '${entry.sourceId}'` });
  }
  return out;
};

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
