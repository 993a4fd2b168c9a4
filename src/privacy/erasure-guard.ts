import { sql } from 'kysely';
import type { EventLog, LoggedEvent } from '../bus/index.js';
import type { Backend, Db } from '../storage/index.js';
import { privacyStore } from './privacy.store.js';
import { TombstoneSet } from './tombstones.js';

/** The PostgreSQL advisory lock an erasure holds exclusively and every pipeline transaction shares. */
export const ERASURE_LOCK_ID = 7_245_011;

/**
 * Keeps erased persons out of the pipeline. Wraps the pipeline's event log: every batch first
 * takes the erasure lock in shared mode (PostgreSQL; SQLite has one writer at a time already), so
 * an erasure never interleaves with a batch that could write the person back; then it drops —
 * deletes from the log, in the batch's transaction — every event that carries an erased
 * identifier within its erased window. That covers events logged before the erasure and not yet
 * processed, a re-ingest of the same events, and a rebuild from the log. When the tombstones
 * change (an erasure in another thread or process), the stages' in-memory caches are dropped.
 */
export class ErasureGuard {
  readonly #backend: Backend;
  readonly #forgetCaches: () => void;
  #tombstones = new TombstoneSet();
  #version = '';
  #dropped = 0;

  constructor(deps: { backend: Backend; forgetCaches: () => void }) {
    this.#backend = deps.backend;
    this.#forgetCaches = deps.forgetCaches;
  }

  /** Events dropped since start (metrics, tests). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Shares the erasure lock for the rest of the caller's transaction and brings the tombstones up to date. */
  async share(trx: Db): Promise<void> {
    if (this.#backend === 'postgres') await sql`select pg_advisory_xact_lock_shared(${ERASURE_LOCK_ID})`.execute(trx);
    const version = await privacyStore.tombstoneVersion(trx);
    if (version === this.#version) return;
    this.#tombstones = new TombstoneSet(await privacyStore.tombstones(trx));
    this.#version = version;
    this.#forgetCaches();
  }

  /** The pipeline's event log: reads skip (and delete) erased persons' events. */
  wrap(inner: EventLog): EventLog {
    return {
      ...inner,
      read: async (db, consumer, scope, limit) => {
        await this.share(db);
        for (;;) {
          const events = await inner.read(db, consumer, scope, limit);
          if (this.#tombstones.size === 0 || events.length === 0) return events;
          const erased: LoggedEvent[] = [];
          const kept: LoggedEvent[] = [];
          for (const e of events) (this.#tombstones.coversAny(e.payload.identifiers, e.occurredAt) ? erased : kept).push(e);
          if (erased.length === 0) return events;
          await privacyStore.deleteEvents(
            db,
            erased.map((e) => e.seq),
          );
          this.#dropped += erased.length;
          // A batch of nothing but erased events: read on, the deleted ones are gone from the log.
          if (kept.length > 0) return kept;
        }
      },
    };
  }
}
