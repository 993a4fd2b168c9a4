import type { Db } from '../storage/index.js';
import { covers, decodeActivity, trackedEventsOf, type TrackedEvent, type TrackedEvents } from './activity.js';
import type { EventCounter } from './columns.js';
import { walkConditions, type ValidAudience } from './conditions.js';
import { EventTable, propertyKey } from './resident-event-table.js';
import { propertyValue, ResidentLoggedEvents } from './resident-logged-events.js';
import type { ResidentRows } from './resident-survivors.js';

/*
 * The events person rules count, held in memory the way a preview's row scan reads them
 * (audience-insights.ts): per event type, each person's stored activity (`audience_activity`, what
 * the pipeline keeps for the types active audiences count) and, when that does not reach back far
 * enough or keep the properties a filter reads, the log's events of the type
 * (resident-logged-events.ts), which then stand for the person's stored ones wherever the log
 * credits the person with any. Both are typed-array tables (resident-event-table.ts); counting a
 * condition is one pass over the type's events.
 *
 * Caught up before each answer: the stored activity of the persons the profile change log names
 * (its triggers include `audience_activity`), and the log tables as their module says.
 */

const CHUNK = 1000;
/** Log tables hold at least this far back (a month and a day: the windows rules usually ask for). */
const BUILD_REACH_MS = 31 * 86_400_000;
/** A type that did not fit the budget is tried again after this long. */
const RETRY_AFTER_MS = 3600_000;
/** A log table lets go of what no window asked for in the last hour reaches once that is this much. */
const TRIM_AFTER_MS = 86_400_000;

/** What a scan reads of one event type. */
export interface EventNeed extends TrackedEvent {
  /** Property columns the filters read (`propertyKey`). */
  readonly keys: ReadonlySet<string>;
}

/** The event types the rules count: from when (as the row scan reads the log), which properties, which property columns. */
export const eventNeedsOf = (audiences: readonly ValidAudience[], now: number): Map<string, EventNeed> => {
  const keys = new Map<string, Set<string>>();
  for (const audience of audiences)
    for (const node of walkConditions(audience.root)) {
      if (node.kind !== 'event') continue;
      let set = keys.get(node.eventType);
      if (!set) keys.set(node.eventType, (set = new Set()));
      for (const f of node.filters) set.add(propertyKey(f.comparison.type, f.property));
    }
  const out = new Map<string, EventNeed>();
  for (const [type, tracked] of trackedEventsOf(audiences, now)) out.set(type, { ...tracked, keys: keys.get(type) ?? new Set() });
  return out;
};

export interface ResidentEventFigures {
  readonly types: number;
  readonly storedEvents: number;
  readonly loggedEvents: number;
  readonly bytes: number;
}

export class ResidentEvents {
  readonly #db: Db;
  readonly #rows: ResidentRows;
  readonly #logged: ResidentLoggedEvents;
  /** Stored activity per type, by person row. */
  readonly #stored = new Map<string, EventTable>();
  readonly #maxEvents: number;
  /** Types that did not fit `maxEvents`, and when: rules on them read the store for a while. */
  readonly #tooLarge = new Map<string, number>();
  /** Per type, how far back rules reached (ms before their `now`) and when that was asked. */
  readonly #reach = new Map<string, { reach: number; at: number }>();

  constructor(deps: { db: Db; rows: ResidentRows; maxEvents: number }) {
    this.#db = deps.db;
    this.#rows = deps.rows;
    this.#maxEvents = deps.maxEvents;
    this.#logged = new ResidentLoggedEvents({ db: deps.db, rows: deps.rows });
  }

  /** Whether the needs can be answered from memory (a type past the budget within the last hour cannot). */
  fits(needs: ReadonlyMap<string, EventNeed>, now: number): boolean {
    for (const type of needs.keys()) {
      const failed = this.#tooLarge.get(type);
      if (failed !== undefined && now - failed < RETRY_AFTER_MS) return false;
    }
    return true;
  }

