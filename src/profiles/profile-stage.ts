import { readEventsBySeq, type EventLog, type LoggedEvent } from '../bus/index.js';
import type { Clock } from '../core/clock.js';
import { sha256Hex } from '../core/hash.js';
import type { IdGenerator } from '../core/ids.js';
import type { IdentityBatchResult } from '../identity/index.js';
import type { Db } from '../storage/index.js';
import {
  applyEvent,
  dailyValues,
  earliestChangeDay,
  emptyState,
  nextChange,
  packState,
  readWindows,
  restoreState,
  unpackState,
  type AggregateState,
  type CompiledAggregate,
  type DailyValue,
  type WindowValues,
} from './aggregates/index.js';
import { localDay, startOfLocalDay } from './aggregates/local-time.js';
import { mergeAggregateStates } from './aggregate-merge.js';
import { applyProfileEvent, EMPTY_STATE, mergeProfileStates, timeZoneOf, type ProfileState } from './profile-state.js';
import { decodeProfileBody, encodeProfileBody, type ProfileBody } from './profile-row.js';
import { personEvents } from './person-events.js';
import { profilesStore, type ProfileRow, type StoredProfile } from './profiles.store.js';
import type { ProfileScorer, Scores } from './profile-scores.js';
import { estimatedBytes, WorkingProfileCache } from './working-profile-cache.js';

export interface ProfileStageOptions {
  readonly aggregates: readonly CompiledAggregate[];
  readonly defaultTimeZone: string;
  readonly lateHorizonDays: number;
  readonly sourcePriority: Readonly<Record<string, number>>;
  /** Memory for profiles kept between batches, in bytes (TESSERA_PROFILE_CACHE_MB; 0: none). */
  readonly cacheBytes?: number;
}

/** Memory for profiles kept between batches unless configured (see TESSERA_PROFILE_CACHE_MB). */
export const DEFAULT_PROFILE_CACHE_BYTES = 128 * 2 ** 20;

/** A profile as the stage holds it between load and write. */
export interface WorkingProfile {
  readonly profileId: string;
  state: ProfileState;
  aggregates: Record<string, AggregateState>;
  scores: Scores | null;
  timeZone: string;
  /**
   * When time alone next changes each aggregate's windows, as last found and kept while the
   * aggregate's state is unchanged: by aggregate position, epoch ms, Infinity for never, NaN for
   * not known; `latest` is when the last of them was found.
   */
  wakeUps?: { readonly timeZone: string; latest: number; readonly at: number[] };
  /** `state.lastEventAt` and its epoch ms, so that each event does not parse it again. */
  lastEvent?: { readonly at: string; readonly ms: number };
}

export interface ProfileBatchResult {
  readonly profiles: number;
  /** Events an aggregate refused as older than the late horizon (a data-quality signal). */
  readonly tooLate: number;
  /** The profiles the batch wrote, as written (the audience stage evaluates them). */
  readonly working: ReadonlyMap<string, WorkingProfile>;
  /** Those of them that had no row before the batch: new persons. */
  readonly created: ReadonlySet<string>;
}

/**
 * The pipeline's second stage (issue 5): every resolved event updates its person's state and
 * rolling aggregates, in the batch's transaction. Merges fold the absorbed profiles' state into the
 * survivor; a split rebuilds the persons' state from their events. Scores are recomputed for every
 * profile the batch touched, and a significant change goes to the outbox as `score.changed`.
 */
export class ProfileStage {
  readonly #clock: Clock;
  readonly #options: ProfileStageOptions;
  readonly #scorer: ProfileScorer;
  /** The aggregates each `source/type` feeds, found once per event type. */
  readonly #aggregatesOf = new Map<string, readonly { readonly aggregate: CompiledAggregate; readonly position: number }[]>();
  readonly #cache: WorkingProfileCache;
  readonly #aggregateById: ReadonlyMap<string, CompiledAggregate>;
  /** ISO texts of the few instants a batch writes (its time, the days' starts profiles wake up at). */
  #isoTexts = new Map<number, string>();

  /** Reads a split person's events back from the log (default: the event log table of the state store). */
  readonly #eventLog: Pick<EventLog, 'bySeq'>;

