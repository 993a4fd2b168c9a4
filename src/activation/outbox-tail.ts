import type { Db } from '../storage/index.js';
import type { OutboxMessage } from '../outbox/index.js';
import { START, compareCursors, graceStart, LATE_COMMIT_GRACE_MS, type OutboxCursor } from './outbox-cursor.js';
import { outboxStore } from './outbox.store.js';

/*
 * A reader's walk along the outbox in (created_at, id) order: new messages after its cursor, and —
 * once caught up — a sweep of the last few seconds before the cursor for messages that committed
 * late with an earlier time (LATE_COMMIT_GRACE_MS). Messages at or before `floor` are never
 * returned (a resumed SSE stream starts strictly after its Last-Event-ID). What was returned in
 * the sweep window is remembered, so nothing is returned twice by one tail.
 */

export interface OutboxTailOptions {
  readonly types?: readonly string[];
  /** Where to start: messages after this cursor. */
  readonly after?: OutboxCursor;
  /** Messages at or before this cursor are never returned (default: none excluded). */
  readonly floor?: OutboxCursor;
  readonly pageSize?: number;
  readonly graceMs?: number;
  /** Most rows a sweep looks at. */
  readonly sweepLimit?: number;
  /** Least time between two sweeps (wall clock: it paces database reads, it decides nothing). */
  readonly sweepEveryMs?: number;
}

export class OutboxTail {
  readonly #db: Db;
  readonly #types: readonly string[];
  readonly #floor: OutboxCursor;
  readonly #pageSize: number;
  readonly #graceMs: number;
  readonly #sweepLimit: number;
  readonly #sweepEveryMs: number;
  #lastSweep = 0;
  #cursor: OutboxCursor;
  /** Ids returned whose time is inside the sweep window, with that time. */
  readonly #seen = new Map<string, string>();

  constructor(db: Db, options: OutboxTailOptions = {}) {
    this.#db = db;
    this.#types = options.types ?? [];
    this.#cursor = options.after ?? START;
    this.#floor = options.floor ?? START;
    this.#pageSize = options.pageSize ?? 200;
    this.#graceMs = options.graceMs ?? LATE_COMMIT_GRACE_MS;
    this.#sweepLimit = options.sweepLimit ?? 20_000;
    this.#sweepEveryMs = options.sweepEveryMs ?? 1_000;
  }

  get cursor(): OutboxCursor {
    return this.#cursor;
  }

  /** The next messages, in cursor order; empty when there is nothing new. */
  async next(): Promise<OutboxMessage[]> {
    const fresh = (await outboxStore.pageAfter(this.#db, { after: this.#cursor, types: this.#types, limit: this.#pageSize })).filter(
      (m) => !this.#seen.has(m.id),
    );
    const late = fresh.length < this.#pageSize ? await this.#sweep() : [];
    const out = [...late, ...fresh].filter((m) => compareCursors(m, this.#floor) > 0);
    for (const m of [...late, ...fresh]) {
      this.#seen.set(m.id, m.createdAt);
      if (compareCursors(m, this.#cursor) > 0) this.#cursor = { createdAt: m.createdAt, id: m.id };
    }
    this.#prune();
    return out;
  }

  /** Messages inside the grace window before the cursor that this tail has not returned. */
  async #sweep(): Promise<OutboxMessage[]> {
    if (this.#cursor.createdAt === '') return [];
    const now = Date.now();
    if (now - this.#lastSweep < this.#sweepEveryMs) return [];
    this.#lastSweep = now;
    const from = graceStart(this.#cursor, this.#graceMs);
    const keys = await outboxStore.keysBetween(this.#db, {
      fromCreatedAt: from,
      to: this.#cursor,
      types: this.#types,
      limit: this.#sweepLimit,
    });
    const unseen = keys.filter((k) => compareCursors(k, this.#cursor) <= 0 && !this.#seen.has(k.id)).map((k) => k.id);
    return unseen.length === 0 ? [] : outboxStore.byIds(this.#db, unseen);
  }

  #prune(): void {
    const from = graceStart(this.#cursor, this.#graceMs);
    for (const [id, createdAt] of this.#seen) if (createdAt < from) this.#seen.delete(id);
  }
}
