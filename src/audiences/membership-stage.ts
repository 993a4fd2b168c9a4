import { readEventsBySeq, type EventLog, type LoggedEvent } from '../bus/index.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { IdentityBatchResult } from '../identity/index.js';
import { personEvents } from '../profiles/person-events.js';
import type { WorkingProfile } from '../profiles/profile-stage.js';
import type { Db } from '../storage/index.js';
import { activeAudiences, definitionsStamp, type ActiveAudience, type ActiveAudiences } from './active-audiences.js';
import { covers, keptProperties, mergeActivity, recordOccurrence, trimActivity, type Activity, type TrackedEvent } from './activity.js';
import { readActivityFromLog } from './activity-log.js';
import { InputLoader, type InputSources } from './audience-inputs.js';
import { audiencesStore } from './audiences.store.js';
import { CONSENT_MARK, reevaluateConsentChanges } from './consent-reevaluation.js';
import { consentChangeWithin } from './consent-wakeups.js';
import { evaluateEntitiesAbove, evaluateEntity, type Cause, type EvaluationStep } from './membership-evaluation.js';
import { materialiseStep } from './membership-materialise.js';
import { membershipStore } from './membership.store.js';
import { flushWrites, messageId, pendingWrites, type PendingWrites } from './membership-writes.js';
import type { EntityType } from './rule.js';

/*
 * Real-time audience membership (issue 6), the pipeline's step after profiles and entities. For
 * every person a batch touched it records the events audiences count into the person's activity,
 * re-evaluates the audiences the dependency index names (those whose inputs the batch changed;
 * all of them after a merge), then the account and organisation audiences of the person's
 * accounts. A change of membership is written to `audience_members` and to the outbox as
 * `audience.entered` / `audience.exited`, with the definition version and the explanation, in
 * the batch's transaction.
 *
 * Between batches (`advance`), the scheduler's part: entities whose wake-up has come (passing
 * time alone can change one of their memberships) are re-evaluated on every audience of their
 * type (a consent that expired among their inputs gives the reason `consent`), persons whose
 * consent was recorded are re-evaluated (consent-reevaluation.ts), and a new or edited definition
 * is materialised over every entity, a chunk at a time, resuming where it stopped after a restart
 * (membership-materialise.ts). Evaluating one entity is membership-evaluation.ts.
 */

export type { MembershipReason } from './membership-evaluation.js';

export interface MembershipStageDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly sources: InputSources;
  /** Days of raw events kept (TESSERA_EVENT_RETENTION_DAYS); unbounded when the log keeps everything. */
  readonly retainedEventDays: number;
  /** Entities a recompute evaluates per step. */
  readonly recomputeChunk?: number;
  /** Entities the scheduler wakes per step. */
  readonly wakeChunk?: number;
  /** Reads a split person's events back (default: the event log table of the state store). */
  readonly eventLog?: Pick<EventLog, 'bySeq'>;
}

export class MembershipStage {
  readonly #deps: MembershipStageDeps;
  #set: ActiveAudiences | undefined;
  #stamp: string | undefined;
  /** Per audience, the stamp its members were last computed under (a change of settings recomputes too). */
  #audienceStamps = new Map<string, string>();
  /** (entity, audience) evaluations since start: the benchmark's denominator. */
  #evaluations = 0;

  constructor(deps: MembershipStageDeps) {
    this.#deps = deps;
  }

  /** Evaluations of one audience on one entity since start. */
  get evaluations(): number {
    return this.#evaluations;
  }

  /** The active audiences as last loaded (undefined before the first batch). */
  get active(): ActiveAudiences | undefined {
    return this.#set;
  }

