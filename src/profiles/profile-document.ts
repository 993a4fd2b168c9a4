import { AppError } from '../core/errors.js';
import { organisationsOfAccounts } from '../entities/index.js';
import type { Db } from '../storage/index.js';
import type { ProfileStage } from './profile-stage.js';
import { EMPTY_STATE, viewOf } from './profile-state.js';
import { profilesStore } from './profiles.store.js';

/*
 * A person's profile as the API gives it (`GET /v1/profiles/{id}`), built in one place for every
 * reader: the route, a data-subject access request, the console. From the stored row, the profile
 * stage's view and windows at `now`, and the accounts with their organisations.
 */

const MAX_MERGE_HOPS = 20;
/** Days each aggregate is given day by day (`daily`), for the console's sparklines. */
const SPARKLINE_DAYS = 30;

/** The surviving profile of an id (merges may chain); undefined when the id was never a profile. */
export const survivorOf = async (db: Db, id: string): Promise<{ id: string; createdAt: string } | undefined> => {
  let current = id;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    const row = await db.selectFrom('profiles').select(['id', 'created_at', 'merged_into']).where('id', '=', current).executeTakeFirst();
    if (!row) return undefined;
    if (row.merged_into === null) return { id: row.id, createdAt: row.created_at };
    current = row.merged_into;
  }
  throw new AppError('INTERNAL', `profile ${id}: merge chain longer than ${MAX_MERGE_HOPS}`);
};

export interface TraitLineage {
  readonly source: string;
  readonly priority: number;
  readonly rule: string;
  readonly event: { readonly seq: number; readonly eventId: string; readonly type: string; readonly at: string };
}

/** The profile document; `lineage` only when asked for (`explain=true`, an access request). */
export const profileDocument = async (
  db: Db,
  deps: { readonly profiles: ProfileStage; readonly defaultTimeZone: string },
  profile: { readonly id: string; readonly createdAt: string },
  now: Date,
  options: { readonly lineage: boolean },
) => {
  const stored = (await profilesStore.read(db, [profile.id])).get(profile.id);
  const working = stored ? deps.profiles.working(stored) : undefined;
  const state = working?.state ?? EMPTY_STATE;
  const view = viewOf(state, now, deps.defaultTimeZone);
  const windows = working ? deps.profiles.windowsOf(working, now) : {};
  const daily = working ? deps.profiles.dailyOf(working, now, SPARKLINE_DAYS) : {};
  const accounts = await db.selectFrom('profile_accounts').selectAll().where('profile_id', '=', profile.id).orderBy('account_id').execute();
  const organisations = await organisationsOfAccounts(
    db,
    accounts.map((a) => a.account_id),
  );
  const lineage: Record<string, TraitLineage> | undefined = options.lineage
    ? Object.fromEntries(
        Object.entries(state.traits).map(([name, t]) => [
          name,
          { source: t.source, priority: t.priority, rule: t.rule, event: { seq: t.seq, eventId: t.eventId, type: t.eventType, at: t.at } },
        ]),
      )
    : undefined;
  return {
    profileId: profile.id,
    createdAt: profile.createdAt,
    updatedAt: stored?.updatedAt ?? null,
    timeZone: view.timeZone,
    traits: view.traits,
    openCases: [...view.openCases],
    brokenPromises: view.brokenPromises,
    lastInteraction: view.lastInteraction,
    activity: { firstEventAt: view.firstEventAt, lastEventAt: view.lastEventAt, events: view.events },
    aggregates: Object.fromEntries(
      deps.profiles.aggregates.map((a) => [
        a.definition.id,
        {
          label: a.definition.label,
          unit: a.definition.unit ?? 'count',
          windows: windows[a.definition.id] ?? {},
          daily: daily[a.definition.id] ?? [],
        },
      ]),
    ),
    scores: working?.scores ?? null,
    accounts: accounts.map((a) => ({
      accountId: a.account_id,
      role: a.role,
      firstAt: a.first_at,
      lastAt: a.last_at,
      organisation: organisations.get(a.account_id) ?? null,
    })),
    ...(lineage ? { lineage } : {}),
  };
};

export type ProfileDocument = Awaited<ReturnType<typeof profileDocument>>;
