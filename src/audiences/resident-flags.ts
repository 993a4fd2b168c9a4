import type { Db } from '../storage/index.js';
import type { InputSources } from './audience-inputs.js';
import type { ResidentRows } from './resident-survivors.js';

/*
 * Consent and audience membership of every person, one byte per person and per purpose/channel
 * or audience a rule has asked about, held in memory as the row scan reads them: consent through
 * the consent port (`InputSources.consent`, deny by default), membership from `audience_members`.
 * Caught up before each answer with the persons whose profile or identifiers changed (the profile
 * change log), the consent subjects recorded and the memberships entered or left since
 * (`resident_change_log`), the purposes when they change, and consent that time alone changes
 * (a grant's expiry: the row's "stale at" second).
 */

const CHUNK = 500;

/** One byte per row and key, growing with the rows. */
class Flags {
  readonly #flags = new Map<string, Uint8Array>();

  has(key: string): boolean {
    return this.#flags.has(key);
  }

  keys(): string[] {
    return [...this.#flags.keys()];
  }

  get size(): number {
    return this.#flags.size;
  }

  add(key: string, rows: number): void {
    this.#flags.set(key, new Uint8Array(Math.max(1024, rows)));
  }

  set(key: string, row: number, value: boolean): void {
    let flags = this.#flags.get(key) as Uint8Array;
    if (row >= flags.length) {
      const next = new Uint8Array(Math.max(flags.length * 2, row + 1));
      next.set(flags);
      this.#flags.set(key, (flags = next));
    }
    flags[row] = value ? 1 : 0;
  }

  /** The first `size` rows (a copy grows first when rows were added since). */
  view(key: string, size: number): Uint8Array {
    let flags = this.#flags.get(key) as Uint8Array;
    if (flags.length < size) {
      const next = new Uint8Array(Math.max(flags.length * 2, size));
      next.set(flags);
      this.#flags.set(key, (flags = next));
    }
    return flags.subarray(0, size);
  }

  clear(): void {
    this.#flags.clear();
  }

  bytes(): number {
    let bytes = 0;
    for (const flags of this.#flags.values()) bytes += flags.byteLength;
    return bytes;
  }
}

const NEVER = 0xffffffff;

export class ResidentConsent {
  readonly #db: Db;
  readonly #rows: ResidentRows;
  readonly #sources: InputSources;
  readonly #flags = new Flags();
  /** The purposes as last read (their rules decide validity). */
  #purposes = '';
  /** When time alone next changes a row's answers, in whole seconds rounded down (read again at most a second early). */
  #staleAt = new Uint32Array(0);
  #earliestStale = NEVER;

  constructor(deps: { db: Db; rows: ResidentRows; sources: InputSources }) {
    this.#db = deps.db;
    this.#rows = deps.rows;
    this.#sources = deps.sources;
  }

  clear(): void {
    this.#flags.clear();
    this.#staleAt = new Uint32Array(0);
    this.#earliestStale = NEVER;
  }

  view(key: string, size: number): Uint8Array {
    return this.#flags.view(key, size);
  }

  bytes(): number {
    return this.#flags.bytes() + this.#staleAt.byteLength;
  }

  /**
   * Reads again the persons that changed, those of the subjects with new consent events and those
   * whose answers time has changed (everyone with a consent record when the purposes changed).
   */
  async refresh(changed: { readonly profiles: readonly string[]; readonly subjects: readonly string[] }, now: Date): Promise<void> {
    if (this.#flags.size === 0) return;
    const persons = new Set(changed.profiles);
    for (const id of await this.#profilesOfSubjects(changed.subjects)) persons.add(id);
    const purposes = await this.#purposesNow();
    if (purposes !== this.#purposes) {
      // The purposes' rules decide validity: everyone with a record is decided again.
      this.#purposes = purposes;
      for (const id of await this.#withConsent()) persons.add(id);
    }
    const due = Math.floor(now.getTime() / 1000);
    if (this.#earliestStale <= due) {
      let earliest = NEVER;
      for (let row = 0; row < this.#staleAt.length; row++) {
        const at = this.#staleAt[row] as number;
        if (at <= due) persons.add(this.#rows.id(row));
        else if (at < earliest) earliest = at;
      }
      this.#earliestStale = earliest;
    }
    await this.#read([...persons], now);
  }

  /**
   * Makes the keys (`purpose/channel`) resident: when one is new, every person with a consent
   * record is read (deny by default: a person none of whose subjects has one is granted nothing).
   */
  async ensure(keys: ReadonlySet<string>, now: Date): Promise<void> {
    const missing = [...keys].filter((k) => !this.#flags.has(k));
    if (missing.length === 0) return;
    for (const key of missing) this.#flags.add(key, this.#rows.size);
    this.#purposes = await this.#purposesNow();
    await this.#read(await this.#withConsent(), now);
  }

  /** The persons some subject of whom has a consent event. */
  async #withConsent(): Promise<string[]> {
    const subjects = await this.#db.selectFrom('consent_events').select('subject').distinct().execute();
    return this.#profilesOfSubjects(subjects.map((r) => r.subject));
  }

  async #read(ids: readonly string[], now: Date): Promise<void> {
    const keys = this.#flags.keys().map((key) => [key, ...key.split('/')] as [string, string, string]);
    const consent = this.#sources.consent;
    if (this.#staleAt.length < this.#rows.size) {
      const next = new Uint32Array(Math.max(1024, this.#staleAt.length * 2, this.#rows.size)).fill(NEVER);
      next.set(this.#staleAt);
      this.#staleAt = next;
    }
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const lookups = consent ? await consent(this.#db, part, now) : new Map();
      for (const id of part) {
        const row = this.#rows.rowOf(id);
        if (row === undefined) continue;
        const lookup = lookups.get(id);
        let stale = Number.POSITIVE_INFINITY;
        for (const [key, purpose, channel] of keys) {
          this.#flags.set(key, row, lookup?.(purpose, channel) ?? false);
          const next = lookup?.times?.nextChangeAt(purpose, channel);
          if (next !== null && next !== undefined && next < stale) stale = next;
        }
        const seconds = stale >= NEVER * 1000 ? NEVER : Math.max(0, Math.floor(stale / 1000));
        this.#staleAt[row] = seconds;
        if (seconds < this.#earliestStale) this.#earliestStale = seconds;
      }
    }
  }

  async #purposesNow(): Promise<string> {
    const row = await this.#db
      .selectFrom('consent_purposes')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('created_at').as('last')])
      .executeTakeFirst();
    return `${Number(row?.n ?? 0)}|${row?.last ?? ''}`;
  }

  /** The persons a consent subject names now: `profile:<id>`, or whoever holds the identifier (as `subjectsOfProfiles` pairs them). */
  async #profilesOfSubjects(subjects: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    const values: string[] = [];
    for (const subject of new Set(subjects)) {
      if (subject.startsWith('profile:')) out.add(subject.slice('profile:'.length));
      else values.push(subject);
    }
    for (let i = 0; i < values.length; i += CHUNK) {
      const rows = await this.#db
        .selectFrom('identity_nodes')
        .select('profile_id')
        .where('value_key', 'in', values.slice(i, i + CHUNK))
        .where('valid_to', 'is', null)
        .execute();
      for (const r of rows) out.add(r.profile_id);
    }
    return [...out];
  }
}

export class ResidentMemberships {
  readonly #db: Db;
  readonly #rows: ResidentRows;
  readonly #flags = new Flags();

  constructor(deps: { db: Db; rows: ResidentRows }) {
    this.#db = deps.db;
    this.#rows = deps.rows;
  }

  clear(): void {
    this.#flags.clear();
  }

  view(audienceId: string, size: number): Uint8Array {
    return this.#flags.view(audienceId, size);
  }

  bytes(): number {
    return this.#flags.bytes();
  }

  /** Reads again the memberships entered or left since (`[audience, member]`), and all those of the rows `added` since. */
  async refresh(changed: { readonly added: readonly string[]; readonly entries: readonly (readonly [string, string])[] }): Promise<void> {
    if (this.#flags.size === 0) return;
    const byAudience = new Map<string, string[]>();
    for (const [audienceId, memberId] of changed.entries) {
      if (!this.#flags.has(audienceId) || this.#rows.rowOf(memberId) === undefined) continue;
      let list = byAudience.get(audienceId);
      if (!list) byAudience.set(audienceId, (list = []));
      list.push(memberId);
    }
    if (changed.added.length > 0)
      for (const audienceId of this.#flags.keys()) byAudience.set(audienceId, [...(byAudience.get(audienceId) ?? []), ...changed.added]);
    for (const [audienceId, members] of byAudience) {
      const unique = [...new Set(members)];
      for (let i = 0; i < unique.length; i += CHUNK) {
        const part = unique.slice(i, i + CHUNK);
        const found = new Set(
          (
            await this.#db
              .selectFrom('audience_members')
              .select('member_id')
              .where('audience_id', '=', audienceId)
              .where('member_id', 'in', part)
              .execute()
          ).map((r) => r.member_id),
        );
        for (const id of part) this.#flags.set(audienceId, this.#rows.rowOf(id) as number, found.has(id));
      }
    }
  }

  /** Makes the audiences' memberships resident (one read of each new audience's members). */
  async ensure(audienceIds: ReadonlySet<string>): Promise<void> {
    for (const audienceId of audienceIds) {
      if (this.#flags.has(audienceId)) continue;
      this.#flags.add(audienceId, this.#rows.size);
      const members = await this.#db.selectFrom('audience_members').select('member_id').where('audience_id', '=', audienceId).execute();
      for (const { member_id } of members) {
        const row = this.#rows.rowOf(member_id);
        if (row !== undefined) this.#flags.set(audienceId, row, true);
      }
    }
  }
}
