import type { LoggedEvent } from '../bus/index.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { IdentityBatchResult } from '../identity/index.js';
import type { Db } from '../storage/index.js';
import {
  applyEvent,
  emptyState,
  nextChange,
  readWindows,
  restoreState,
  type AggregateState,
  type CompiledAggregate,
  type WindowValues,
} from './aggregates/index.js';
import { mergeAggregateStates } from './aggregate-merge.js';
import { applyProfileEvent, EMPTY_STATE, mergeProfileStates, timeZoneOf, type ProfileState } from './profile-state.js';
import { profilesStore, type StoredProfile } from './profiles.store.js';
import type { ProfileScorer, Scores } from './profile-scores.js';

export interface ProfileStageOptions {
  readonly aggregates: readonly CompiledAggregate[];
  readonly defaultTimeZone: string;
  readonly lateHorizonDays: number;
  readonly sourcePriority: Readonly<Record<string, number>>;
}

/** A profile as the stage holds it between load and write. */
export interface WorkingProfile {
  readonly profileId: string;
  state: ProfileState;
  aggregates: Record<string, AggregateState>;
  scores: Scores | null;
  timeZone: string;
}

export interface ProfileBatchResult {
  readonly profiles: number;
  /** Events an aggregate refused as older than the late horizon (a data-quality signal). */
  readonly tooLate: number;
}

/**
 * The pipeline's second stage (issue 5): every resolved event updates its person's state and
 * rolling aggregates, in the batch's transaction. Merges fold the absorbed profiles' state into the
 * survivor; a split rebuilds the persons' state from their events. Scores are recomputed for every
 * profile the batch touched, and a significant change goes to the outbox as `score.changed`.
 */
export class ProfileStage {
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #options: ProfileStageOptions;
  readonly #scorer: ProfileScorer;
  /** The aggregates each `source/type` feeds, found once per event type. */
  readonly #aggregatesOf = new Map<string, readonly CompiledAggregate[]>();

  constructor(deps: { clock: Clock; ids: IdGenerator; options: ProfileStageOptions; scorer: ProfileScorer }) {
    this.#clock = deps.clock;
    this.#ids = deps.ids;
    this.#options = deps.options;
    this.#scorer = deps.scorer;
  }

  get aggregates(): readonly CompiledAggregate[] {
    return this.#options.aggregates;
  }

