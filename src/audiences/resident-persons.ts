import type { Db } from '../storage/index.js';
import type { TrackedEvents } from './activity.js';
import type { InputSources } from './audience-inputs.js';
import { ColumnStore, type Column } from './columns.js';
import { residentColumn, type ResidentColumn } from './columns-resident.js';
import { readField } from './compare.js';
import { findField, type FieldCatalogue, type FieldDefinition } from './field-catalogue.js';
import { membershipStore } from './membership.store.js';
import type { ChangeFeed, ChangeMark } from './profile-changes.js';
import { ResidentEvents, type EventNeed, type ResidentEventFigures } from './resident-events.js';
import { ResidentConsent, ResidentMemberships } from './resident-flags.js';
import { ResidentIds } from './resident-ids.js';
import { preloadedEvents, preloadedFields, storedPersonRules } from './resident-preload.js';
import {
  PROFILE_CHUNK,
  promiseDueAfter,
  readEveryProfile,
  readProfiles,
  residentFieldsOf,
  type LoadedProfile,
} from './resident-profile-reads.js';
import type { ResidentRows } from './resident-survivors.js';

/*
 * Every person's audience inputs, held in the thread that answers previews, so a count scans
 * memory instead of reading a million rows: the fields as columns, and — for rules that ask for
 * them — the events they count (resident-events.ts), consent and other audiences' memberships
 * (resident-flags.ts). Built on first use — one pass over `profile_state` in id order — with the
 * fields rules have asked for, those of stored person audiences and a few common ones
 * (`COMMON_FIELDS`); a field asked for the first time costs one more pass, an event type one read
 * of its events, a consent or audience one read of it. Before every answer everything held
 * catches up with the store: the profiles logged as written since (`profile_change_log`,
 * appended to by triggers on the profile, activity, identity and merge tables), those whose
 * values passing time has changed (an aggregate window's next change, a care promise falling
 * due, a consent's expiry), the memberships and consent recorded since (`resident_change_log`)
 * and the events the pipeline resolved since. So an answer is as exact as reading every row,
 * and costs a scan.
 *
 * Kept per person: the id (12 bytes in the identity stage's form, `resident-ids.ts`), whether the
 * row is present (deleted profiles — merged away, erased — keep their slot, so the rows built in id
 * order stay in order), when its values go stale (4 bytes), and one value per resident field (1, 4
 * or 8 bytes); with event rules, 16 bytes per held event and 4 per row (merge targets); a byte per
 * row per consent or audience asked about. Profiles that events were resolved to and that have
 * since been merged away keep an absent row of their own.
 */

/** Bytes an event held costs: its time, row and link (resident-event-table.ts), a property column or two. */
const EVENT_BYTES = 24;
/** How many events fit in a budget of MiB (`TESSERA_PREVIEW_EVENTS_MB`): past it, an event type is counted from the store. */
export const residentEventsFitting = (mib: number): number => Math.floor((mib * 2 ** 20) / EVENT_BYTES);

const NEVER = 0xffffffff;
const staleSeconds = (ms: number): number => (ms >= NEVER * 1000 ? NEVER : Math.max(0, Math.floor(ms / 1000)));

interface Resident {
  readonly field: FieldDefinition;
  readonly column: ResidentColumn;
}

/** What one answer reads of every person. */
export interface ResidentNeeds {
  readonly fields: ReadonlySet<string>;
  /** Event types counted (`eventNeedsOf`, resident-events.ts). */
  readonly events: ReadonlyMap<string, EventNeed>;
  /** `purpose/channel` pairs. */
  readonly consents: ReadonlySet<string>;
  readonly audiences: ReadonlySet<string>;
}

export interface ResidentView {
  readonly store: ColumnStore;
  /** 1 where the row is a profile now (0: deleted since it was read). */
  readonly present: Uint8Array;
  readonly total: number;
  /** Rows [0, sorted) are in id order (the build's); rows after it were added since, in no order. */
  readonly sorted: number;
  idOf(row: number): string;
}