  constructor(deps: {
    clock: Clock;
    ids: IdGenerator;
    options: ProfileStageOptions;
    scorer: ProfileScorer;
    eventLog?: Pick<EventLog, 'bySeq'>;
  }) {
    this.#clock = deps.clock;
    this.#eventLog = deps.eventLog ?? { bySeq: readEventsBySeq };
    this.#options = deps.options;
    this.#scorer = deps.scorer;
    this.#cache = new WorkingProfileCache(deps.options.cacheBytes ?? DEFAULT_PROFILE_CACHE_BYTES);
    this.#aggregateById = new Map(deps.options.aggregates.map((a) => [a.definition.id, a]));
  }

  /** Profiles held in memory between batches, and the memory they are taken to occupy. */
  get cached(): { readonly profiles: number; readonly bytes: number } {
    return { profiles: this.#cache.size, bytes: this.#cache.bytes };
  }

  /**
   * Drops every profile held in memory: the pipeline calls it when a batch or a scheduler step
   * fails (it holds bodies written, and wake-ups updated, for a transaction that was rolled back) and on a rebuild.
   */
  forgetCache(): void {
    this.#cache.clear();
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
    // A split divides a person's events between profiles: each is rebuilt from its own (below).
    const split = identity.split.length > 0 ? this.#splitProfiles(identity) : new Set<string>();
    for (const id of split) touched.add(id);
    for (const s of identity.split) this.#cache.forget([s.from, ...s.into]);
    const { working, stored } = await this.#load(trx, [...touched, ...absorbed]);

    for (const m of identity.merged) {
      const survivor = this.#get(working, m.survivor);
      for (const id of m.absorbed) {
        const other = working.get(id);
        if (!other) continue;
        survivor.state = mergeProfileStates(survivor.state, other.state);
        survivor.wakeUps = undefined;
        for (const aggregate of this.#options.aggregates) {
          const a = survivor.aggregates[aggregate.definition.id];
          const b = other.aggregates[aggregate.definition.id];
          if (a && b) survivor.aggregates[aggregate.definition.id] = mergeAggregateStates(a, b, aggregate);
          else if (b) survivor.aggregates[aggregate.definition.id] = b;
        }
        working.delete(id);
      }
    }
    this.#cache.forget(absorbed);
    if (split.size > 0) await this.#rebuild(trx, working, split, events[0]?.seq ?? Number.MAX_SAFE_INTEGER);

    let tooLate = 0;
    for (const event of events) {
      const profileId = identity.resolved.get(event.seq);
      if (profileId === null || profileId === undefined) continue;
      tooLate += this.apply(this.#get(working, profileId), event);
    }

    const changes: { profileId: string; data: unknown }[] = [];
    const written = await this.#write(
      trx,
      [...working.values()].filter((p) => touched.has(p.profileId)),
      stored,
      now,
      changes,
    );
    if (absorbed.length > 0) await profilesStore.remove(trx, absorbed);
    await this.#outbox(trx, changes, now.toISOString(), this.#decidingEvents(events, identity));
    return {
      profiles: written,
      tooLate,
      working: new Map([...working].filter(([id]) => touched.has(id))),
      created: new Set([...touched].filter((id) => !stored.has(id))),
    };
  }

  /**
   * Rescores and writes the profiles, and holds them for the next batch. A row whose wake-up has
   * not moved (the common case: it moves once a day) is written without that column, so its index
   * is not touched.
   */
  async #write(
    trx: Db,
    profiles: readonly WorkingProfile[],
    stored: ReadonlyMap<string, string | null>,
    now: Date,
    changes: { profileId: string; data: unknown }[],
  ): Promise<number> {
    const moved: ProfileRow[] = [];
    const kept: ProfileRow[] = [];
    const held: [WorkingProfile, ProfileRow][] = [];
    for (const profile of profiles) {
      this.#rescore(profile, now, changes);
      const row = this.toRow(profile, now);
      const before = stored.get(profile.profileId);
      (before !== undefined && before === row.nextChangeAt ? kept : moved).push(row);
      held.push([profile, row]);
    }
    await profilesStore.write(trx, moved);
    await profilesStore.write(trx, kept, { keepNextChange: true });
    for (const [profile, row] of held)
      this.#cache.set(profile.profileId, {
        body: row.body,
        nextChangeAt: row.nextChangeAt,
        wakeUps: profile.wakeUps,
        bytes: estimatedBytes(row.body.length),
      });
    return profiles.length;
  }

  /**
   * The scheduler's step: profiles whose aggregate windows changed because time passed (a day
   * left a window) are rescored and get their next wake-up, with no event needed. Answers how
   * many it advanced.
   */
  async advance(trx: Db, limit = 5000): Promise<number> {
    return (await this.advanceProfiles(trx, limit)).size;
  }

  /** `advance`, answering the profiles it advanced, as written (the audience stage evaluates them). */
  async advanceProfiles(trx: Db, limit = 5000): Promise<ReadonlyMap<string, WorkingProfile>> {
    const now = this.#clock.now();
    const due = await profilesStore.due(trx, now.toISOString(), limit);
    if (due.length === 0) return new Map();
    const { working, stored } = await this.#load(trx, due);
    const changes: { profileId: string; data: unknown }[] = [];
    await this.#write(trx, [...working.values()], stored, now, changes);
    // Time decided these: the wake-up each profile was due at (a day leaving a window).
    await this.#outbox(trx, changes, now.toISOString(), (profileId) => `wake-up ${stored.get(profileId) ?? ''}`);
    return working;
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
    const lastEventAt = profile.state.lastEventAt;
    const seen =
      lastEventAt === null
        ? at
        : profile.lastEvent !== undefined && profile.lastEvent.at === lastEventAt
          ? profile.lastEvent.ms
          : Date.parse(lastEventAt);
    const watermark = Math.max(seen, at);
    const { properties } = event.payload;
    profile.state = applyProfileEvent(
      profile.state,
      { seq: event.seq, sourceId: event.sourceId, eventId: event.eventId, type: event.type, at: event.occurredAt, properties },
      this.#options.sourcePriority,
    );
    const latest = profile.state.lastEventAt;
    if (latest !== null)
      profile.lastEvent = { at: latest, ms: latest === event.occurredAt ? at : latest === lastEventAt ? seen : Date.parse(latest) };
    profile.timeZone = timeZoneOf(profile.state, this.#options.defaultTimeZone);
    const aggregateEvent = { sourceId: event.sourceId, type: event.type, eventId: event.eventId, occurredAt: at, properties };
    const options = { timeZone: profile.timeZone, now: watermark, lateHorizonDays: this.#options.lateHorizonDays };
    const kind = `${event.sourceId}/${event.type}`;
    let fed = this.#aggregatesOf.get(kind);
    if (!fed) {
      fed = this.#options.aggregates.flatMap((aggregate, position) =>
        aggregate.matches(event.sourceId, event.type) ? [{ aggregate, position }] : [],
      );
      this.#aggregatesOf.set(kind, fed);
    }
    let tooLate = 0;
    for (const { aggregate, position } of fed) {
      const id = aggregate.definition.id;
      const state = profile.aggregates[id] ?? emptyState(aggregate);
      const outcome = applyEvent(state, aggregate, aggregateEvent, options);
      if (outcome === 'applied') {
        profile.aggregates[id] = state;
        // Its wake-up must be looked for again.
        if (profile.wakeUps) profile.wakeUps.at[position] = Number.NaN;
      } else if (outcome === 'too_late') tooLate++;
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

  /** One aggregate's window values (undefined for an aggregate not configured): what `windowsOf` gives for it. */
  windowOf(profile: WorkingProfile, aggregateId: string, now: Date): WindowValues | undefined {
    const aggregate = this.#aggregateById.get(aggregateId);
    if (!aggregate) return undefined;
    return readWindows(profile.aggregates[aggregateId] ?? emptyState(aggregate), aggregate, { now, timeZone: profile.timeZone });
  }

  /** Each aggregate day by day over the last `days` local days (the profile card's sparklines). */
  dailyOf(profile: WorkingProfile, now: Date, days: number): Record<string, DailyValue[]> {
    const out: Record<string, DailyValue[]> = {};
    for (const aggregate of this.#options.aggregates) {
      const state = profile.aggregates[aggregate.definition.id] ?? emptyState(aggregate);
      out[aggregate.definition.id] = dailyValues(state, aggregate, { now, timeZone: profile.timeZone, days });
    }
    return out;
  }

  /** The row of a profile: its body, and when time alone next changes one of its windows. */
  toRow(profile: WorkingProfile, now: Date): ProfileRow {
    const packed: Record<string, unknown> = {};
    for (const aggregate of this.#options.aggregates) {
      const state = profile.aggregates[aggregate.definition.id];
      if (state) packed[aggregate.definition.id] = packState(state, aggregate);
    }
    const next = this.#nextChange(profile, now.getTime());
    return {
      profileId: profile.profileId,
      body: encodeProfileBody({
        state: profile.state,
        aggregatesJson: JSON.stringify(packed),
        scores: profile.scores,
        timeZone: profile.timeZone,
      }),
      updatedAt: this.#iso(now.getTime()),
      nextChangeAt: next === Number.POSITIVE_INFINITY ? null : this.#iso(next),
    };
  }

  /**
   * When time alone next changes one of the profile's windows (epoch ms; Infinity: never): the
   * earliest of its aggregates' `nextChange`. That search is most of the cost of writing a row, so
   * it is not repeated where the answer is known: an aggregate whose state has not changed since
   * its wake-up was found keeps it until it passes, and an aggregate whose earliest possible change
   * (`earliestChangeDay`) is not before the best wake-up found cannot be the earliest.
   */
  #nextChange(profile: WorkingProfile, nowMs: number): number {
    const aggregates = this.#options.aggregates;
    // A wake-up found at some time holds at a later one, not an earlier one: a clock set back forgets them all.
    if (profile.wakeUps === undefined || profile.wakeUps.timeZone !== profile.timeZone || profile.wakeUps.latest > nowMs)
      profile.wakeUps = { timeZone: profile.timeZone, latest: nowMs, at: new Array<number>(aggregates.length).fill(Number.NaN) };
    const wakeUps = profile.wakeUps;
    const zone = profile.timeZone;
    const today = localDay(nowMs, zone);
    let best = Number.POSITIVE_INFINITY;
    const unknown: { readonly at: number; readonly position: number }[] = [];
    for (let i = 0; i < aggregates.length; i++) {
      const aggregate = aggregates[i] as CompiledAggregate;
      const state = profile.aggregates[aggregate.definition.id];
      if (!state) continue;
      const known = wakeUps.at[i] as number;
      // Found while the state was as it is now, and not passed (NaN compares false).
      if (known > nowMs) {
        if (known < best) best = known;
        continue;
      }
      const earliest = earliestChangeDay(state, aggregate, today);
      // No day could change a window: nextChange has nothing to try either.
      if (earliest === null) wakeUps.at[i] = Number.POSITIVE_INFINITY;
      else unknown.push({ at: startOfLocalDay(earliest, zone), position: i });
    }
    unknown.sort((a, b) => a.at - b.at);
    for (const { at: earliest, position } of unknown) {
      if (earliest >= best) break;
      const aggregate = aggregates[position] as CompiledAggregate;
      const state = profile.aggregates[aggregate.definition.id] as AggregateState;
      const at = nextChange(state, aggregate, { now: nowMs, timeZone: zone })?.getTime() ?? Number.POSITIVE_INFINITY;
      wakeUps.at[position] = at;
      if (at < best) best = at;
    }
    wakeUps.latest = nowMs;
    return best;
  }

  #iso(ms: number): string {
    let text = this.#isoTexts.get(ms);
    if (text === undefined) {
      if (this.#isoTexts.size >= 1024) this.#isoTexts = new Map();
      this.#isoTexts.set(ms, (text = new Date(ms).toISOString()));
    }
    return text;
  }

  /**
   * The batch's profiles, decoded from the bodies held in memory or else read from the store
   * (missing ones start empty when applied to), with the wake-up each stored row holds (absent: no
   * row yet). A held profile's wake-ups are the held objects: the stage updates them in place.
   */
  async #load(db: Db, ids: readonly string[]): Promise<{ working: Map<string, WorkingProfile>; stored: Map<string, string | null> }> {
    const working = new Map<string, WorkingProfile>();
    const stored = new Map<string, string | null>();
    const missing: string[] = [];
    for (const id of ids) {
      if (working.has(id)) continue;
      const held = this.#cache.get(id);
      if (held === undefined) missing.push(id);
      else {
        const profile = this.working({ profileId: id, ...decodeProfileBody(held.body) });
        if (held.wakeUps !== undefined) profile.wakeUps = held.wakeUps;
        working.set(id, profile);
        stored.set(id, held.nextChangeAt);
      }
    }
    if (missing.length > 0) {
      for (const [id, row] of await profilesStore.read(db, missing)) {
        working.set(id, this.working(row));
        stored.set(id, row.nextChangeAt);
      }
    }
    return { working, stored };
  }

  /** A stored profile as the stage works on it; aggregate states of changed definitions are dropped. */
  working(row: ProfileBody & Pick<StoredProfile, 'profileId'>): WorkingProfile {
    const aggregates: Record<string, AggregateState> = {};
    for (const aggregate of this.#options.aggregates) {
      const raw = row.aggregates[aggregate.definition.id];
      if (raw === undefined) continue;
      // Packed since migration 0005; a row not yet rewritten since holds the older objects.
      const { state, status } = Array.isArray(raw) ? unpackState(raw, aggregate) : restoreState(raw, aggregate);
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

  /**
   * The profiles a batch's splits leave whose events changed hands: the profiles split, the
   * profiles they became, and the survivor of a merge in the same batch that absorbed one of them
   * (an absorbed profile is not among them: its events are its survivor's now).
   */
  #splitProfiles(identity: IdentityBatchResult): Set<string> {
    const parts = new Set(identity.split.flatMap((s) => [s.from, ...s.into]));
    for (const m of identity.merged) if (m.absorbed.some((id) => parts.has(id))) parts.add(m.survivor);
    for (const m of identity.merged) for (const id of m.absorbed) parts.delete(id);
    return parts;
  }

  /**
   * Rebuilds profiles from their events logged before `before` (the batch's own events are applied
   * afterwards, as to every profile): the events the timeline finds through each profile's
   * identifiers within their validity — what `GET /v1/profiles/{id}/timeline` lists (decision
   * 0008) — applied in log order to an empty profile, as the live pipeline applied them. The
   * scores are kept as the previous ones, so that the rescoring that follows judges the change.
   * Not applied again: events the log no longer holds (TESSERA_EVENT_RETENTION_DAYS), and events
   * that reached the person with no identifier of their own (an account's bill, a shared device's
   * session), which the timeline does not list — finding those needs an index of `event_profiles`
   * by profile for rows without an anchor value.
   */
  async #rebuild(trx: Db, working: Map<string, WorkingProfile>, ids: ReadonlySet<string>, before: number): Promise<void> {
    for (const id of ids) {
      const events = await personEvents(trx, this.#eventLog, id, before);
      if (events === undefined) {
        // No person has this id any longer: nothing to write.
        working.delete(id);
        continue;
      }
      const profile = this.blank(id);
      profile.scores = working.get(id)?.scores ?? null;
      for (const event of events) this.apply(profile, event);
      working.set(id, profile);
    }
  }

  /**
   * What decided each profile's rescoring in an event batch: its last event in the batch, named by
   * source and event id (the key the log deduplicates by, the same in a rebuild); for a profile the
   * batch touched without an event of its own (a part of a split), the identity change and the
   * batch's last event. Found when first asked.
   */
  #decidingEvents(events: readonly LoggedEvent[], identity: IdentityBatchResult): (profileId: string) => string {
    let last: Map<string, string> | undefined;
    const name = (event: LoggedEvent | undefined): string => (event ? `${event.sourceId}/${event.eventId}` : '');
    return (profileId) => {
      if (last === undefined) {
        last = new Map();
        for (const event of events) {
          const resolved = identity.resolved.get(event.seq);
          if (resolved !== null && resolved !== undefined) last.set(resolved, name(event));
        }
        for (const s of identity.split) {
          const change = `split ${s.from} into ${[...s.into].sort().join(',')} after ${name(events.at(-1))}`;
          for (const id of [s.from, ...s.into]) if (!last.has(id)) last.set(id, change);
        }
      }
      return last.get(profileId) ?? `after ${name(events.at(-1))}`;
    };
  }

  /**
   * Writes the `score.changed` rows. As identity's messages do (identity-messages.ts), a row's id
   * is derived from what it describes — the message type, the profile, the model that scored it and
   * what decided the rescoring (`decidedBy`) — and inserted with ON CONFLICT DO NOTHING, so a
   * rebuild from the log, which rescores at the same events, writes no row a second time and
   * consumers get no duplicates.
   */
  async #outbox(
    trx: Db,
    changes: readonly { profileId: string; data: unknown }[],
    now: string,
    decidedBy: (profileId: string) => string,
  ): Promise<void> {
    const model = this.#scorer.model?.version ?? '';
    for (let i = 0; i < changes.length; i += 500) {
      await trx
        .insertInto('outbox')
        .values(
          changes.slice(i, i + 500).map((c) => ({
            id: `ob_${sha256Hex(['score.changed', c.profileId, model, decidedBy(c.profileId)].join('\u0000')).slice(0, 32)}`,
            type: 'score.changed',
            subject: c.profileId,
            data: JSON.stringify(c.data),
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
  }
}