  async process(
    trx: Db,
    events: readonly LoggedEvent[],
    identity: IdentityBatchResult,
    profiles: ReadonlyMap<string, WorkingProfile>,
    created: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    const now = this.#deps.clock.now();
    const set = await this.#refresh(trx, now);
    const absorbed = identity.merged.flatMap((m) => m.absorbed);
    const writes = pendingWrites();
    const loader = new InputLoader(trx, this.#deps.sources, now, { readsConsent: set.readsConsent });

    // What the batch says about each person: the event types that arrived, the last event.
    const typesOf = new Map<string, Set<string>>();
    const lastSeqOf = new Map<string, number>();
    for (const event of events) {
      const profileId = identity.resolved.get(event.seq);
      if (profileId === null || profileId === undefined) continue;
      let types = typesOf.get(profileId);
      if (!types) typesOf.set(profileId, (types = new Set()));
      types.add(`${event.sourceId}/${event.type}`);
      lastSeqOf.set(profileId, event.seq);
    }

    const tracked = set.tracked(now.getTime());
    const activities =
      tracked.size > 0 || absorbed.length > 0 || identity.split.length > 0
        ? await this.#updateActivity(trx, events, identity, [...profiles.keys()], tracked, now)
        : new Map<string, Activity>([...profiles.keys()].map((id) => [id, {}])); // nothing is counted: no activity to read
    if (absorbed.length > 0) await this.#absorb(trx, loader, absorbed, identity, writes, now);
    if (set.list.length === 0) return flushWrites(trx, writes);

    const persons = [...profiles.keys()];
    await loader.loadPersons(persons, { profiles, activities });
    const step = this.#step(set, loader, writes);
    // A new person, and a merge's survivor, are evaluated on every audience ("never logged in" holds from the start).
    const survivors = new Set(identity.merged.map((m) => m.survivor));
    const rebuilt = splitParts(identity);
    const whole = (id: string) => survivors.has(id) || created.has(id) || rebuilt.has(id);
    const rescored = this.#rescoredFields();
    for (const id of persons) {
      const affected = whole(id)
        ? set.ofEntity.person
        : set.index
            .affected('person', { eventTypes: typesOf.get(id) ?? [], fields: rescored })
            .flatMap((a) => set.byId.get(a) ?? [])
            .filter((a) => a.audience.mode === 'realtime');
      evaluateEntity(
        step,
        'person',
        id,
        affected,
        { reason: survivors.has(id) ? 'merged' : 'event', decidedBy: `seq:${lastSeqOf.get(id) ?? ''}`, eventSeq: lastSeqOf.get(id) },
        whole(id),
      );
    }
    const last = events.at(-1)?.seq;
    await evaluateEntitiesAbove(step, persons, { reason: 'event', decidedBy: `seq:${last ?? ''}`, eventSeq: last }, events);
    await flushWrites(trx, writes);
  }

  /**
   * Profiles whose aggregate windows moved with time (the profile stage's scheduler step): every
   * person audience is evaluated on them, and the account and organisation audiences above them.
   */
  async reevaluate(trx: Db, profiles: ReadonlyMap<string, WorkingProfile>): Promise<void> {
    if (profiles.size === 0) return;
    const now = this.#deps.clock.now();
    const set = await this.#refresh(trx, now);
    if (set.list.length === 0) return;
    const writes = pendingWrites();
    const loader = new InputLoader(trx, this.#deps.sources, now, { readsConsent: set.readsConsent });
    const persons = [...profiles.keys()];
    await loader.loadPersons(persons, { profiles });
    const decidedBy = `at:${now.toISOString()}`;
    const step = this.#step(set, loader, writes);
    for (const id of persons) evaluateEntity(step, 'person', id, set.ofEntity.person, { reason: 'time', decidedBy }, true);
    await evaluateEntitiesAbove(step, persons, { reason: 'time', decidedBy });
    await flushWrites(trx, writes);
  }

  /**
   * The scheduler's step: due wake-ups, else persons whose consent was recorded, else a chunk of
   * a definition's materialisation. Answers how much it did (0: nothing to do).
   */
  async advance(trx: Db): Promise<number> {
    const now = this.#deps.clock.now();
    const set = await this.#refresh(trx, now);
    const due = await membershipStore.dueWakeups(trx, now.toISOString(), this.#deps.wakeChunk ?? 2000);
    if (due.length > 0) {
      const writes = pendingWrites();
      const loader = new InputLoader(trx, this.#deps.sources, now, { readsConsent: set.readsConsent });
      const timeCause = { reason: 'time' as const, decidedBy: `at:${now.toISOString()}` };
      const of = (entity: EntityType) => due.filter((d) => d.entity === entity).map((d) => d.id);
      await loader.loadPersons(of('person'));
      await loader.loadAccounts(of('account'));
      await loader.loadOrganisations(of('organisation'));
      const step = this.#step(set, loader, writes);
      for (const { entity, id, wakeAt } of due) {
        if (entity === 'person' && !loader.hasProfile(id)) {
          writes.exact.person.set(id, null);
          continue;
        }
        // Nothing changes with time between an entity's last evaluation and its wake-up, so a consent
        // that changed since then (a grant's expiry) changed in [wake-up, now]: the reason is consent.
        const input = loader.input(entity, id);
        const causeOf = (active: ActiveAudience): Cause => {
          const changed = consentChangeWithin(input, set.index.dependencies(active.audience.id), Date.parse(wakeAt), now.getTime());
          return changed === null ? timeCause : { reason: 'consent', decidedBy: `consent-at:${new Date(changed).toISOString()}` };
        };
        evaluateEntity(step, entity, id, set.ofEntity[entity], causeOf, true);
      }
      await flushWrites(trx, writes);
      return due.length;
    }
    const count = (n: number) => void (this.#evaluations += n);
    const consented = await reevaluateConsentChanges(trx, { set, now, sources: this.#deps.sources, count });
    if (consented > 0) return consented;
    return materialiseStep(trx, {
      set,
      now,
      sources: this.#deps.sources,
      log: this.#deps.log,
      chunk: this.#deps.recomputeChunk ?? 2000,
      count,
    });
  }

  /** Forgets everything derived (a rebuild from the log). */
  async reset(trx: Db): Promise<void> {
    await membershipStore.reset(trx);
    await trx.deleteFrom('index_checkpoints').where('name', '=', CONSENT_MARK).execute();
    this.#set = undefined;
    this.#stamp = undefined;
    this.#audienceStamps = new Map();
  }

  /** Forgets the definitions held (a batch failed: what it marked for recompute was rolled back). */
  forget(): void {
    this.#set = undefined;
    this.#stamp = undefined;
    this.#audienceStamps = new Map();
  }

  // ---- definitions ------------------------------------------------------------------------------

  /**
   * The active audiences, reloaded when a definition or its settings changed (another thread or
   * process writes them; a small query per batch notices). A changed audience, and every audience
   * that uses it, is marked for materialisation; activity the new set needs is filled from the log.
   */
  async #refresh(trx: Db, now: Date): Promise<ActiveAudiences> {
    const rows = await trx
      .selectFrom('audiences')
      .select(['id', 'current_version', 'updated_at'])
      .where('status', '=', 'active')
      .orderBy('id')
      .execute();
    const stamp = definitionsStamp(rows);
    if (this.#set && stamp === this.#stamp) return this.#set;
    const sources = this.#deps.sources;
    const set = activeAudiences(await audiencesStore.currentDefinitions(trx), {
      catalogue: sources.catalogue(),
      retainedEventDays: this.#deps.retainedEventDays > 0 ? this.#deps.retainedEventDays : Number.POSITIVE_INFINITY,
      now: now.getTime(),
    });
    for (const bad of set.invalid)
      this.#deps.log.warn({ audienceId: bad.audienceId, issues: bad.issues }, 'audience definition no longer valid; it is not evaluated');
    await this.#backfillActivity(trx, set, now);

    // Which audiences must be computed over every entity again.
    const stamps = new Map(rows.map((r) => [r.id, `${r.current_version}@${r.updated_at}`]));
    const stored = await membershipStore.materialisations(trx);
    const changed = new Set<string>();
    for (const a of set.list) {
      const m = stored.get(a.audience.id);
      const known = this.#audienceStamps.get(a.audience.id);
      const settingsChanged = known !== undefined && known !== stamps.get(a.audience.id);
      if (!m || m.targetVersion !== a.audience.version || settingsChanged) changed.add(a.audience.id);
    }
    for (const id of [...changed]) for (const user of set.index.dependents(id)) changed.add(user);
    const nowText = now.toISOString();
    for (const id of changed) {
      const a = set.byId.get(id) as ActiveAudience;
      await membershipStore.setMaterialisation(trx, id, { version: 0, targetVersion: a.audience.version, cursor: null }, nowText);
    }
    // Archived audiences (or ones no longer valid) keep no members; channels are told once per
    // audience (`audience.archived`, with how many members it had), not once per member.
    const gone = [...stored.keys()].filter((id) => !set.byId.has(id));
    for (const id of gone) {
      const { members } = await membershipStore.counts(trx, id);
      await membershipStore.removeAudience(trx, id);
      const invalid = set.invalid.find((b) => b.audienceId === id);
      const data = { audienceId: id, members, reason: invalid ? 'invalid' : 'archived', at: nowText };
      await trx
        .insertInto('outbox')
        .values({
          id: messageId('audience.archived', id, nowText),
          type: 'audience.archived',
          subject: id,
          data: JSON.stringify(data),
          created_at: nowText,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }

    this.#set = set;
    this.#stamp = stamp;
    this.#audienceStamps = stamps;
    return set;
  }

  /**
   * Fills the activity of event types the set newly needs (or needs from earlier, or with more
   * properties) from the log: each retained event of the type, to the profile its anchor belongs
   * to now (following merges).
   */
  async #backfillActivity(trx: Db, set: ActiveAudiences, now: Date): Promise<void> {
    const needed = set.tracked(now.getTime());
    const held = await membershipStore.trackedEvents(trx);
    const missing = [...needed].filter(([type, need]) => !covers(held.get(type), need));
    if (missing.length > 0 || needed.size !== held.size) await membershipStore.writeTrackedEvents(trx, needed, now.toISOString());
    for (const [type, need] of missing)
      await readActivityFromLog(trx, type, need, async (chunk) => {
        const activities = await membershipStore.activities(trx, [...chunk.keys()]);
        for (const [profileId, occurrences] of chunk) {
          const activity = activities.get(profileId) ?? {};
          for (const occurrence of occurrences) recordOccurrence(activity, type, occurrence);
          activities.set(profileId, activity);
        }
        await membershipStore.writeActivities(trx, activities, now.toISOString());
      });
  }

  // ---- activity -------------------------------------------------------------------------------

  /** Records the batch's counted events into the persons' activity; folds absorbed persons' into survivors. */
  async #updateActivity(
    trx: Db,
    events: readonly LoggedEvent[],
    identity: IdentityBatchResult,
    persons: readonly string[],
    tracked: ReadonlyMap<string, TrackedEvent>,
    now: Date,
  ): Promise<Map<string, Activity>> {
    const absorbed = identity.merged.flatMap((m) => m.absorbed);
    const activities = await membershipStore.activities(trx, [...persons, ...absorbed]);
    const changed = new Set<string>();
    for (const m of identity.merged) {
      let merged = activities.get(m.survivor) ?? {};
      for (const id of m.absorbed) {
        const other = activities.get(id);
        if (other) merged = mergeActivity(merged, other);
        activities.delete(id);
      }
      activities.set(m.survivor, merged);
      changed.add(m.survivor);
    }
    // A split divides a person's events: each part's activity is read again from its own events.
    const before = events[0]?.seq ?? Number.MAX_SAFE_INTEGER;
    for (const id of splitParts(identity)) {
      const own = await personEvents(trx, this.#deps.eventLog ?? { bySeq: readEventsBySeq }, id, before);
      const activity: Activity = {};
      for (const event of own ?? []) {
        const type = `${event.sourceId}/${event.type}`;
        const keep = tracked.get(type);
        if (keep) recordOccurrence(activity, type, occurrenceOf(event, keep));
      }
      activities.set(id, activity);
      changed.add(id);
    }
    if (tracked.size > 0)
      for (const event of events) {
        const profileId = identity.resolved.get(event.seq);
        if (profileId === null || profileId === undefined) continue;
        const type = `${event.sourceId}/${event.type}`;
        const keep = tracked.get(type);
        if (!keep) continue;
        const activity = activities.get(profileId) ?? {};
        const occurrence = occurrenceOf(event, keep);
        if (recordOccurrence(activity, type, occurrence)) changed.add(profileId);
        activities.set(profileId, activity);
      }
    const written = new Map<string, Activity>();
    for (const id of changed) {
      const trimmed = trimActivity(activities.get(id) ?? {}, tracked);
      activities.set(id, trimmed);
      written.set(id, trimmed);
    }
    await membershipStore.writeActivities(trx, written, now.toISOString());
    if (absorbed.length > 0) await membershipStore.removeActivities(trx, absorbed);
    for (const id of persons) if (!activities.has(id)) activities.set(id, {});
    return activities;
  }

  /** A merged-away profile leaves every audience: `audience.exited` with reason `merged`. */
  async #absorb(
    trx: Db,
    loader: InputLoader,
    absorbed: readonly string[],
    identity: IdentityBatchResult,
    writes: PendingWrites,
    now: Date,
  ): Promise<void> {
    await loader.loadMemberships(absorbed);
    const survivorOf = new Map(identity.merged.flatMap((m) => m.absorbed.map((a) => [a, m.survivor] as const)));
    for (const id of absorbed) {
      for (const row of loader.membershipsOf(id).values()) {
        const data = {
          audienceId: row.audienceId,
          version: row.version,
          entity: 'person',
          memberId: id,
          heldOut: row.heldOut,
          reason: 'merged',
          mergedInto: survivorOf.get(id) ?? null,
          at: now.toISOString(),
          enteredAt: row.enteredAt,
        };
        writes.messages.push({
          id: messageId('audience.exited', row.audienceId, row.version, id, 'merged'),
          type: 'audience.exited',
          subject: id,
          data: JSON.stringify(data),
          created_at: now.toISOString(),
        });
      }
      writes.exact.person.set(id, null);
    }
    await membershipStore.removeEntities(trx, absorbed);
  }

  // ---- evaluation -----------------------------------------------------------------------------

  #step(set: ActiveAudiences, loader: InputLoader, writes: PendingWrites): EvaluationStep {
    return { set, loader, writes, count: (n) => void (this.#evaluations += n) };
  }

  /** Person fields a rescore may change with no event feeding them (scores move with time and with other fields). */
  #rescoredFields(): string[] {
    return this.#deps.sources
      .catalogue()
      .fields.person.filter((f) => f.domain === 'scores')
      .map((f) => f.id);
  }
}

/** An event as an activity occurrence, with the properties kept of its type. */
const occurrenceOf = (event: LoggedEvent, keep: TrackedEvent) => ({
  at: Date.parse(event.occurredAt),
  eventId: event.eventId,
  properties: keptProperties(event.payload.properties, keep.properties),
});

/** The persons a batch's splits leave (not those merged away in the same batch). */
const splitParts = (identity: IdentityBatchResult): Set<string> => {
  const parts = new Set(identity.split.flatMap((s) => [s.from, ...s.into]));
  for (const m of identity.merged) for (const id of m.absorbed) parts.delete(id);
  return parts;
};
