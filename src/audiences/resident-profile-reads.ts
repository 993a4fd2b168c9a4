import { sql } from 'kysely';
import { decodeProfileBody } from '../profiles/profile-row.js';
import type { WorkingProfile } from '../profiles/profile-stage.js';
import { viewOf, type ProfileState } from '../profiles/profile-state.js';
import { profilesStore, type StoredProfile } from '../profiles/profiles.store.js';
import type { WindowValues } from '../profiles/aggregates/index.js';
import type { Db } from '../storage/index.js';
import type { InputSources } from './audience-inputs.js';
import type { FieldCatalogue } from './field-catalogue.js';
import { lazyProfileFields } from './profile-fields.js';

/*
 * What the resident person columns read of a profile (resident-persons.ts): its stored row and
 * accounts, pages of every profile in id order, and its fields as the row scan's InputLoader
 * builds them (audience-inputs.ts).
 */

/** Rows read a statement: a chunk decodes in about 40 ms, so other requests wait no longer than that during a build. */
export const PROFILE_CHUNK = 1000;

export interface LoadedProfile {
  readonly stored: StoredProfile;
  readonly accounts: readonly { readonly accountId: string; readonly role: string }[];
  readonly nextChangeAt: string | null;
}

/** When `promiseBroken` (caseView in profile-state.ts) next turns true for a case still open: just after its due time. */
export const promiseDueAfter = (state: ProfileState, now: number): number => {
  let next = Number.POSITIVE_INFINITY;
  for (const c of Object.values(state.cases)) {
    if (c.resolvedAt !== null || c.expectedResolutionDate === null) continue;
    const raw = c.expectedResolutionDate;
    const due = Date.parse(raw.length === 10 ? `${raw}T23:59:59Z` : raw);
    if (!Number.isNaN(due) && due >= now && due + 1 < next) next = due + 1;
  }
  return next;
};

const accountsWhere = async (db: Db, where: ReturnType<typeof sql>): Promise<Map<string, { accountId: string; role: string }[]>> => {
  const { rows } = await sql<{ profile_id: string; account_id: string; role: string }>`
    select profile_id, account_id, role from profile_accounts where ${where} order by profile_id, account_id`.execute(db);
  const out = new Map<string, { accountId: string; role: string }[]>();
  for (const r of rows) {
    let list = out.get(r.profile_id);
    if (!list) out.set(r.profile_id, (list = []));
    list.push({ accountId: r.account_id, role: r.role });
  }
  return out;
};

/** Every profile in id order, a page at a time. */
export const readEveryProfile = async (db: Db, visit: (id: string, loaded: LoadedProfile) => void): Promise<void> => {
  let after: string | null = null;
  for (;;) {
    let query = db.selectFrom('profile_state').select(['profile_id', 'body', 'updated_at', 'next_change_at']);
    if (after !== null) query = query.where('profile_id', '>', after);
    const rows = await query.orderBy('profile_id').limit(PROFILE_CHUNK).execute();
    if (rows.length === 0) return;
    const first = (rows[0] as (typeof rows)[number]).profile_id;
    const last = (rows.at(-1) as (typeof rows)[number]).profile_id;
    const accounts = await accountsWhere(db, sql`profile_id >= ${first} and profile_id <= ${last}`);
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
      visit(r.profile_id, { stored, accounts: accounts.get(r.profile_id) ?? [], nextChangeAt: r.next_change_at });
    }
    if (rows.length < PROFILE_CHUNK) return;
    after = last;
  }
};

/** Some profiles (undefined: no profile row now). */
export const readProfiles = async (db: Db, ids: readonly string[]): Promise<Map<string, LoadedProfile | undefined>> => {
  const stored = await profilesStore.read(db, ids);
  const accounts = await accountsWhere(db, sql`profile_id in (${sql.join(ids)})`);
  const out = new Map<string, LoadedProfile | undefined>();
  for (const id of ids) {
    const row = stored.get(id);
    out.set(id, row ? { stored: row, accounts: accounts.get(id) ?? [], nextChangeAt: row.nextChangeAt } : undefined);
  }
  return out;
};

/**
 * A person's fields as the row scan's InputLoader builds them, each computed when read. An
 * aggregate's windows come from a working profile of that aggregate alone: the same functions,
 * without unpacking the aggregates no rule reads.
 */
export const residentFieldsOf = (id: string, loaded: LoadedProfile, now: Date, catalogue: FieldCatalogue, sources: InputSources) => {
  const { stored, accounts } = loaded;
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
};
