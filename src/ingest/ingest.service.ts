import { idempotencyKey, type EventLog, type IngestChannel } from '../bus/index.js';
import { touchSourceLastEvent, type ContractRegistry } from '../contracts/index.js';
import type { Clock } from '../core/clock.js';
import { sha256Hex } from '../core/hash.js';
import type { IdGenerator } from '../core/ids.js';
import type { BlockedIdentifiers, IdentifierNormaliser } from '../identity/index.js';
import { recordIngestOutcomes } from '../operations/index.js';
import type { Db } from '../storage/index.js';
import { checkEvent, type CheckContext, type EventKeys } from './event-check.js';
import { readNativeBatch, type NativeBatchLimits } from './native-batch.js';
import { quarantineStore, type QuarantineWrite } from './quarantine.store.js';
import type { Reason } from './reasons.js';
import { sourceStatsStore, UNKNOWN_SOURCE_ID, type CounterIncrement, type DriftIncrement, type Outcome } from './source-stats.store.js';

export interface IngestMetrics {
  count(sourceId: string, outcome: Outcome, reason: string, n: number): void;
  batch(seconds: number, size: number): void;
}

export interface IngestOptions {
  readonly channel: IngestChannel;
  /** Set when a source's write key authenticated the request. */
  readonly fixedSourceId?: string;
  /** Validate against this contract version instead of the latest (quarantine replay). */
  readonly pinnedVersion?: number;
}

/** A native batch's answer as JSON text, or the quarantine id of a body that was not JSON. */
export type NativeAnswer = { readonly json: string } | { readonly malformed: string; readonly quarantineId: string };

export interface EventResult {
  readonly index: number;
  readonly eventId?: string;
  readonly status: Outcome;
  readonly seq?: number;
  readonly partition?: number;
  readonly quarantineId?: string;
  readonly reasons?: Reason[];
  readonly warnings?: Reason[];
}

export interface BatchResult {
  readonly accepted: number;
  readonly duplicate: number;
  readonly quarantined: number;
  readonly results: EventResult[];
}

/** Refused events go to the quarantine, or (for a replay) are only reported back to the caller. */
type RefusalMode = 'quarantine' | 'report';

interface Deps {
  readonly db: Db;
  readonly eventLog: EventLog;
  readonly registry: ContractRegistry;
  readonly blocked: BlockedIdentifiers;
  readonly normaliser: IdentifierNormaliser;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly metrics: IngestMetrics;
  readonly partitions: number;
  /** Told after a batch that appended events has committed (the pipeline wakes; AppendSignal). */
  readonly onAppended?: () => void;
}

const fingerprintOf = (keys: EventKeys, raw: string): string =>
  keys.sourceId && keys.eventId ? sha256Hex(`${keys.sourceId}\u0000${keys.type ?? ''}\u0000${keys.eventId}`) : sha256Hex(raw);

/**
 * Ingestion: checks a batch, appends the accepted events to the log, stores the refused ones in
 * the quarantine, and updates the per-source counters and drift signals — all in one transaction,
 * so an event answered `accepted` is durable and nothing answered is lost.
 */
export class IngestService {
  readonly #deps: Deps;

  constructor(deps: Deps) {
    this.#deps = deps;
  }

  async ingest(events: readonly unknown[], options: IngestOptions): Promise<BatchResult> {
    const started = process.hrtime.bigint();
    const { result, counters } = await this.#deps.db
      .transaction()
      .execute((trx) => this.processInTransaction(trx, events, options, 'quarantine'));
    if (result.accepted > 0) this.#deps.onAppended?.();
    this.#recordMetrics(counters);
    this.#deps.metrics.batch(Number(process.hrtime.bigint() - started) / 1e9, events.length);
    return result;
  }