  async process(trx: Db, events: readonly LoggedEvent[], identity: IdentityBatchResult): Promise<ProfileBatchResult> {
    const now = this.#clock.now();
    const touched = new Set<string>();
    for (const profile of identity.resolved.values()) if (profile !== null) touched.add(profile);
    for (const m of identity.merged) touched.add(m.survivor);
    const absorbed = identity.merged.flatMap((m) => m.absorbed);
    const working = await this.load(trx, [...touched, ...absorbed]);

    for (const m of identity.merged) {
      const survivor = this.#get(working, m.survivor);
      for (const id of m.absorbed) {
        const other = working.get(id);
        if (!other) continue;
        survivor.state = mergeProfileStates(survivor.state, other.state);
        for (const aggregate of this.#options.aggregates) {
          const a = survivor.aggregates[aggregate.definition.id];
          const b = other.aggregates[aggregate.definition.id];
          if (a && b) survivor.aggregates[aggregate.definition.id] = mergeAggregateStates(a, b, aggregate);
          else if (b) survivor.aggregates[aggregate.definition.id] = b;
        }
        working.delete(id);
      }
    }

    let tooLate = 0;
    for (const event of events) {
      const profileId = identity.resolved.get(event.seq);
      if (profileId === null || profileId === undefined) continue;
      tooLate += this.apply(this.#get(working, profileId), event);
    }

    const rows: StoredProfile[] = [];
    const changes: { profileId: string; data: unknown }[] = [];
    for (const profile of working.values()) {
      if (!touched.has(profile.profileId)) continue;
      this.#rescore(profile, now, changes);
      rows.push(this.toRow(profile, now));
    }
    await profilesStore.write(trx, rows);
    if (absorbed.length > 0) await profilesStore.remove(trx, absorbed);
    await this.#outbox(trx, changes, now.toISOString());
    return { profiles: rows.length, tooLate };
  }

  /**
   * The scheduler's step: profiles whose aggregate windows changed because time passed (a day
   * left a window) are rescored and get their next wake-up, with no event needed. Answers how
   * many it advanced.
   */
  async advance(trx: Db, limit = 5000): Promise<number> {
    const now = this.#clock.now();
    const due = await profilesStore.due(trx, now.toISOString(), limit);
    if (due.length === 0) return 0;
    const working = await this.load(trx, due);
    const changes: { profileId: string; data: unknown }[] = [];
    const rows: StoredProfile[] = [];
    for (const profile of working.values()) {
      this.#rescore(profile, now, changes);
      rows.push(this.toRow(profile, now));
    }
    await profilesStore.write(trx, rows);
    await this.#outbox(trx, changes, now.toISOString());
    return rows.length;
  }

  #rescore(profile: WorkingProfile, now: Date, changes: { profileId: string; data: unknown }[]): void {
    if (this.#scorer.model === null) return;
    const scores = this.#scorer.score(profile, this.windowsOf(profile, now), now);
    const changed = this.#scorer.changed(profile.scores, scores);
    if (changed)
      changes.push({
        profileId: profile.profileId,
        data: { profileId: profile.profileId, previous: profile.scores, scores, reasons: changed },
      });
    profile.scores = scores;
  }

  /**
   * Applies one logged event to a working profile; answers how many aggregates refused it as too
   * late. Lateness is judged against the profile's own watermark — the latest event time it has
   * seen — not the wall clock: a history loaded today counts exactly as it would have live, a
   * backlog or a rebuild from the log counts what the live run counted, and an event older than
   * the watermark by more than the horizon is refused.
   */
  apply(profile: WorkingProfile, event: LoggedEvent): number {
    const at = Date.parse(event.occurredAt);
    const seen = profile.state.lastEventAt === null ? at : Date.parse(profile.state.lastEventAt);
    const watermark = Math.max(seen, at);
    const ref = { seq: event.seq, sourceId: event.sourceId, eventId: event.eventId, type: event.type, at: event.occurredAt };
    profile.state = applyProfileEvent(profile.state, { ...ref, properties: event.payload.properties }, this.#options.sourcePriority);
    profile.timeZone = timeZoneOf(profile.state, this.#options.defaultTimeZone);
    const aggregateEvent = {
      sourceId: event.sourceId,
      type: event.type,
      eventId: event.eventId,
      occurredAt: at,
      properties: event.payload.properties,
    };
    const kind = `${event.sourceId}/${event.type}`;
    let fed = this.#aggregatesOf.get(kind);
    if (!fed) this.#aggregatesOf.set(kind, (fed = this.#options.aggregates.filter((a) => a.matches(event.sourceId, event.type))));
    let tooLate = 0;
    for (const aggregate of fed) {
      const id = aggregate.definition.id;
      const state = profile.aggregates[id] ?? emptyState(aggregate);
      const outcome = applyEvent(state, aggregate, aggregateEvent, {
        timeZone: profile.timeZone,
        now: watermark,
        lateHorizonDays: this.#options.lateHorizonDays,
      });
      if (outcome === 'applied') profile.aggregates[id] = state;
      else if (outcome === 'too_late') tooLate++;
    }
    return tooLate;
  }

  windowsOf(profile: WorkingProfile, now: Date): Record<string, WindowValues> {
    const out: Record<string, WindowValues> = {};
    for (const aggregate of this.#options.aggregates) {
      const state = profile.aggregates[aggregate.definition.id];
      out[aggregate.definition.id] = readWindows(state ?? emptyState(aggregate), aggregate, { now, timeZone: profile.timeZone });
    }
    return out;
  }

  toRow(profile: WorkingProfile, now: Date): StoredProfile {
    let next: number | null = null;
    for (const aggregate of this.#options.aggregates) {
      const state = profile.aggregates[aggregate.definition.id];
      if (!state) continue;
      const at = nextChange(state, aggregate, { now, timeZone: profile.timeZone });
      if (at !== null && (next === null || at.getTime() < next)) next = at.getTime();
    }
    return {
      profileId: profile.profileId,
      state: profile.state,
      aggregates: profile.aggregates,
      scores: profile.scores,
      timeZone: profile.timeZone,
      updatedAt: now.toISOString(),
      nextChangeAt: next === null ? null : new Date(next).toISOString(),
    };
  }

  /** Loads stored profiles for the stage (missing ones start empty when applied to). */
  async load(db: Db, ids: readonly string[]): Promise<Map<string, WorkingProfile>> {
    const stored = await profilesStore.read(db, ids);
    return new Map([...stored].map(([id, row]) => [id, this.working(row)]));
  }

  /** A stored profile as the stage works on it; aggregate states of changed definitions are dropped. */
  working(row: StoredProfile): WorkingProfile {
    const aggregates: Record<string, AggregateState> = {};
    for (const aggregate of this.#options.aggregates) {
      const raw = row.aggregates[aggregate.definition.id];
      if (raw === undefined) continue;
      const { state, status } = restoreState(raw, aggregate);
      if (status === 'restored') aggregates[aggregate.definition.id] = state;
    }
    return { profileId: row.profileId, state: row.state, aggregates, scores: row.scores, timeZone: row.timeZone };
  }

  /** A profile with no state yet. */
  blank(profileId: string): WorkingProfile {
    return { profileId, state: EMPTY_STATE, aggregates: {}, scores: null, timeZone: this.#options.defaultTimeZone };
  }

  #get(working: Map<string, WorkingProfile>, profileId: string): WorkingProfile {
    let profile = working.get(profileId);
    if (!profile) {
      profile = this.blank(profileId);
      working.set(profileId, profile);
    }
    return profile;
  }

  async #outbox(trx: Db, changes: readonly { profileId: string; data: unknown }[], now: string): Promise<void> {
    for (let i = 0; i < changes.length; i += 500) {
      await trx
        .insertInto('outbox')
        .values(
          changes.slice(i, i + 500).map((c) => ({
            id: this.#ids.next(),
            type: 'score.changed',
            subject: c.profileId,
            data: JSON.stringify(c.data),
            created_at: now,
          })),
        )
        .execute();
    }
  }
}
