import { sql } from 'kysely';
import type { Db } from '../storage/index.js';
import { readProperty } from './compare.js';
import type { FieldType, FieldValue } from './field-types.js';
import { EventTable } from './resident-event-table.js';
import { ResidentSurvivors, type ResidentRows } from './resident-survivors.js';

/*
 * Events of the types no active audience counts, as a preview reads them from the log
 * (`readActivityFromLog`, activity-log.ts): every retained event of the type since a moment, with
 * a profile resolved for it (`event_profiles`), credited to that profile's survivor now. Held per
 * type in memory: built by one pass over the log's events of the type, then caught up before
 * each answer with the events the pipeline resolved since (a range of `event_profiles` by
 * sequence, which the pipeline writes in order, with the batch's checkpoint), the log's front that
 * retention deleted, and the merges and erasures the profile change log names. An event is held
 * under the profile it was resolved to and credited through `ResidentSurvivors`, so a merge moves
 * no event.
 */

const CHUNK = 5000;

const parseProperties = (payload: string): Record<string, unknown> =>
  (JSON.parse(payload) as { properties?: Record<string, unknown> }).properties ?? {};

/** A property column's value for one event: what the filter's `readProperty` reads. */
export const propertyValue =
  (properties: Readonly<Record<string, unknown>>) =>
  (key: string): FieldValue => {
    const colon = key.indexOf(':');
    return readProperty(properties, key.slice(colon + 1).split('.'), key.slice(0, colon) as FieldType);
  };

export class ResidentLoggedEvents {
  readonly #db: Db;
  readonly #rows: ResidentRows;
  readonly survivors = new ResidentSurvivors();
  readonly #tables = new Map<string, EventTable>();
  /** The last `event_profiles` sequence the tables hold events up to. */
  #cursor = 0;
  /** The log's first sequence when last looked (retention deletes the front). */
  #front = 0;

  constructor(deps: { db: Db; rows: ResidentRows }) {
    this.#db = deps.db;
    this.#rows = deps.rows;
  }

  table(type: string): EventTable | undefined {
    return this.#tables.get(type);
  }

