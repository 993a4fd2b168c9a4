import { organisationsOfAccounts } from '../entities/index.js';
import type { ProfileStage } from '../profiles/profile-stage.js';
import { EMPTY_STATE, viewOf } from '../profiles/profile-state.js';
import { profilesStore } from '../profiles/profiles.store.js';
import type { Db } from '../storage/index.js';

/**
 * A profile as `GET /v1/profiles/{id}?explain=true` gives it, from the same building blocks (the
 * stored row, the profile stage's view and windows, accounts with their organisations). The
 * lineage is always included: GDPR Art. 15(1)(g) asks for the source of data not collected from
 * the subject.
 */
export const profileView = async (
  db: Db,
  deps: { profiles: ProfileStage; defaultTimeZone: string },
  profile: { id: string; createdAt: string },
  now: Date,
): Promise<Record<string, unknown>> => {
  const stored = (await profilesStore.read(db, [profile.id])).get(profile.id);
  const working = stored ? deps.profiles.working(stored) : undefined;
  const state = working?.state ?? EMPTY_STATE;
  const view = viewOf(state, now, deps.defaultTimeZone);
  const windows = working ? deps.profiles.windowsOf(working, now) : {};
  const accounts = await db.selectFrom('profile_accounts').selectAll().where('profile_id', '=', profile.id).orderBy('account_id').execute();
  const organisations = await organisationsOfAccounts(
    db,
    accounts.map((a) => a.account_id),
  );
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
        { label: a.definition.label, unit: a.definition.unit ?? 'count', windows: windows[a.definition.id] ?? {} },
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
    lineage: Object.fromEntries(
      Object.entries(state.traits).map(([name, t]) => [
        name,
        { source: t.source, priority: t.priority, rule: t.rule, event: { seq: t.seq, eventId: t.eventId, type: t.eventType, at: t.at } },
      ]),
    ),
  };
};
