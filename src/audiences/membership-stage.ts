import { sql } from 'kysely';
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
import { isHeldOut } from './holdout.js';
import { nextRunAfter } from './schedule.js';
import { ENTITY_TABLES, membershipStore, type MemberRow } from './membership.store.js';
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
 * type, and a new or edited definition is materialised over every entity, a chunk at a time,
 * resuming where it stopped after a restart.
 */

export type MembershipReason = 'event' | 'time' | 'definition' | 'schedule' | 'consent' | 'merged';

/** What decided an evaluation: the reason, a key naming the decision (for outbox ids), and the event when one did. */
interface Cause {
  readonly reason: MembershipReason;
  readonly decidedBy: string;
  /** The entity's last event in the batch (log sequence): consumers can trace the change to it. */
  readonly eventSeq?: number | undefined;
}

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

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

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
      this.#evaluate(
        loader,
        'person',
        id,
        affected,
        { reason: survivors.has(id) ? 'merged' : 'event', decidedBy: `seq:${lastSeqOf.get(id) ?? ''}`, eventSeq: lastSeqOf.get(id) },
        writes,
        whole(id),
      );
    }
    const last = events.at(-1)?.seq;
    await this.#evaluateEntitiesOf(loader, persons, writes, { reason: 'event', decidedBy: `seq:${last ?? ''}`, eventSeq: last }, events);
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
    for (const id of persons) this.#evaluate(loader, 'person', id, set.ofEntity.person, { reason: 'time', decidedBy }, writes, true);
    await this.#evaluateEntitiesOf(loader, persons, writes, { reason: 'time', decidedBy });
    await flushWrites(trx, writes);
  }

  /**
   * The scheduler's step: due wake-ups, then a chunk of a definition's materialisation. Answers
   * how many entities it evaluated (0: nothing to do).
   */
  async advance(trx: Db): Promise<number> {
    const now = this.#deps.clock.now();
    const set = await this.#refresh(trx, now);
    const due = await membershipStore.dueWakeups(trx, now.toISOString(), this.#deps.wakeChunk ?? 2000);
    if (due.length > 0) {
      const writes = pendingWrites();
      const loader = new InputLoader(trx, this.#deps.sources, now, { readsConsent: set.readsConsent });
      const decidedBy = `at:${now.toISOString()}`;
      const of = (entity: EntityType) => due.filter((d) => d.entity === entity).map((d) => d.id);
      await loader.loadPersons(of('person'));
      await loader.loadAccounts(of('account'));
      await loader.loadOrganisations(of('organisation'));
      for (const { entity, id } of due) {
        if (entity === 'person' && !loader.hasProfile(id)) {
          writes.exact.person.set(id, null);
          continue;
        }
        this.#evaluate(loader, entity, id, set.ofEntity[entity], { reason: 'time', decidedBy }, writes, true);
      }
      await flushWrites(trx, writes);
      return due.length;
    }
    const consented = await this.#consentChanges(trx, set, now);
    if (consented > 0) return consented;
    return this.#recomputeStep(trx, set, now);
  }

  /**
   * Persons whose consent changed since the last look (a grant, a withdrawal over the API or from
   * the CRM) are evaluated on the real-time audiences with consent conditions, and the account and
   * organisation audiences above them. Reads a little before the last mark, so a consent event
   * committed late is not missed (evaluating a person twice changes nothing).
   */
  async #consentChanges(trx: Db, set: ActiveAudiences, now: Date): Promise<number> {
    if (!set.readsConsent) return 0;
    const mark = await trx.selectFrom('index_checkpoints').select('seq').where('name', '=', CONSENT_MARK).executeTakeFirst();
    const since = mark === undefined ? null : new Date(Number(mark.seq) - CONSENT_OVERLAP_MS).toISOString();
    let query = trx.selectFrom('consent_events').select(['subject', 'recorded_at']).orderBy('recorded_at').limit(5000);
    if (since !== null) query = query.where('recorded_at', '>', since);
    const rows = await query.execute();
    const latest = rows.at(-1)?.recorded_at;
    const fresh = mark === undefined ? rows : rows.filter((r) => Date.parse(r.recorded_at) > Number(mark.seq));
    if (latest !== undefined && (mark === undefined || Date.parse(latest) > Number(mark.seq))) {
      const seq = Date.parse(latest);
      await trx
        .insertInto('index_checkpoints')
        .values({ name: CONSENT_MARK, seq, updated_at: now.toISOString() })
        .onConflict((oc) => oc.column('name').doUpdateSet({ seq, updated_at: now.toISOString() }))
        .execute();
    }
    if (fresh.length === 0) return 0;
    const persons = await membershipStore.profilesOfConsentSubjects(
      trx,
      fresh.map((r) => r.subject),
    );
    const audiences = set.ofEntity.person.filter((a) => (set.index.dependencies(a.audience.id)?.own.consentPurposes.size ?? 0) > 0);
    const writes = pendingWrites();
    const loader = new InputLoader(trx, this.#deps.sources, now, { readsConsent: true });
    await loader.loadPersons(persons);
    const cause = { reason: 'consent' as const, decidedBy: `consent:${latest ?? ''}` };
    for (const id of persons) if (loader.hasProfile(id)) this.#evaluate(loader, 'person', id, audiences, cause, writes, false);
    await this.#evaluateEntitiesOf(loader, persons, writes, cause);
    await flushWrites(trx, writes);
    return fresh.length;
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

  /** Person fields a rescore may change with no event feeding them (scores move with time and with other fields). */
  #rescoredFields(): string[] {
    return this.#deps.sources
      .catalogue()
      .fields.person.filter((f) => f.domain === 'scores')
      .map((f) => f.id);
  }

  /** Account and organisation audiences above the persons (their accounts', their organisations'), and those the batch's events name. */
  async #evaluateEntitiesOf(
    loader: InputLoader,
    persons: readonly string[],
    writes: PendingWrites,
    cause: Cause,
    events: readonly LoggedEvent[] = [],
  ): Promise<void> {
    const set = this.#set as ActiveAudiences;
    if (set.ofEntity.account.length === 0 && set.ofEntity.organisation.length === 0) return;
    const accounts = new Set(loader.accountsOfPersons(persons));
    for (const e of events) {
      const accountId = e.payload.identifiers.accountId;
      if (typeof accountId === 'string') accounts.add(accountId);
      if (`${e.sourceId}/${e.type}` === 'reference/organisation' && Array.isArray(e.payload.properties.accountIds))
        for (const a of e.payload.properties.accountIds) if (typeof a === 'string') accounts.add(a);
    }
    const organisations = new Set(await loader.organisationsOfAccounts([...accounts]));
    for (const e of events)
      if (`${e.sourceId}/${e.type}` === 'reference/organisation' && typeof e.payload.properties.inn === 'string')
        organisations.add(e.payload.properties.inn);
    if (set.ofEntity.account.length > 0) {
      await loader.loadAccounts(accounts);
      for (const id of accounts) this.#evaluate(loader, 'account', id, set.ofEntity.account, cause, writes, true);
    }
    if (set.ofEntity.organisation.length > 0) {
      await loader.loadOrganisations(organisations);
      for (const id of organisations) this.#evaluate(loader, 'organisation', id, set.ofEntity.organisation, cause, writes, true);
    }
  }

  /**
   * Evaluates the audiences on one entity and records what changed. `complete` says the list is
   * every audience of the entity's type, so the wake-up found is exact; otherwise it may only
   * bring the stored one earlier.
   */
  #evaluate(
    loader: InputLoader,
    entity: EntityType,
    id: string,
    audiences: readonly ActiveAudience[],
    cause: Cause,
    writes: PendingWrites,
    complete: boolean,
  ): void {
    if (audiences.length === 0) return;
    const nowMs = loader.now.getTime();
    const nowText = loader.now.toISOString();
    const memberships = loader.membershipsOf(id);
    let wake: number | null = null;
    const input = loader.input(entity, id);
    this.#evaluations += audiences.length;
    for (const active of audiences) {
      const { audience, compiled } = active;
      const result = compiled.membership(input, nowMs);
      if (result.nextChangeAt !== null && (wake === null || result.nextChangeAt < wake)) wake = result.nextChangeAt;
      const before = memberships.get(audience.id);
      const next = iso(result.nextChangeAt);
      if (result.member && before === undefined) {
        const evaluation = compiled.evaluate(input, nowMs);
        const row: MemberRow = {
          audienceId: audience.id,
          memberId: id,
          version: audience.version,
          enteredAt: nowText,
          explanation: JSON.stringify(evaluation),
          heldOut: isHeldOut(id, audience.id, audience.holdoutPercent),
          nextChangeAt: next,
        };
        memberships.set(audience.id, row);
        writes.upserts.push(row);
        this.#message(writes, 'audience.entered', row, entity, cause, evaluation, nowText);
      } else if (!result.member && before !== undefined) {
        const evaluation = compiled.evaluate(input, nowMs);
        memberships.delete(audience.id);
        let removed = writes.removals.get(audience.id);
        if (!removed) writes.removals.set(audience.id, (removed = []));
        removed.push(id);
        this.#message(writes, 'audience.exited', { ...before, version: audience.version }, entity, cause, evaluation, nowText);
      } else if (before !== undefined) {
        const heldOut = isHeldOut(id, audience.id, audience.holdoutPercent);
        // Only a new version or holdout share rewrites the row: the next change moves with almost every event, and
        // the entity's wake-up (audience_wakeups), not this column, is what the scheduler reads.
        if (before.version !== audience.version || before.heldOut !== heldOut) {
          // Still a member: the explanation is renewed under a new version, kept otherwise.
          const explanation = before.version !== audience.version ? JSON.stringify(compiled.evaluate(input, nowMs)) : before.explanation;
          const row: MemberRow = { ...before, version: audience.version, explanation, heldOut, nextChangeAt: next };
          memberships.set(audience.id, row);
          writes.upserts.push(row);
        }
      }
    }
    (complete ? writes.exact : writes.earlier)[entity].set(id, iso(wake));
  }

  #message(
    writes: PendingWrites,
    type: 'audience.entered' | 'audience.exited',
    row: MemberRow,
    entity: EntityType,
    cause: Cause,
    evaluation: unknown,
    now: string,
  ): void {
    const data = {
      audienceId: row.audienceId,
      version: row.version,
      entity,
      memberId: row.memberId,
      heldOut: row.heldOut,
      reason: cause.reason,
      ...(cause.eventSeq !== undefined ? { eventSeq: cause.eventSeq } : {}),
      at: now,
      enteredAt: row.enteredAt,
      explanation: evaluation,
    };
    writes.messages.push({
      id: messageId(type, row.audienceId, row.version, row.memberId, cause.decidedBy),
      type,
      subject: row.memberId,
      data: JSON.stringify(data),
      created_at: now,
    });
  }

  // ---- materialisation ------------------------------------------------------------------------

  /**
   * One chunk of materialisation: the first audience (in evaluation order) whose membership is not
   * materialised for its version, or whose schedule has come round, with every other such audience
   * of the same entity type at the same place — audiences created or edited together are computed
   * in one pass over the entities.
   */
  async #recomputeStep(trx: Db, set: ActiveAudiences, now: Date): Promise<number> {
    const state = await membershipStore.materialisations(trx);
    const nowMs = now.getTime();
    // A scheduled audience is run again when its time has come since it was last complete.
    const due = (a: ActiveAudience, m: { readonly updatedAt: string }) =>
      a.audience.schedule !== null && nextRunAfter(a.audience.schedule, Date.parse(m.updatedAt)) <= nowMs;
    const pendingAudiences = set.list.filter((a) => {
      const m = state.get(a.audience.id);
      return !m || m.version !== a.audience.version || m.cursor !== null || (a.audience.mode === 'scheduled' && due(a, m));
    });
    const [first] = pendingAudiences;
    if (!first) return 0;
    const cursorOf = (a: ActiveAudience): string | null => {
      const m = state.get(a.audience.id);
      return m && m.targetVersion === a.audience.version ? m.cursor : null;
    };
    const after = cursorOf(first);
    const entity = first.audience.entity;
    const group = pendingAudiences.filter((a) => a.audience.entity === entity && cursorOf(a) === after);

    const chunk = this.#deps.recomputeChunk ?? 2000;
    const { table, key } = ENTITY_TABLES[entity];
    let query = trx.selectFrom(table).select(sql<string>`${sql.ref(key)}`.as('id'));
    if (after !== null) query = query.where(sql.ref(key), '>', after);
    const ids = (await query.orderBy(sql.ref(key)).limit(chunk).execute()).map((r) => r.id);
    const done = ids.length < chunk;
    const upTo = done ? null : (ids.at(-1) as string);

    const writes = pendingWrites();
    const loader = new InputLoader(trx, this.#deps.sources, now, { readsConsent: set.readsConsent });
    if (entity === 'person') await loader.loadPersons(ids);
    else if (entity === 'account') await loader.loadAccounts(ids);
    else await loader.loadOrganisations(ids);
    const present = new Set(ids);
    for (const target of group) {
      const scheduledRun = target.audience.mode === 'scheduled' && state.get(target.audience.id)?.version === target.audience.version;
      const cause = scheduledRun
        ? { reason: 'schedule' as const, decidedBy: `run:${now.toISOString()}` }
        : { reason: 'definition' as const, decidedBy: `v:${target.audience.version}` };
      for (const id of ids) this.#evaluate(loader, entity, id, [target], cause, writes, false);
      // Members in the range whose entity is gone (a profile merged away before this version).
      const stale = (await membershipStore.memberIds(trx, target.audience.id, { after, upTo })).filter((id) => !present.has(id));
      if (stale.length > 0) await membershipStore.removeMembers(trx, target.audience.id, stale);
    }
    await flushWrites(trx, writes);
    for (const target of group) {
      const version = target.audience.version;
      await membershipStore.setMaterialisation(
        trx,
        target.audience.id,
        done ? { version, targetVersion: version, cursor: null } : { version: 0, targetVersion: version, cursor: upTo },
        now.toISOString(),
      );
      if (done) this.#deps.log.info({ audienceId: target.audience.id, version }, 'audience materialised');
    }
    return Math.max(ids.length, 1);
  }
}

const CONSENT_MARK = 'audience-consent';
/** How far before its last mark the consent look reads again (a consent event's commit may lag its time). */
const CONSENT_OVERLAP_MS = 5000;

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