  /**
   * A native batch from its raw body text, answered as JSON text: parsing and the envelope checks
   * happen here rather than in the HTTP thread, which only passes bytes on (decision 0009). A body
   * that is not JSON is kept in the quarantine and answered as such (the route makes it an error).
   */
  async ingestNative(text: string, limits: NativeBatchLimits): Promise<NativeAnswer> {
    const batch = readNativeBatch(text, limits);
    if (!batch.ok)
      return {
        malformed: batch.message,
        quarantineId: await this.quarantineMalformed(text, 'native', limits.fixedSourceId, batch.message),
      };
    const fixed = limits.fixedSourceId;
    return {
      json: JSON.stringify(
        await this.ingest(batch.events, { channel: 'native', ...(fixed === undefined ? {} : { fixedSourceId: fixed }) }),
      ),
    };
  }

  /** Stores a body that is not JSON at all; answers the quarantine id. */
  async quarantineMalformed(raw: string, channel: IngestChannel, sourceId: string | undefined, message: string): Promise<string> {
    const now = this.#deps.clock.now().toISOString();
    const reasons: Reason[] = [{ code: 'MALFORMED_JSON', message }];
    const write: QuarantineWrite = {
      id: this.#deps.ids.next(),
      fingerprint: sha256Hex(raw),
      sourceId: sourceId ?? null,
      type: null,
      eventId: null,
      channel,
      reasons,
      raw,
      count: 1,
    };
    const counter: CounterIncrement = {
      sourceId: sourceId ?? UNKNOWN_SOURCE_ID,
      day: now.slice(0, 10),
      outcome: 'quarantined',
      reason: 'MALFORMED_JSON',
      count: 1,
    };
    const ids = await this.#deps.db.transaction().execute(async (trx) => {
      const stored = await quarantineStore.upsert(trx, [write], now);
      await sourceStatsStore.addCounters(trx, [counter]);
      await recordIngestOutcomes(trx, now, [counter]);
      return stored;
    });
    this.#recordMetrics([counter]);
    return ids.get(write.fingerprint) ?? write.id;
  }

  /**
   * The whole of one batch inside the caller's transaction. Public so that a quarantine replay
   * can mark its entries in the same transaction as the append.
   */
  async processInTransaction(
    trx: Db,
    events: readonly unknown[],
    options: IngestOptions,
    refusals: RefusalMode,
  ): Promise<{ result: BatchResult; counters: CounterIncrement[] }> {
    const { registry, blocked, normaliser, clock, ids, eventLog, partitions } = this.#deps;
    const receivedAt = clock.now();
    const now = receivedAt.toISOString();
    const day = now.slice(0, 10);
    const context: CheckContext = {
      receivedAt,
      receivedAtIso: now,
      partitions,
      channel: options.channel,
      ...(options.fixedSourceId !== undefined ? { fixedSourceId: options.fixedSourceId } : {}),
      ...(options.pinnedVersion !== undefined ? { pinnedVersion: options.pinnedVersion } : {}),
      hasSource: (id) => registry.getSource(id) !== undefined,
      resolveContract: (sourceId, type, version) => registry.resolve(sourceId, type, version),
      normalise: (type, raw) => normaliser.normalise(type, raw),
      isBlocked: (type, value) => blocked.has(type, value),
    };

    const results: EventResult[] = new Array(events.length);
    const counters = new Map<string, { -readonly [K in keyof CounterIncrement]: CounterIncrement[K] }>();
    const count = (sourceId: string, outcome: Outcome, reason: string): void => {
      const k = `${sourceId}|${outcome}|${reason}`;
      const current = counters.get(k);
      if (current) current.count++;
      else counters.set(k, { sourceId, day, outcome, reason, count: 1 });
    };
    const drift = new Map<string, DriftIncrement>();
    const quarantine = new Map<string, QuarantineWrite & { indexes: number[] }>();
    const accepted: { index: number; record: Parameters<EventLog['append']>[1][number]; warnings: readonly Reason[] }[] = [];
    const seenInBatch = new Set<string>();

    events.forEach((event, index) => {
      const checked = checkEvent(event, context);
      const keys: EventKeys = checked.ok ? checked.record : checked.keys;
      for (const signal of checked.drift) {
        if (!keys.sourceId || !keys.type) continue;
        const k = `${keys.sourceId}|${keys.type}|${signal.path}|${signal.kind}`;
        const current = drift.get(k);
        drift.set(k, {
          sourceId: keys.sourceId,
          type: keys.type,
          path: signal.path,
          kind: signal.kind,
          schemaVersion: keys.schemaVersion ?? 0,
          count: (current?.count ?? 0) + 1,
          example: keys.eventId ?? '',
        });
      }
      if (checked.ok) {
        const k = idempotencyKey(checked.record.sourceId, checked.record.eventId);
        if (seenInBatch.has(k)) {
          results[index] = { index, eventId: checked.record.eventId, status: 'duplicate' };
          count(checked.record.sourceId, 'duplicate', '');
          return;
        }
        seenInBatch.add(k);
        accepted.push({ index, record: checked.record, warnings: checked.warnings });
        return;
      }
      const raw = JSON.stringify(event);
      const fingerprint = fingerprintOf(checked.keys, raw);
      const existing = quarantine.get(fingerprint);
      quarantine.set(fingerprint, {
        id: existing?.id ?? ids.next(),
        fingerprint,
        sourceId: keys.sourceId && registry.getSource(keys.sourceId) ? keys.sourceId : (keys.sourceId ?? null),
        type: keys.type ?? null,
        eventId: keys.eventId ?? null,
        channel: options.channel,
        reasons: checked.reasons,
        raw,
        count: (existing?.count ?? 0) + 1,
        indexes: [...(existing?.indexes ?? []), index],
      });
      results[index] = { index, ...(keys.eventId ? { eventId: keys.eventId } : {}), status: 'quarantined', reasons: [...checked.reasons] };
      const counterSource = keys.sourceId && registry.getSource(keys.sourceId) ? keys.sourceId : UNKNOWN_SOURCE_ID;
      for (const code of new Set(checked.reasons.map((r) => r.code))) count(counterSource, 'quarantined', code);
    });

    const inserted = await eventLog.append(
      trx,
      accepted.map((a) => a.record),
    );
    const touched = new Set<string>();
    for (const { index, record, warnings } of accepted) {
      const seq = inserted.get(idempotencyKey(record.sourceId, record.eventId));
      const warned = warnings.length > 0 ? { warnings: [...warnings] } : {};
      if (seq === undefined) {
        results[index] = { index, eventId: record.eventId, status: 'duplicate', ...warned };
        count(record.sourceId, 'duplicate', '');
      } else {
        results[index] = { index, eventId: record.eventId, status: 'accepted', seq, partition: record.partition, ...warned };
        count(record.sourceId, 'accepted', '');
        touched.add(record.sourceId);
      }
    }

    if (refusals === 'quarantine' && quarantine.size > 0) {
      const stored = await quarantineStore.upsert(
        trx,
        [...quarantine.values()].map(({ indexes: _i, ...write }) => write),
        now,
      );
      for (const [fingerprint, write] of quarantine) {
        const quarantineId = stored.get(fingerprint) ?? write.id;
        for (const index of write.indexes) results[index] = { ...(results[index] as EventResult), quarantineId };
      }
    }
    // A replay that still fails is reported, not counted again: it was counted when it arrived.
    const counterList = [...counters.values()].filter((c) => refusals === 'quarantine' || c.outcome !== 'quarantined');
    await sourceStatsStore.addCounters(trx, counterList);
    await recordIngestOutcomes(trx, now, counterList);
    await sourceStatsStore.addDrift(trx, [...drift.values()], now);
    for (const sourceId of touched) await touchSourceLastEvent(trx, sourceId, now);

    let acceptedCount = 0;
    let duplicateCount = 0;
    for (const r of results) {
      if (r.status === 'accepted') acceptedCount++;
      else if (r.status === 'duplicate') duplicateCount++;
    }
    return {
      result: { accepted: acceptedCount, duplicate: duplicateCount, quarantined: results.length - acceptedCount - duplicateCount, results },
      counters: counterList,
    };
  }

  /** Applies committed counters to the process metrics (after the commit, so they never overcount). */
  recordMetrics(counters: readonly CounterIncrement[]): void {
    this.#recordMetrics(counters);
  }

  #recordMetrics(counters: readonly CounterIncrement[]): void {
    for (const c of counters) this.#deps.metrics.count(c.sourceId, c.outcome, c.reason, c.count);
  }
}
