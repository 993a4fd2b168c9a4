import { sql } from 'kysely';
import { decodeProfileBody } from '../profiles/profile-row.js';
import type { WorkingProfile } from '../profiles/profile-stage.js';
import { viewOf, type ProfileState } from '../profiles/profile-state.js';
import type { StoredProfile } from '../profiles/profiles.store.js';
import { profilesStore } from '../profiles/profiles.store.js';
import type { WindowValues } from '../profiles/aggregates/index.js';
import type { Db } from '../storage/index.js';
import type { InputSources } from './audience-inputs.js';
import { audiencesStore } from './audiences.store.js';
import { ColumnStore, type Column } from './columns.js';
import { residentColumn, type ResidentColumn } from './columns-resident.js';
import { ResidentIds } from './resident-ids.js';
import { readField } from './compare.js';
import { findField, type FieldCatalogue, type FieldDefinition } from './field-catalogue.js';
import type { ChangeFeed, ChangeMark } from './profile-changes.js';
import { lazyProfileFields } from './profile-fields.js';

/*
 * Every person's audience fields, held as columns in the thread that answers previews, so a count
 * scans memory instead of reading a million rows. Built on first use — one pass over
 * `profile_state` in id order — with the fields rules have asked for, those of stored person
 * audiences and a few common ones (`COMMON_FIELDS`); a field asked for the
 * first time costs one more pass. Before every answer the columns catch up with the store: the
 * profiles logged as written since (`profile_change_log`, appended to by triggers) and those whose
 * values passing time has changed (an aggregate window's next change, a care promise falling
 * due) are read again. So an answer is as exact as reading every row, and costs a scan.
 *
 * Kept per person: the id (12 bytes in the identity stage's form, `resident-ids.ts`), whether the
 * row is present (deleted profiles — merged away, erased — keep their slot, so the rows built in id
 * order stay in order), when its values go stale (4 bytes), and one value per resident field (1, 4
 * or 8 bytes).
 */

/** Rows read a statement: a chunk decodes in about 40 ms, so other requests wait no longer than that during a build. */
const CHUNK = 1000;

/**
 * Built with the first pass besides the fields asked for, so that the first rules on them cost a
 * scan, not another pass: the fields a marketer reaches for first (a few bytes a person each).
 * The fields of stored person audiences are built then too.
 */
export const COMMON_FIELDS: readonly string[] = [
  'traits.planType',
  'traits.status',
  'traits.tariff',
  'traits.homeRegion',
  'traits.balance.value',
  'scores.churn.band',
];

const RESERVED = new Set(['event', 'consent', 'audience']);

/** The attribute fields a stored rule names (members groups aside: those read persons of accounts). */
const fieldsOfRule = (node: unknown, out: Set<string>): void => {
  if (node === null || typeof node !== 'object') return;
  const rule = node as { field?: unknown; rules?: unknown; members?: unknown };
  if (typeof rule.field === 'string' && !RESERVED.has(rule.field)) out.add(rule.field);
  if (Array.isArray(rule.rules) && rule.members === undefined) for (const child of rule.rules) fieldsOfRule(child, out);
};
const NEVER = 0xffffffff;
const staleSeconds = (ms: number): number => (ms >= NEVER * 1000 ? NEVER : Math.max(0, Math.floor(ms / 1000)));

interface Resident {
  readonly field: FieldDefinition;
  readonly column: ResidentColumn;
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
}

interface Loaded {
  readonly stored: StoredProfile;
  readonly accounts: readonly { readonly accountId: string; readonly role: string }[];
  readonly nextChangeAt: string | null;
}

/** When `promiseBroken` (caseView in profile-state.ts) next turns true for a case still open: just after its due time. */
const promiseDueAfter = (state: ProfileState, now: number): number => {
  let next = Number.POSITIVE_INFINITY;
  for (const c of Object.values(state.cases)) {
    if (c.resolvedAt !== null || c.expectedResolutionDate === null) continue;
    const raw = c.expectedResolutionDate;
    const due = Date.parse(raw.length === 10 ? `${raw}T23:59:59Z` : raw);
    if (!Number.isNaN(due) && due >= now && due + 1 < next) next = due + 1;
  }
  return next;
};

