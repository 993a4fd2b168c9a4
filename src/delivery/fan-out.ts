import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { OutboxMessage } from '../outbox/index.js';
import type { Db, DeliveryTable } from '../storage/index.js';
import { deliveriesStore, type FanOutCursor } from './deliveries.store.js';
import { subscriptionMatches, type Subscription } from './subscription.js';

/*
 * The fan-out follows the outbox and turns each new row into one pending delivery per matching
 * subscription. Outbox ids are content hashes (rebuilds write no row twice), so they give no
 * order; `created_at` does, but a writer's rows carry the time its transaction began and become
 * visible only at commit, so a row may appear behind rows already read. The fan-out therefore
 * reads by (created_at, id) after its cursor on every poll, re-reads the whole overlap window
 * behind it once a second (TESSERA_DELIVERY_OVERLAP_SECONDS), and skips rows it has taken before (`delivery_feed`, pruned behind the window). Each row gets the next number of the
 * fan-out's own sequence, in the same transaction as its deliveries and the cursor: the order
 * per subject per endpoint, and nothing lost on a crash.
 */

/** What one step took: how many rows, the subscriptions given deliveries, and the messages they carry (parsed once). */
export interface FanOutStep {
  readonly taken: number;
  readonly touched: Set<string>;
  readonly messages: readonly OutboxMessage[];
}

export interface FanOutDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly overlapMs: number;
  readonly batchSize?: number;
}

const FULL_WINDOW_EVERY_MS = 1_000;

export class OutboxFanOut {
  readonly #deps: FanOutDeps;
  #lastFullWindow = 0;
  /** The last whole-window read was cut at the batch size: read the window again at once. */
  #windowBehind = false;
  #lastPrune = 0;

  constructor(deps: FanOutDeps) {
    this.#deps = deps;
  }