  /** Forgets everything held (everything is read again). */
  clear(): void {
    this.#stored.clear();
    this.#logged.clear();
    this.#tooLarge.clear();
  }

  /** Catches up what is held with the profiles that changed (stored activity, merges, erasures) and the log. */
  async refresh(changedProfiles: readonly string[]): Promise<void> {
    if (this.#stored.size > 0) await this.#readActivities(changedProfiles, this.#stored);
    await this.#logged.refresh(changedProfiles);
  }

  /**
   * Builds what `needs` reads and is not held: a type's stored activity (with its property
   * columns), and its log events where the stored activity does not cover the need (`held`:
   * `audience_tracked_events`) — every type wanted read in one pass along the log, from a month
   * back at least so that a window widened to 30 days reads nothing again. `optional` types are
   * built too where they fit (what the first rules will likely ask for). What no rule of this
   * answer reads goes first when the budget is short; answers false when the needs do not fit
   * even then (the answer reads the store).
   */
  async ensure(
    needs: ReadonlyMap<string, EventNeed>,
    held: TrackedEvents,
    now: number,
    optional: ReadonlyMap<string, EventNeed> = new Map(),
  ): Promise<boolean> {
    const all = new Map([...optional, ...needs]);
    const stale = new Map<string, EventTable>();
    for (const [type, need] of all) {
      const table = this.#stored.get(type);
      if (table && [...need.keys].every((k) => table.keys.has(k))) continue;
      const keys = new Set([...(table?.keys ?? []), ...need.keys]);
      stale.set(type, new EventTable({ from: Number.NEGATIVE_INFINITY, keys, kind: 'chained' }));
    }
    if (stale.size > 0) {
      for (const type of stale.keys()) this.#stored.delete(type);
      await this.#readActivities(null, stale);
      for (const [type, table] of stale) {
        table.fit();
        this.#stored.set(type, table);
      }
      if (this.#events() > this.#maxEvents) this.#evict(needs);
      if (this.#events() > this.#maxEvents) return this.#refuse(needs.keys(), now);
    }
    const wanted = new Map<string, { from: number; keys: ReadonlySet<string> }>();
    for (const [type, need] of all) {
      if (covers(held.get(type), need)) continue;
      const reach = Math.max(BUILD_REACH_MS, this.#reachOf(type, now - need.from, now));
      const table = this.#logged.table(type);
      if (table && table.from <= need.from) {
        await this.#logged.addKeys(type, need.keys);
        // Time has moved the windows on: what none asked for in the last hour reaches is let go.
        if (now - reach - table.from > TRIM_AFTER_MS) table.raiseFrom(now - reach);
        continue;
      }
      wanted.set(type, { from: Math.min(need.from, now - reach), keys: new Set([...(table?.keys ?? []), ...need.keys]) });
    }
    const required = new Set([...wanted.keys()].filter((type) => needs.has(type)));
    let failed = await this.#logged.build(wanted, required, this.#maxEvents - this.#storedEvents());
    if ([...failed].some((type) => required.has(type))) {
      this.#evict(needs);
      const again = new Map([...wanted].filter(([type]) => required.has(type) && failed.has(type)));
      failed = await this.#logged.build(again, required, this.#maxEvents - this.#storedEvents());
      if (failed.size > 0) return this.#refuse(failed, now);
    }
    return true;
  }

  /** The furthest back (ms before now) rules on the type reached within the last hour, this one's `reach` included. */
  #reachOf(type: string, reach: number, now: number): number {
    const last = this.#reach.get(type);
    const widest = last !== undefined && now - last.at < RETRY_AFTER_MS && last.reach > reach ? last : { reach, at: now };
    this.#reach.set(type, widest);
    return widest.reach;
  }

  #storedEvents(): number {
    let n = 0;
    for (const table of this.#stored.values()) n += table.size;
    return n;
  }

  #events(): number {
    return this.#logged.events() + this.#storedEvents();
  }

  /** Lets go of every type no rule of this answer reads. */
  #evict(needs: ReadonlyMap<string, EventNeed>): void {
    for (const type of [...this.#stored.keys()]) if (!needs.has(type)) this.#stored.delete(type);
    for (const type of this.#logged.types()) if (!needs.has(type)) this.#logged.drop(type);
  }

  #refuse(types: Iterable<string>, now: number): false {
    for (const type of types) {
      this.#tooLarge.set(type, now);
      this.#stored.delete(type);
      this.#logged.drop(type);
    }
    return false;
  }

  /** Per event type, the counts a scan reads (`ColumnStore.counter`), over `size` rows. */
  counters(needs: ReadonlyMap<string, EventNeed>, held: TrackedEvents, size: number): Map<string, EventCounter> {
    const out = new Map<string, EventCounter>();
    for (const [type, need] of needs) {
      const stored = this.#stored.get(type) as EventTable;
      const logged = covers(held.get(type), need) ? undefined : this.#logged.table(type);
      out.set(type, {
        count: (filters, lo, hi) => {
          const counts = new Int32Array(size);
          if (stored.size > 0) stored.countInto(counts, null, lo, hi, stored.matches(filters));
          if (logged === undefined) return counts;
          // No stored activity of the type (it is not counted by an active audience): the log's counts as they are.
          if (stored.size === 0) {
            logged.countInto(counts, this.#logged.survivors.personOf(size), lo, hi, logged.matches(filters));
            return counts;
          }
          // The row scan's `{ ...stored, ...fromLog }`: a person the log credits with any event
          // of the type since the need's start counts the log's events, everyone else the stored ones.
          const fromLog = new Int32Array(size);
          const seen = new Uint8Array(size);
          logged.countInto(fromLog, this.#logged.survivors.personOf(size), lo, hi, logged.matches(filters), {
            from: need.from,
            persons: seen,
          });
          for (let row = 0; row < size; row++) if (seen[row] === 1) counts[row] = fromLog[row] as number;
          return counts;
        },
      });
    }
    return out;
  }

  figures(): ResidentEventFigures {
    let storedEvents = 0;
    let bytes = this.#logged.bytes();
    for (const table of this.#stored.values()) {
      storedEvents += table.size;
      bytes += table.bytes();
    }
    return {
      types: new Set([...this.#stored.keys(), ...this.#logged.types()]).size,
      storedEvents,
      loggedEvents: this.#logged.events(),
      bytes,
    };
  }

  /**
   * Reads stored activity into `tables` (by type): of the given profiles (replacing what their
   * rows held), or with null of every profile (the tables are new).
   */
  async #readActivities(profileIds: readonly string[] | null, tables: ReadonlyMap<string, EventTable>): Promise<void> {
    const apply = (rows: readonly { profile_id: string; body: string }[], replacing: readonly string[]) => {
      for (const id of replacing) {
        const row = this.#rows.rowOf(id);
        if (row !== undefined) for (const table of tables.values()) table.removeRow(row);
      }
      for (const r of rows) {
        const row = this.#rows.rowOf(r.profile_id);
        // Activity of an id that is no person now is read again if it becomes one (it is then logged as changed).
        if (row === undefined) continue;
        const activity = decodeActivity(r.body);
        for (const [type, table] of tables) for (const o of activity[type] ?? []) table.append(row, o.at, propertyValue(o.properties));
      }
    };
    if (profileIds !== null) {
      for (let i = 0; i < profileIds.length; i += CHUNK) {
        const part = profileIds.slice(i, i + CHUNK);
        apply(
          await this.#db.selectFrom('audience_activity').select(['profile_id', 'body']).where('profile_id', 'in', part).execute(),
          part,
        );
      }
      return;
    }
    let after: string | null = null;
    for (;;) {
      let query = this.#db.selectFrom('audience_activity').select(['profile_id', 'body']);
      if (after !== null) query = query.where('profile_id', '>', after);
      const rows = await query.orderBy('profile_id').limit(CHUNK).execute();
      apply(rows, []);
      if (rows.length < CHUNK) return;
      after = (rows.at(-1) as (typeof rows)[number]).profile_id;
    }
  }
}