  types(): string[] {
    return [...this.#tables.keys()];
  }

  /** Forgets everything (the next answers build again). */
  clear(): void {
    this.#tables.clear();
    this.#cursor = 0;
    // Merges the profile change log no longer reaches may have happened: read every target again.
    this.survivors.clear();
  }

  /**
   * Catches the held types up: merge targets of the profiles that changed, events resolved since,
   * the front retention deleted, erased profiles' events.
   */
  async refresh(changedProfiles: readonly string[]): Promise<void> {
    if (this.#tables.size === 0) {
      // Nothing follows the merges while no type is held: the targets are read again with the next.
      this.survivors.clear();
      return;
    }
    const rows = changedProfiles.map((id) => this.#rows.rowOf(id)).filter((r): r is number => r !== undefined && this.survivors.known(r));
    await this.survivors.resolve(this.#db, this.#rows, rows);
    const erased = rows.filter((r) => this.survivors.missing(r));
    if (erased.length > 0) {
      // An erased profile's events: deleted from the log with it, and credited to nobody since.
      const gone = new Set(erased);
      for (const table of this.#tables.values()) table.removeRows((row) => gone.has(row) || this.survivors.erased(row));
    }
    await this.#tail();
    const front = await this.#db
      .selectFrom('event_log')
      .select((eb) => eb.fn.min('seq').as('seq'))
      .executeTakeFirst();
    const first = Number(front?.seq ?? this.#cursor + 1);
    if (first > this.#front) {
      for (const table of this.#tables.values()) table.removeBefore(first);
      this.#front = first;
    }
  }

  /**
   * Reads types from the log in one pass along it (each from its `from` on, up to where the held
   * types stand) and holds them, replacing what was held of them. Past `maxEvents`, the largest
   * type not `required` is let go, then a required one; answers the types that could not be held.
   */
  async build(
    wanted: ReadonlyMap<string, { readonly from: number; readonly keys: ReadonlySet<string> }>,
    required: ReadonlySet<string>,
    maxEvents: number,
  ): Promise<Set<string>> {
    const failed = new Set<string>();
    if (wanted.size === 0) return failed;
    for (const type of wanted.keys()) this.#tables.delete(type);
    if (this.#tables.size === 0) this.#cursor = await this.#lastResolved();
    const building = new Map([...wanted].map(([type, w]) => [type, new EventTable({ from: w.from, keys: w.keys, kind: 'sequenced' })]));
    const withProperties = [...wanted.values()].some((w) => w.keys.size > 0);
    const from = Math.min(...[...wanted.values()].map((w) => w.from));
    const budget = maxEvents - this.events();
    let held = 0;
    const anchors: number[] = [];
    let after = 0;
    for (;;) {
      // Along the log's key, each chunk going on where the last stopped. The type is an
      // expression, not the columns: SQLite would otherwise walk the idempotency index of a
      // source's every event and sort them again for each chunk (6 s instead of 0.8 s for the
      // demo's 176,000 data sessions).
      const { rows } = await sql<{ seq: number; profile_id: string; type: string; occurred_at: string; payload: string | null }>`
        select e.seq, p.profile_id, e.source_id || '/' || e.event_type as type, e.occurred_at,
          ${withProperties ? sql`e.payload` : sql`null`} as payload
        from event_log e join event_profiles p on p.seq = e.seq
        where e.seq > ${after} and e.seq <= ${this.#cursor} and p.profile_id is not null
          and e.occurred_at >= ${new Date(from).toISOString()}
          and (e.source_id || '/' || e.event_type) in (${sql.join([...building.keys()])})
        order by e.seq limit ${CHUNK}`.execute(this.#db);
      for (const r of rows) {
        const table = building.get(r.type);
        const at = Date.parse(r.occurred_at);
        if (!table || !table.holds(at)) continue;
        const value = table.keys.size === 0 || r.payload === null ? () => null : propertyValue(parseProperties(r.payload));
        if (!table.append(this.#anchor(r.profile_id, anchors), at, value, Number(r.seq))) {
          building.delete(r.type);
          failed.add(r.type);
          continue;
        }
        held++;
      }
      while (held > budget && building.size > 0) {
        const [type, table] = [...building].sort(([a, x], [b, y]) => +required.has(a) - +required.has(b) || y.size - x.size)[0] as [
          string,
          EventTable,
        ];
        building.delete(type);
        failed.add(type);
        held -= table.size;
      }
      if (rows.length < CHUNK || building.size === 0) break;
      after = Number(rows.at(-1)?.seq);
    }
    await this.survivors.resolve(this.#db, this.#rows, anchors);
    for (const [type, table] of building) {
      table.fit();
      this.#tables.set(type, table);
    }
    return failed;
  }

  /** Adds property columns to a held type: its events' properties read back from the log by sequence. */
  async addKeys(type: string, keys: ReadonlySet<string>): Promise<void> {
    const table = this.#tables.get(type);
    if (!table || [...keys].every((k) => table.keys.has(k))) return;
    const sequences = table.sequences();
    const values = new Map<number, (key: string) => FieldValue>();
    for (let i = 0; i < sequences.length; i += 500) {
      const found = await this.#db
        .selectFrom('event_log')
        .select(['seq', 'payload'])
        .where('seq', 'in', sequences.slice(i, i + 500))
        .execute();
      for (const r of found) values.set(Number(r.seq), propertyValue(parseProperties(r.payload)));
    }
    table.addKeys(keys, values);
  }

  /** Drops a type (it no longer fits, or no rule has asked for it in a while). */
  drop(type: string): void {
    this.#tables.delete(type);
  }

  bytes(): number {
    let bytes = this.survivors.bytes();
    for (const table of this.#tables.values()) bytes += table.bytes();
    return bytes;
  }

  events(): number {
    let n = 0;
    for (const table of this.#tables.values()) n += table.size;
    return n;
  }

  async #lastResolved(): Promise<number> {
    const row = await this.#db
      .selectFrom('event_profiles')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Events the pipeline resolved since the cursor, of the held types. */
  async #tail(): Promise<void> {
    const upTo = await this.#lastResolved();
    if (upTo <= this.#cursor) return;
    // The type as an expression, as in `build`: along the resolved events' key, never a source's index.
    const types = [...this.#tables.keys()];
    const withProperties = [...this.#tables.values()].some((t) => t.keys.size > 0);
    const anchors: number[] = [];
    let after = this.#cursor;
    for (;;) {
      const { rows } = await sql<{
        seq: number;
        profile_id: string;
        source_id: string;
        event_type: string;
        occurred_at: string;
        payload: string | null;
      }>`
        select p.seq, p.profile_id, e.source_id, e.event_type, e.occurred_at, ${withProperties ? sql`e.payload` : sql`null`} as payload
        from event_profiles p join event_log e on e.seq = p.seq
        where p.seq > ${after} and p.seq <= ${upTo} and p.profile_id is not null
          and (e.source_id || '/' || e.event_type) in (${sql.join(types)})
        order by p.seq limit ${CHUNK}`.execute(this.#db);
      for (const r of rows) {
        const table = this.#tables.get(`${r.source_id}/${r.event_type}`);
        const at = Date.parse(r.occurred_at);
        if (!table || !table.holds(at)) continue;
        const row = this.#anchor(r.profile_id, anchors);
        const value = table.keys.size === 0 || r.payload === null ? () => null : propertyValue(parseProperties(r.payload));
        if (!table.append(row, at, value, Number(r.seq))) this.#tables.delete(`${r.source_id}/${r.event_type}`);
      }
      if (rows.length < CHUNK) break;
      after = Number(rows.at(-1)?.seq);
    }
    this.#cursor = upTo;
    await this.survivors.resolve(this.#db, this.#rows, anchors);
  }

  /** The row an event is held under (a new row's merge target is read with the rest). */
  #anchor(profileId: string, anchors: number[]): number {
    const row = this.#rows.ensure(profileId);
    if (!this.survivors.known(row)) anchors.push(row);
    return row;
  }
}