export interface ResidentFigures {
  readonly rows: number;
  readonly present: number;
  readonly fields: number;
  /** Typed arrays and dictionaries. */
  readonly columnBytes: number;
  /** Presence and staleness per row. */
  readonly rowBytes: number;
  /** Profile ids (12 bytes each in the identity stage's form). */
  readonly idBytes: number;
  /** Events, merge targets, consent and membership flags. */
  readonly events: ResidentEventFigures;
  readonly flagBytes: number;
}

export class ResidentPersons {
  readonly #db: Db;
  readonly #feed: ChangeFeed;
  readonly #residentFeed: ChangeFeed;
  readonly #sources: InputSources;
  readonly #ids = new ResidentIds();
  #present = new Uint8Array(0);
  /**
   * When the row's field values stop being true with no write, in whole seconds rounded down (so
   * a row is read again at most a second early, never late); NEVER for no such time.
   */
  #staleAt = new Uint32Array(0);
  #presentCount = 0;
  /** No row goes stale before this (seconds): the search for stale rows is skipped until then. */
  #earliestStale = NEVER;
  readonly #fields = new Map<string, Resident>();
  readonly #rows: ResidentRows;
  readonly #events: ResidentEvents;
  readonly #consent: ResidentConsent;
  readonly #memberships: ResidentMemberships;
  #mark: ChangeMark | null = null;
  /** Where the consent and membership flags stand in `resident_change_log` (null: none held). */
  #residentMark: ChangeMark | null = null;
  /** Whether the next answer builds the common event types too (after the first pass). */
  #preloadEvents = true;
  /** The `now` the values were last brought up to; an earlier `now` (a clock set back) reads everything again. */
  #asOf = Number.NEGATIVE_INFINITY;
  /** One refresh at a time; a read runs its scan inside, so no refresh moves rows under it. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: { db: Db; feed: ChangeFeed; residentFeed: ChangeFeed; sources: InputSources; maxEvents?: number }) {
    this.#db = deps.db;
    this.#feed = deps.feed;
    this.#residentFeed = deps.residentFeed;
    this.#sources = deps.sources;
    const ids = this.#ids;
    this.#rows = {
      get size() {
        return ids.size;
      },
      rowOf: (id) => ids.rowOf(id),
      id: (row) => ids.id(row),
      ensure: (id) => {
        const row = ids.rowOf(id);
        if (row !== undefined) return row;
        const added = ids.push(id);
        this.#grow(added + 1);
        return added;
      },
    };
    this.#events = new ResidentEvents({ db: deps.db, rows: this.#rows, maxEvents: deps.maxEvents ?? residentEventsFitting(512) });
    this.#consent = new ResidentConsent({ db: deps.db, rows: this.#rows, sources: deps.sources });
    this.#memberships = new ResidentMemberships({ db: deps.db, rows: this.#rows });
  }

  /**
   * Brings what `needs` reads up to date as of `now` (building what is missing), then runs `scan`
   * over it before any other refresh can start. Answers undefined, without scanning, when the
   * events the rules count would not fit in memory (`maxEvents`): read the store.
   */
  read<T>(needs: ResidentNeeds, now: Date, scan: (view: ResidentView) => T): Promise<T | undefined> {
    const run = this.#queue.then(async () => {
      let held: TrackedEvents | undefined;
      try {
        held = await this.#refresh(needs, now);
      } catch (err) {
        // A refresh that failed half-way leaves rows of unknown age: the next read builds everything again.
        this.#mark = null;
        throw err;
      }
      return held === undefined ? undefined : scan(this.#view(needs, held));
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  figures(): ResidentFigures {
    let columnBytes = 0;
    for (const { column } of this.#fields.values()) columnBytes += column.bytes();
    return {
      rows: this.#ids.size,
      present: this.#presentCount,
      fields: this.#fields.size,
      columnBytes,
      rowBytes: this.#present.byteLength + this.#staleAt.byteLength,
      idBytes: this.#ids.bytes(),
      events: this.#events.figures(),
      flagBytes: this.#consent.bytes() + this.#memberships.bytes(),
    };
  }

  /** Answers the stored activity's coverage (`audience_tracked_events`), or undefined when the events do not fit. */
  async #refresh(needs: ResidentNeeds, now: Date): Promise<TrackedEvents | undefined> {
    const catalogue = this.#sources.catalogue();
    let missing = false;
    for (const id of needs.fields) if (this.#want(catalogue, id)) missing = true;
    const t = now.getTime();
    let stored: unknown[] | undefined;
    const storedRules = async () => (stored ??= await storedPersonRules(this.#db));
    if (this.#mark === null) for (const id of preloadedFields(await storedRules())) this.#want(catalogue, id);
    const rowsBefore = this.#ids.size;
    // The profiles written since (null: everything is read again).
    let changed: readonly string[] | null = null;
    let mark: ChangeMark;
    if (this.#mark === null) mark = await this.#feed.mark(this.#db);
    else {
      const since = await this.#feed.since(this.#db, this.#mark);
      mark = since.mark;
      if (!since.lost) changed = since.ids;
    }
    if (changed === null || missing || t < this.#asOf) await this.#readAll(now, catalogue);
    else await this.#readChanged(changed, t, now, catalogue);
    const entries = await this.#residentChanges(changed === null || t < this.#asOf);
    if (changed === null || t < this.#asOf) {
      this.#events.clear();
      this.#preloadEvents = true;
      this.#consent.clear();
      this.#memberships.clear();
    } else {
      await this.#events.refresh(changed);
      // Rows added since (new persons) may have memberships logged before they had a row.
      const added = Array.from({ length: this.#ids.size - rowsBefore }, (_, i) => this.#ids.id(rowsBefore + i));
      await this.#memberships.refresh({ added, entries: entries.members });
      await this.#consent.refresh({ profiles: changed, subjects: entries.subjects }, now);
    }
    this.#mark = mark;
    this.#asOf = t;
    return this.#ensure(needs, now, this.#preloadEvents ? await preloadedEvents(this.#db, await storedRules(), now, catalogue) : new Map());
  }

  /** Builds the events, consent and memberships the needs read and nothing holds yet. */
  async #ensure(needs: ResidentNeeds, now: Date, optional: ReadonlyMap<string, EventNeed>): Promise<TrackedEvents | undefined> {
    const held = needs.events.size > 0 || optional.size > 0 ? await membershipStore.trackedEvents(this.#db) : new Map();
    if (!this.#events.fits(needs.events, now.getTime())) return undefined;
    this.#preloadEvents = false;
    if (!(await this.#events.ensure(needs.events, held, now.getTime(), optional))) return undefined;
    if ((needs.consents.size > 0 || needs.audiences.size > 0) && this.#residentMark === null)
      this.#residentMark = await this.#residentFeed.mark(this.#db);
    await this.#consent.ensure(needs.consents, now);
    await this.#memberships.ensure(needs.audiences);
    return held;
  }

  /** Memberships and consent subjects logged since; with `reset` (or when the log was pruned past the mark) the flags are read again. */
  async #residentChanges(reset: boolean): Promise<{ members: [string, string][]; subjects: string[] }> {
    const out: { members: [string, string][]; subjects: string[] } = { members: [], subjects: [] };
    if (this.#residentMark === null) return out;
    const since = await this.#residentFeed.since(this.#db, this.#residentMark);
    if (reset || since.lost) {
      this.#consent.clear();
      this.#memberships.clear();
      this.#residentMark = null;
      return out;
    }
    this.#residentMark = since.mark;
    for (const entry of since.ids) {
      if (entry.startsWith('consent:')) out.subjects.push(entry.slice('consent:'.length));
      else if (entry.startsWith('member:')) {
        const rest = entry.slice('member:'.length);
        const colon = rest.indexOf(':');
        out.members.push([rest.slice(0, colon), rest.slice(colon + 1)]);
      }
    }
    return out;
  }

  /** Reads again the profiles written since and the rows passing time has made stale. */
  async #readChanged(changed: readonly string[], t: number, now: Date, catalogue: FieldCatalogue): Promise<void> {
    const ids = new Set(changed);
    const due = staleSeconds(t);
    if (this.#earliestStale <= due) {
      let earliest = NEVER;
      for (let row = 0; row < this.#ids.size; row++) {
        const at = this.#staleAt[row] as number;
        if (this.#present[row] !== 1) continue;
        if (at <= due) ids.add(this.#ids.id(row));
        else if (at < earliest) earliest = at;
      }
      this.#earliestStale = earliest;
    }
    const list = [...ids];
    for (let i = 0; i < list.length; i += PROFILE_CHUNK) {
      const part = list.slice(i, i + PROFILE_CHUNK);
      for (const [id, loaded] of await readProfiles(this.#db, part)) {
        if (loaded) this.#put(id, loaded, now, catalogue);
        else {
          const row = this.#ids.rowOf(id);
          if (row !== undefined) this.#remove(row);
        }
      }
    }
  }

  /** Makes `id` resident (when it is a person field); answers whether it has to be read. */
  #want(catalogue: FieldCatalogue, id: string): boolean {
    const field = findField(catalogue, 'person', id);
    if (!field) return false;
    const held = this.#fields.get(id);
    if (held && held.field.type === field.type && held.field.whenAbsent === field.whenAbsent) return false;
    this.#fields.set(id, { field, column: residentColumn(field.type) });
    return true;
  }

  /** One pass over every profile in id order: every resident field of every row; rows not seen are gone. */
  async #readAll(now: Date, catalogue: FieldCatalogue): Promise<void> {
    const seen = new Uint8Array(this.#ids.size);
    await readEveryProfile(this.#db, (id, loaded) => {
      const row = this.#put(id, loaded, now, catalogue);
      if (row < seen.length) seen[row] = 1;
    });
    for (let row = 0; row < seen.length; row++) if (seen[row] === 0) this.#remove(row);
    if (this.#mark === null && this.#ids.sorted === 0) this.#ids.seal();
  }

  /** Writes a person's values into its row (a new row at the end for a new id). */
  #put(id: string, loaded: LoadedProfile, now: Date, catalogue: FieldCatalogue): number {
    const row = this.#rows.ensure(id);
    if (this.#present[row] !== 1) this.#presentCount++;
    this.#present[row] = 1;
    const fields = residentFieldsOf(id, loaded, now, catalogue, this.#sources);
    for (const { field, column } of this.#fields.values()) column.set(row, readField(fields, field));
    const t = now.getTime();
    const windows = loaded.nextChangeAt === null ? Number.POSITIVE_INFINITY : Date.parse(loaded.nextChangeAt);
    const stale = staleSeconds(Math.min(windows, promiseDueAfter(loaded.stored.state, t)));
    this.#staleAt[row] = stale;
    if (stale < this.#earliestStale) this.#earliestStale = stale;
    return row;
  }

  #remove(row: number): void {
    if (this.#present[row] === 1) this.#presentCount--;
    this.#present[row] = 0;
    this.#staleAt[row] = NEVER;
  }

  #grow(size: number): void {
    if (size <= this.#present.length) return;
    const capacity = Math.max(1024, this.#present.length * 2, size);
    const present = new Uint8Array(capacity);
    present.set(this.#present);
    const staleAt = new Uint32Array(capacity).fill(NEVER);
    staleAt.set(this.#staleAt);
    this.#present = present;
    this.#staleAt = staleAt;
  }

  #view(needs: ResidentNeeds, held: TrackedEvents): ResidentView {
    const ids = this.#ids;
    const size = ids.size;
    const columns = new Map<string, Column>();
    for (const [id, { column }] of this.#fields) columns.set(id, column.view(size));
    return {
      store: new ColumnStore({
        ids: [],
        size,
        columns,
        counters: this.#events.counters(needs.events, held, size),
        consents: new Map([...needs.consents].map((key) => [key, this.#consent.view(key, size)])),
        memberships: new Map([...needs.audiences].map((id) => [id, this.#memberships.view(id, size)])),
      }),
      present: this.#present.subarray(0, size),
      total: this.#presentCount,
      sorted: ids.sorted,
      idOf: (row) => ids.id(row),
    };
  }
}