  /**
   * Takes up to a batch of new outbox rows for the live (active and disabled) subscriptions;
   * returns how many it took (0: caught up) and the subscriptions that got deliveries.
   */
  async step(subscriptions: readonly Subscription[], full = false): Promise<FanOutStep> {
    const { db, clock } = this.#deps;
    const now = clock.now();
    const at = now.toISOString();
    const touched = new Set<string>();
    const messages: OutboxMessage[] = [];
    let cursor = await deliveriesStore.cursor(db);
    if (cursor === undefined) {
      // First start: the history before it is not delivered (subscriptions see what follows them).
      const first: FanOutCursor = { createdAt: at, outboxId: '', seq: 0 };
      await db.transaction().execute((trx) => deliveriesStore.setCursor(trx, first, at));
      cursor = first;
    }
    if (subscriptions.length === 0) {
      // No live subscription: nobody to deliver to; move along without recording every row. A
      // subscription created later sees only rows created after it, all of them past this cursor.
      const latest = await db
        .selectFrom('outbox')
        .select(['created_at', 'id'])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (latest && (latest.created_at > cursor.createdAt || (latest.created_at === cursor.createdAt && latest.id > cursor.outboxId))) {
        const next: FanOutCursor = { createdAt: latest.created_at, outboxId: latest.id, seq: cursor.seq };
        await db.transaction().execute((trx) => deliveriesStore.setCursor(trx, next, at));
      }
      return { taken: 0, touched, messages };
    }
    const wall = Date.now();
    const wholeWindow = full || this.#windowBehind || wall - this.#lastFullWindow >= FULL_WINDOW_EVERY_MS;
    const from = cursor;
    const since = new Date(Date.parse(from.createdAt) - this.#deps.overlapMs).toISOString();
    const limit = this.#deps.batchSize ?? 1_000;
    const read = () =>
      db
        .selectFrom('outbox as o')
        .select(['o.id', 'o.type', 'o.subject', 'o.data', 'o.created_at'])
        .orderBy('o.created_at')
        .orderBy('o.id');
    // Behind the cursor (once a second): rows that committed late, less those taken before. The
    // pair is compared as one row value, so both backends seek the (created_at, id) index with
    // it (an OR of the two columns scanned every row of the cursor's instant on every poll).
    let rows: Awaited<ReturnType<ReturnType<typeof read>['execute']>> = [];
    if (wholeWindow && (await this.#lateRows(since, from))) {
      rows = await read()
        .where('o.created_at', '>=', since)
        .where(({ eb, refTuple, tuple }) => eb(refTuple('o.created_at', 'o.id'), '<=', tuple(from.createdAt, from.outboxId)))
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('delivery_feed as f').select('f.outbox_id').whereRef('f.outbox_id', '=', 'o.id'))),
        )
        .limit(limit)
        .execute();
      this.#windowBehind = rows.length === limit;
    } else if (wholeWindow) this.#windowBehind = false;
    if (wholeWindow) this.#lastFullWindow = wall;
    // After the cursor (every poll): every row taken so far is at or before it (it is the greatest
    // taken), so this read needs no look at `delivery_feed`.
    if (rows.length < limit)
      rows = rows.concat(
        await read()
          .where(({ eb, refTuple, tuple }) => eb(refTuple('o.created_at', 'o.id'), '>', tuple(from.createdAt, from.outboxId)))
          .limit(limit - rows.length)
          .execute(),
      );
    if (rows.length === 0) return { taken: 0, touched, messages };
    const start = cursor;
    await db.transaction().execute(async (trx) => {
      let seq = start.seq;
      let createdAt = start.createdAt;
      let outboxId = start.outboxId;
      const deliveries: DeliveryTable[] = [];
      for (const row of rows) {
        seq++;
        if (row.created_at > createdAt || (row.created_at === createdAt && row.id > outboxId)) {
          createdAt = row.created_at;
          outboxId = row.id;
        }
        let data: unknown;
        for (const subscription of subscriptions) {
          if (!(subscription.eventTypes as readonly string[]).includes(row.type)) continue;
          if (data === undefined) {
            data = JSON.parse(row.data) as unknown;
            messages.push({ id: row.id, type: row.type, subject: row.subject, data, createdAt: row.created_at });
          }
          if (!subscriptionMatches(subscription, { type: row.type, data, createdAt: row.created_at })) continue;
          touched.add(subscription.id);
          deliveries.push({
            id: this.#deps.ids.next(),
            subscription_id: subscription.id,
            outbox_id: row.id,
            seq,
            type: row.type,
            subject: row.subject,
            // A disabled endpoint (410 Gone, paused) collects dead letters: replay sends them once it is back.
            status: subscription.status === 'active' ? 'pending' : 'dead',
            attempts: 0,
            next_attempt_at: subscription.status === 'active' ? at : null,
            last_attempt_at: null,
            last_status: null,
            last_error: subscription.status === 'active' ? null : 'the endpoint was disabled when the message was fanned out',
            delivered_at: null,
            created_at: at,
            updated_at: at,
          });
        }
      }
      await deliveriesStore.markTaken(
        trx,
        rows.map((r) => ({ outbox_id: r.id, created_at: r.created_at })),
      );
      await deliveriesStore.insert(trx, deliveries);
      await deliveriesStore.setCursor(trx, { createdAt, outboxId, seq }, at);
      if (wall - this.#lastPrune >= 10 * FULL_WINDOW_EVERY_MS) {
        const before = new Date(Date.parse(createdAt) - 2 * this.#deps.overlapMs).toISOString();
        await trx.deleteFrom('delivery_feed').where('created_at', '<', before).execute();
        this.#lastPrune = wall;
      }
    });
    return { taken: rows.length, touched, messages };
  }

  /**
   * Whether the window behind the cursor holds rows not taken: more outbox rows in it than
   * taken ones (every taken row is at or before the cursor and in `delivery_feed`). Two counts
   * over index ranges cost a fraction of the anti-join that finds which rows they are.
   */
  async #lateRows(since: string, cursor: FanOutCursor): Promise<boolean> {
    const { db } = this.#deps;
    const outbox = await db
      .selectFrom('outbox as o')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('o.created_at', '>=', since)
      .where(({ eb, refTuple, tuple }) => eb(refTuple('o.created_at', 'o.id'), '<=', tuple(cursor.createdAt, cursor.outboxId)))
      .executeTakeFirstOrThrow();
    const taken = await db
      .selectFrom('delivery_feed')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(outbox.n) > Number(taken.n);
  }
}