export class ResidentPersons {
  readonly #db: Db;
  readonly #feed: ChangeFeed;
  readonly #sources: InputSources;
  readonly #ids = new ResidentIds();
  #present = new Uint8Array(0);
  /**
   * When the row's values stop being true with no write, in whole seconds rounded down (so a row
   * is read again at most a second early, never late); NEVER for no such time.
   */
  #staleAt = new Uint32Array(0);
  #presentCount = 0;
  /** No row goes stale before this (seconds): the search for stale rows is skipped until then. */
  #earliestStale = NEVER;
  readonly #fields = new Map<string, Resident>();
  #mark: ChangeMark | null = null;
  /** The `now` the values were last brought up to; an earlier `now` (a clock set back) reads everything again. */
  #asOf = Number.NEGATIVE_INFINITY;
  /** One refresh at a time; a read runs its scan inside, so no refresh moves rows under it. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: { db: Db; feed: ChangeFeed; sources: InputSources }) {
    this.#db = deps.db;
    this.#feed = deps.feed;
    this.#sources = deps.sources;
  }

  /**
   * Brings the columns of `fieldIds` up to date as of `now` (building what is missing), then runs
   * `scan` over them before any other refresh can start.
   */
  read<T>(fieldIds: Iterable<string>, now: Date, scan: (view: ResidentView) => T): Promise<T> {
    const run = this.#queue.then(async () => {
      try {
        await this.#refresh([...fieldIds], now);
      } catch (err) {
        // A refresh that failed half-way leaves rows of unknown age: the next read builds everything again.
        this.#mark = null;
        throw err;
      }
      return scan(this.#view());
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
    };
  }

