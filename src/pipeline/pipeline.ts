import type { EventLog, LoggedEvent } from '../bus/index.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { IdentityStage } from '../identity/index.js';
import type { IdentityBatchResult } from '../identity/index.js';
import type { TimelineIndexer } from '../profiles/timeline-index.js';
import type { Db } from '../storage/index.js';

export const PIPELINE_CONSUMER = 'pipeline';

/** The smallest batch the pipeline sizes itself down to (`#fit`): below it, commits would cost more than the events. */
const MIN_BATCH_EVENTS = 100;

/**
 * What runs after identity: the profile stage, then the account and organisation entities (a
 * benchmark passes steps that do nothing, to time identity alone).
 */
export interface ProfilesStep {
  process(trx: Db, events: readonly LoggedEvent[], identity: IdentityBatchResult): Promise<unknown>;
  advance(trx: Db): Promise<number>;
  /** Drops what the stage holds in memory between batches (a batch failed, or a rebuild). */
  forgetCache(): void;
  /** Deletes what the step derived from the log (a rebuild starts again from seq 0). */
  reset?(trx: Db): Promise<void>;
}

/** Told of each batch inside its transaction, just before the checkpoint commit (operations statistics). */
export type BatchObserver = (trx: Db, events: readonly LoggedEvent[]) => Promise<void>;

export interface PipelineStats {
  readonly batches: number;
  readonly events: number;
  readonly lastSeq: number;
}

/**
 * The pipeline consumes the event log a batch at a time: it reads after its checkpoint, runs the
 * stages (identity, then profiles; audiences in a later issue) and commits their writes and the
 * new checkpoint in one transaction, so a crash repeats a batch and never half-applies one.
 */
export class Pipeline {
  readonly #db: Db;
  readonly #eventLog: EventLog;
  readonly #identity: IdentityStage;
  readonly #profiles: ProfilesStep;
  readonly #timeline: TimelineIndexer;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #batchMs: number;
  /** Most events the next batch takes: `#batchSize`, less while batches run longer than `#batchMs`. */
  #limit: number;
  readonly #onBatch: BatchObserver | undefined;
  readonly #onCommitted: (() => void) | undefined;
  #running: Promise<void> | undefined;
  /** The identity_removed_links rows last seen (count@latest time); undefined before the first look. */
  #removalsSeen: string | undefined;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #loop: (() => Promise<void>) | undefined;
  #idleMs = 50;
  #timerDue = 0;
  #lastRoundEvents = 0;

  constructor(deps: {
    db: Db;
    eventLog: EventLog;
    identity: IdentityStage;
    profiles: ProfilesStep;
    timeline: TimelineIndexer;
    clock: Clock;
    log: Logger;
    batchSize?: number;
    /** How long a batch's transaction should hold the store's write lock at most, roughly (0: no limit). */
    batchMs?: number;
    onBatch?: BatchObserver;
    /** Told after each batch (or time step) that wrote something has committed: the delivery dispatcher wakes. */
    onCommitted?: () => void;
  }) {
    this.#db = deps.db;
    this.#eventLog = deps.eventLog;
    this.#identity = deps.identity;
    this.#profiles = deps.profiles;
    this.#timeline = deps.timeline;
    this.#log = deps.log;
    // Only a backlog fills a batch (a caught-up pipeline takes what arrived since the last one).
    // Large batches amortise the commit; ingestion, which shares the embedded database's one
    // connection, waits behind at most one (BENCHMARKS.md, identity stage).
    this.#batchSize = deps.batchSize ?? 4000;
    this.#limit = this.#batchSize;
    this.#batchMs = deps.batchMs ?? 0;
    this.#onBatch = deps.onBatch;
    this.#onCommitted = deps.onCommitted;
  }

  /** Processes one batch; answers how many events it took (0 when the log is caught up). */
  async step(): Promise<number> {
    try {
      const started = performance.now();
      const taken = await this.#batch();
      if (taken > 0) {
        this.#fit(taken, performance.now() - started);
        this.#onCommitted?.();
      }
      return taken;
    } catch (err) {
      // The batch's writes were rolled back; what the stages hold in memory may include them.
      this.#identity.forgetCache();
      this.#profiles.forgetCache();
      throw err;
    }
  }

