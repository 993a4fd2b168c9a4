import type { EventLog } from '../bus/index.js';
import { AppError } from '../core/errors.js';
import { crossValidateChurn, trainChurnModel, type ChurnCrossValidation, type ChurnModel, type FeatureRow } from '../scores/index.js';
import type { Db } from '../storage/index.js';
import { CHURN_FEATURES, churnFeatureRow } from './profile-scores.js';
import type { ProfileStage, WorkingProfile } from './profile-stage.js';

const DAY_MS = 86_400_000;
const PAGE = 5000;
/** Events that end a customer relationship: the churn label. */
const CHURN_EVENTS = new Set(['billing/termination', 'billing/port_out']);
const GONE = new Set(['terminated', 'ported_out']);

export interface ChurnTrainingResult {
  readonly model: ChurnModel;
  readonly cutoff: string;
  readonly profiles: number;
  readonly churners: number;
  /** K-fold cross-validation of the same features on the same rows, when asked for. */
  readonly crossValidation?: ChurnCrossValidation;
}

/**
 * Trains the churn scorecard on the event history, point-in-time: every profile's state and
 * aggregates are rebuilt from its events up to a cutoff (by default 30 days before the last
 * event), and labelled by whether a termination or port-out followed within the horizon. Profiles
 * already gone at the cutoff are left out. Nothing after the cutoff leaks into the features.
 */
export const trainChurnFromLog = async (
  deps: { db: Db; eventLog: EventLog; profiles: ProfileStage },
  options: { trainedAt: string; cutoff?: string; horizonDays?: number; crossValidationFolds?: number },
): Promise<ChurnTrainingResult> => {
  const horizonMs = (options.horizonDays ?? 30) * DAY_MS;
  const last = await deps.db
    .selectFrom('event_log')
    .select((eb) => eb.fn.max('occurred_at').as('at'))
    .executeTakeFirst();
  if (!last?.at) throw new AppError('BAD_REQUEST', 'the event log is empty: there is no history to train on');
  const cutoff = options.cutoff === undefined ? Date.parse(last.at) - horizonMs : Date.parse(options.cutoff);
  if (Number.isNaN(cutoff)) throw new AppError('BAD_REQUEST', `cutoff "${options.cutoff}" is not a time`);

  const survivor = await survivors(deps.db);
  const working = new Map<string, WorkingProfile>();
  const churned = new Set<string>();
  for (let after = 0; ;) {
    const events = await deps.eventLog.after(deps.db, after, PAGE);
    const lastEvent = events.at(-1);
    if (!lastEvent) break;
    const resolved = await deps.db
      .selectFrom('event_profiles')
      .select(['seq', 'profile_id'])
      .where('seq', '>', after)
      .where('seq', '<=', lastEvent.seq)
      .execute();
    const profileOf = new Map(resolved.map((r) => [Number(r.seq), r.profile_id]));
    for (const event of events) {
      const resolvedTo = profileOf.get(event.seq);
      if (!resolvedTo) continue;
      const profileId = survivor(resolvedTo);
      const at = Date.parse(event.occurredAt);
      if (at <= cutoff) {
        let profile = working.get(profileId);
        if (!profile) working.set(profileId, (profile = deps.profiles.blank(profileId)));
        deps.profiles.apply(profile, event);
      } else if (at <= cutoff + horizonMs && CHURN_EVENTS.has(`${event.sourceId}/${event.type}`)) churned.add(profileId);
    }
    after = lastEvent.seq;
  }

  const asOf = new Date(cutoff);
  const rows: FeatureRow[] = [];
  const labels: boolean[] = [];
  const ids: string[] = [];
  for (const profile of working.values()) {
    if (GONE.has(String(profile.state.traits.status?.value))) continue;
    rows.push(churnFeatureRow(profile.state, deps.profiles.windowsOf(profile, asOf), asOf));
    labels.push(churned.has(profile.profileId));
    ids.push(profile.profileId);
  }
  const model = trainChurnModel(rows, labels, ids, { featureSpec: CHURN_FEATURES, trainedAt: options.trainedAt });
  const folds = options.crossValidationFolds;
  return {
    model,
    cutoff: asOf.toISOString(),
    profiles: rows.length,
    churners: labels.filter(Boolean).length,
    ...(folds === undefined ? {} : { crossValidation: crossValidateChurn(rows, labels, ids, { featureSpec: CHURN_FEATURES, folds }) }),
  };
};

/** Follows merges to the surviving profile id. */
const survivors = async (db: Db): Promise<(id: string) => string> => {
  const rows = await db.selectFrom('profiles').select(['id', 'merged_into']).where('merged_into', 'is not', null).execute();
  const next = new Map(rows.map((r) => [r.id, r.merged_into as string]));
  return (id) => {
    let current = id;
    for (let hops = 0; hops < 20 && next.has(current); hops++) current = next.get(current) as string;
    return current;
  };
};