  async #refresh(fieldIds: readonly string[], now: Date): Promise<void> {
    const catalogue = this.#sources.catalogue();
    let missing = false;
    for (const id of fieldIds) if (this.#want(catalogue, id)) missing = true;
    const t = now.getTime();
    if (this.#mark === null) for (const id of await this.#preloaded()) this.#want(catalogue, id);
    if (this.#mark === null || missing || t < this.#asOf) {
      await this.#readAll(now, catalogue);
      this.#asOf = t;
      return;
    }
    const changed = await this.#feed.since(this.#db, this.#mark);
    if (changed.lost) {
      await this.#readAll(now, catalogue);
      this.#asOf = t;
      return;
    }
    const ids = new Set(changed.ids);
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
    for (const part of chunks([...ids], CHUNK)) await this.#readSome(part, now, catalogue);
    this.#mark = changed.mark;
    this.#asOf = t;
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

  async #preloaded(): Promise<Set<string>> {
    const out = new Set(COMMON_FIELDS);
    for (const { audience, definition } of await audiencesStore.currentDefinitions(this.#db))
      if (audience.entity === 'person') fieldsOfRule(definition.rule, out);
    return out;
  }

  /** One pass over every profile in id order: every resident field of every row; rows not seen are gone. */
  async #readAll(now: Date, catalogue: FieldCatalogue): Promise<void> {
    const mark = await this.#feed.mark(this.#db);
    const seen = new Uint8Array(this.#ids.size);
    let after: string | null = null;
    for (;;) {
      let query = this.#db.selectFrom('profile_state').select(['profile_id', 'body', 'updated_at', 'next_change_at']);
      if (after !== null) query = query.where('profile_id', '>', after);
      const rows = await query.orderBy('profile_id').limit(CHUNK).execute();
      if (rows.length === 0) break;
      const first = (rows[0] as (typeof rows)[number]).profile_id;
      const last = (rows.at(-1) as (typeof rows)[number]).profile_id;
      const accounts = await this.#accounts(sql`profile_id >= ${first} and profile_id <= ${last}`);
      for (const r of rows) {
        const body = decodeProfileBody(r.body);
        const stored: StoredProfile = {
          profileId: r.profile_id,
          state: body.state,
          aggregates: body.aggregates,
          scores: body.scores,
          timeZone: body.timeZone,
          updatedAt: r.updated_at,
          nextChangeAt: r.next_change_at,
        };
        const row = this.#put(
          r.profile_id,
          { stored, accounts: accounts.get(r.profile_id) ?? [], nextChangeAt: r.next_change_at },
          now,
          catalogue,
        );
        if (row < seen.length) seen[row] = 1;
      }
      if (rows.length < CHUNK) break;
      after = last;
    }
    for (let row = 0; row < seen.length; row++) if (seen[row] === 0) this.#remove(row);
    if (this.#mark === null) this.#ids.seal();
    this.#mark = mark;
  }

  async #readSome(ids: readonly string[], now: Date, catalogue: FieldCatalogue): Promise<void> {
    const stored = await profilesStore.read(this.#db, ids);
    const accounts = await this.#accounts(sql`profile_id in (${sql.join(ids)})`);
    for (const id of ids) {
      const row = stored.get(id);
      if (row) this.#put(id, { stored: row, accounts: accounts.get(id) ?? [], nextChangeAt: row.nextChangeAt }, now, catalogue);
      else {
        const at = this.#ids.rowOf(id);
        if (at !== undefined) this.#remove(at);
      }
    }
  }

  async #accounts(where: ReturnType<typeof sql>): Promise<Map<string, { accountId: string; role: string }[]>> {
    const { rows } = await sql<{ profile_id: string; account_id: string; role: string }>`
      select profile_id, account_id, role from profile_accounts where ${where} order by profile_id, account_id`.execute(this.#db);
    const out = new Map<string, { accountId: string; role: string }[]>();
    for (const r of rows) {
      let list = out.get(r.profile_id);
      if (!list) out.set(r.profile_id, (list = []));
      list.push({ accountId: r.account_id, role: r.role });
    }
    return out;
  }

  /** Writes a person's values into its row (a new row at the end for a new id). */
  #put(id: string, loaded: Loaded, now: Date, catalogue: FieldCatalogue): number {
    let row = this.#ids.rowOf(id);
    if (row === undefined) {
      row = this.#ids.push(id);
      this.#grow(row + 1);
    }
    if (this.#present[row] !== 1) this.#presentCount++;
    this.#present[row] = 1;
    const fields = this.#fieldsOf(id, loaded, now, catalogue);
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

  /**
   * A person's fields as the row scan's InputLoader builds them (audience-inputs.ts), each computed
   * when read. An aggregate's windows come from a working profile of that aggregate alone: the
   * same functions, without unpacking the aggregates no rule reads.
   */
  #fieldsOf(id: string, loaded: Loaded, now: Date, catalogue: FieldCatalogue) {
    const { stored, accounts } = loaded;
    const sources = this.#sources;
    let view: ReturnType<typeof viewOf> | undefined;
    const windows = new Map<string, WindowValues | undefined>();
    const windowsOf = (aggregateId: string): WindowValues | undefined => {
      const packed = stored.aggregates[aggregateId];
      const one: WorkingProfile = sources.profiles.working({
        ...stored,
        aggregates: packed === undefined ? {} : { [aggregateId]: packed },
      });
      return sources.profiles.windowOf(one, aggregateId, now);
    };
    return lazyProfileFields(
      {
        profileId: id,
        get view() {
          return (view ??= viewOf(stored.state, now, sources.defaultTimeZone));
        },
        windows: new Proxy({} as Record<string, WindowValues>, {
          get: (_, aggregateId) => {
            if (typeof aggregateId !== 'string') return undefined;
            if (!windows.has(aggregateId)) windows.set(aggregateId, windowsOf(aggregateId));
            return windows.get(aggregateId);
          },
        }),
        scores: stored.scores,
        accounts,
      },
      catalogue,
    );
  }

  #view(): ResidentView {
    const ids = this.#ids;
    const size = ids.size;
    const columns = new Map<string, Column>();
    for (const [id, { column }] of this.#fields) columns.set(id, column.view(size));
    return {
      store: new ColumnStore({ ids: [], size, columns }),
      present: this.#present.subarray(0, size),
      total: this.#presentCount,
      sorted: ids.sorted,
      idOf: (row) => ids.id(row),
    };
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