  /**
   * Sizes the next batch after one that took `ms` for `taken` events. Ingestion and the API's
   * writes wait for the store's write lock while a batch runs, so a batch that runs long (many
   * real-time audiences, a slow disk) is followed by smaller ones, sized to about `#batchMs`;
   * quick full batches grow back to the configured size.
   */
  #fit(taken: number, ms: number): void {
    if (this.#batchMs <= 0) return;
    if (ms > this.#batchMs) this.#limit = Math.max(MIN_BATCH_EVENTS, Math.floor((taken * this.#batchMs) / ms));
    else if (taken >= this.#limit && ms < this.#batchMs / 2) this.#limit = Math.min(this.#batchSize, Math.ceil(this.#limit * 1.25));
  }

  /** Most events the next batch takes (the configured size, or less after batches that ran long). */
  get batchLimit(): number {
    return this.#limit;
  }

  async #batch(): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      await this.#applyLinkRemovals(trx);
      const events = await this.#eventLog.read(trx, PIPELINE_CONSUMER, 'all', this.#limit);
      const last = events.at(-1);
      if (!last) return 0;
      const identity = await this.#identity.process(trx, events);
      await this.#profiles.process(trx, events, identity);
      await this.#onBatch?.(trx, events);
      await this.#eventLog.commit(trx, PIPELINE_CONSUMER, 'all', last.seq);
      return events.length;
    });
  }

  /**
   * Links an operator removed over the API (`POST /v1/identity/links/remove`) are applied to the
   * graph by the API at once; the pipeline, which may run in another thread or process, then
   * forgets what it holds of the graph and of the profiles, and rebuilds the persons now holding
   * the link's identifiers from their own events (as for a split). Noticed by a small query per
   * batch; the removals present at the first look are taken as already applied.
   */
  async #applyLinkRemovals(trx: Db): Promise<void> {
    const mark = await trx
      .selectFrom('identity_removed_links')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('removed_at').as('latest')])
      .executeTakeFirst();
    const seen = `${Number(mark?.n ?? 0)}@${mark?.latest ?? ''}`;
    const previous = this.#removalsSeen;
    this.#removalsSeen = seen;
    if (previous === undefined || previous === seen) return;
    this.#identity.forgetCache();
    this.#profiles.forgetCache();
    const since = previous.slice(previous.indexOf('@') + 1);
    const links = await trx.selectFrom('identity_removed_links').select('link_key').where('removed_at', '>=', since).execute();
    const nodeKeys = links.flatMap((l) => l.link_key.split('|'));
    if (nodeKeys.length === 0) return;
    const holders = await trx.selectFrom('identity_nodes').select('profile_id').distinct().where('node_key', 'in', nodeKeys).execute();
    const split = holders.map((h) => ({ from: h.profile_id, into: [] }));
    if (split.length === 0) return;
    this.#log.info({ profiles: split.length, links: links.length }, 'rebuilding the profiles of removed identity links');
    await this.#profiles.process(trx, [], { resolved: new Map(), recomputedComponents: 0, merged: [], split });
  }

  /** Runs until the log is caught up (tests, rebuilds, the demo), the timeline index included. */
  async drain(): Promise<PipelineStats> {
    let batches = 0;
    let events = 0;
    for (;;) {
      const taken = await this.step();
      if (taken === 0) break;
      batches++;
      events += taken;
      await this.#timeline.stepIfFull(this.#db);
    }
    await this.#timeline.drain(this.#db);
    return { batches, events, lastSeq: await this.#eventLog.checkpoint(this.#db, PIPELINE_CONSUMER, 'all') };
  }

  /** Follows the log in the background: drains, then polls every `idleMs` while it is caught up. */
  start(idleMs = 50): void {
    this.#idleMs = idleMs;
    const loop = async (): Promise<void> => {
      this.#timer = undefined;
      if (this.#stopped) return;
      let events = 0;
      try {
        for (let n: number; !this.#stopped && (n = await this.step()) > 0; events += n) await this.#timeline.stepIfFull(this.#db);
        if (!this.#stopped) await this.#timeline.drain(this.#db);
        // Caught up: let time move the aggregate windows of profiles that had no event.
        // Bounded per round: a profile whose next change were not in the future would otherwise spin.
        for (let round = 0; round < 20 && !this.#stopped && (await this.advanceTime()) > 0; round++);
      } catch (err) {
        this.#log.error({ err }, 'pipeline batch failed; it will be retried');
      }
      this.#lastRoundEvents = events;
      if (!this.#stopped) this.#wait(idleMs);
    };
    this.#loop = loop;
    this.#running = loop();
  }

  /**
   * Events were appended (AppendSignal): start the next round sooner. How much sooner follows how
   * busy the last round was — at once after a quiet round (latency), up to the whole poll after a
   * full batch (throughput: under load, a batch per append would cost more per event than the
   * waiting saves; measured, ingest fell by a fifth).
   */
  wake(): void {
    if (this.#stopped || this.#timer === undefined) return;
    const delay = Math.round(this.#idleMs * Math.min(1, this.#lastRoundEvents / this.#batchSize));
    if (this.#timerDue - performance.now() > delay) this.#wait(delay);
  }

  #wait(ms: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const loop = this.#loop;
    if (loop === undefined) return;
    this.#timerDue = performance.now() + ms;
    this.#timer = setTimeout(() => void (this.#running = loop()), ms);
  }

  /** Resolves once the background loop has processed everything in the log (polls; never runs a batch itself). */
  async caughtUp(pollMs = 200): Promise<PipelineStats> {
    for (;;) {
      const [{ lastSeq }, checkpoint] = await Promise.all([
        this.#eventLog.stats(this.#db),
        this.#eventLog.checkpoint(this.#db, PIPELINE_CONSUMER, 'all'),
      ]);
      if (checkpoint >= lastSeq) return { batches: 0, events: 0, lastSeq: checkpoint };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Rescores profiles whose aggregate windows changed because time passed (the scheduler's step). */
  async advanceTime(): Promise<number> {
    try {
      const advanced = await this.#db.transaction().execute((trx) => this.#profiles.advance(trx));
      if (advanced > 0) this.#onCommitted?.();
      return advanced;
    } catch (err) {
      this.#profiles.forgetCache();
      throw err;
    }
  }

  /** Forgets everything derived from the log, so that the next drain rebuilds it from the start. */
  async reset(trx: Db): Promise<void> {
    await this.#identity.reset(trx);
    await this.#timeline.reset(trx);
    await trx.deleteFrom('profile_state').execute();
    await this.#profiles.reset?.(trx);
    this.#profiles.forgetCache();
    await trx.deleteFrom('consumer_checkpoints').where('consumer', '=', PIPELINE_CONSUMER).execute();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
