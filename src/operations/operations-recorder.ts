import type { LoggedEvent } from '../bus/index.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../storage/index.js';
import { summariseBatch } from './batch-latency.js';
import { MINUTE_MS, minuteKey } from './minutes.js';
import { operationsStore } from './operations.store.js';

/** Minutes of statistics kept: the overview's longest window (a day) and an hour's margin. */
export const RETENTION_MINUTES = 25 * 60;

/**
 * Writes the per-minute statistics the overview reads, each in the transaction of what it
 * describes: ingestion's answers in the ingest batch's, the pipeline's latencies in the pipeline
 * batch's (so a rolled-back batch records nothing, and a repeated one is recorded when it
 * commits). Once a minute, on the pipeline's first batch of a new minute, it trims every table to
 * `RETENTION_MINUTES`.
 */
export class OperationsRecorder {
  readonly #clock: Clock;
  readonly #retentionMinutes: number;
  #trimmedIn: string | undefined;

  constructor(deps: { clock: Clock; retentionMinutes?: number }) {
    this.#clock = deps.clock;
    this.#retentionMinutes = deps.retentionMinutes ?? RETENTION_MINUTES;
  }

  /**
   * The pipeline's hook, called in its batch transaction just before the checkpoint is committed:
   * each event's latency is from its `receivedAt` (set by ingestion) to now.
   */
  readonly pipelineBatch = async (trx: Db, events: readonly LoggedEvent[]): Promise<void> => {
    if (events.length === 0) return;
    const now = this.#clock.now().getTime();
    const minute = minuteKey(now);
    await operationsStore.addPipelineBatch(trx, minute, summariseBatch(events, now));
    if (this.#trimmedIn !== minute) {
      await operationsStore.trimBefore(trx, minuteKey(now - this.#retentionMinutes * MINUTE_MS));
      this.#trimmedIn = minute;
    }
  };
}

/**
 * Ingestion's hook, in its batch transaction: the batch's answers per source and outcome, added
 * to the minute it was received in. `counts` may repeat a (source, outcome) pair (one entry per
 * quarantine reason): they are summed first, so an event quarantined for two reasons counts twice,
 * as in the per-source statistics.
 */
export const recordIngestOutcomes = async (
  trx: Db,
  receivedAt: string,
  counts: readonly { readonly sourceId: string; readonly outcome: string; readonly count: number }[],
): Promise<void> => {
  const summed = new Map<string, { sourceId: string; outcome: string; count: number }>();
  for (const c of counts) {
    const key = `${c.sourceId}\u0000${c.outcome}`;
    const entry = summed.get(key);
    if (entry) entry.count += c.count;
    else summed.set(key, { sourceId: c.sourceId, outcome: c.outcome, count: c.count });
  }
  await operationsStore.addIngestOutcomes(trx, minuteKey(Date.parse(receivedAt)), [...summed.values()]);
};
