import type { Aggregation, CompiledAggregate } from './definitions.js';
import { truthy, type EvalContext } from './expression.js';
import { DAY_MS, MINUTE_MS, dayString, monthStartDay, zoneOffsets } from './local-time.js';
import { DISTINCT_CAP_PER_DAY, contributionOf, isLater, type Contribution, type Scalar } from './values.js';

/*
 * The state of one aggregate of one person, and how an event updates it.
 *
 * The state is plain JSON (numbers, strings, arrays, objects) so the store can keep it as one
 * column per (person, aggregate) and the pipeline can load, update and write it back in a batch:
 *
 *   const { state } = restoreState(JSON.parse(row.state), aggregate);   // or emptyState(aggregate)
 *   for (const event of events) applyEvent(state, aggregate, event, { now, timeZone });
 *   row.state = JSON.stringify(state);
 *
 * `applyEvent` MUTATES the state it is given (and returns what it did): a batch updates thousands
 * of states at tens of thousands of events a second, and copying a state per event would be most of
 * the cost. The caller owns the state object between load and write; nothing here keeps a
 * reference to it.
 */

export interface DayBucket {
  /** Local date in the person's time zone, YYYY-MM-DD. */
  readonly d: string;
  /** How many events counted into the bucket (for every aggregation but count: how many values). */
  n: number;
  /** sum, average: the sum; min, max: the extreme. Fixed-point integers (value × 10^decimals). */
  x?: number;
  /** last: the latest value (numbers fixed-point), its time (epoch ms) and its event (`source/eventId`). */
  lv?: Scalar;
  lt?: number;
  lr?: string;
  /** distinct_count: the distinct value keys, sorted; at most DISTINCT_CAP_PER_DAY (the smallest kept). */
  k?: string[];
  /** distinct_count: true once a value was dropped at the cap; a count over this day is a lower bound. */
  capped?: true;
}

/** One of the latest events, kept for the `last_N` windows. */
export interface RecentEvent {
  /** Event time, epoch ms. */
  readonly t: number;
  /** `source/eventId`, the tie-break for equal times. */
  readonly r: string;
  /** The event's contribution (see values.ts). */
  readonly c: Contribution;
}

export interface AggregateState {
  /** Format version of this value. */
  readonly v: 1;
  /** Fingerprint of the definition the state was built under (CompiledAggregate.fingerprint). */
  readonly def: string;
  /** Daily buckets, oldest first: only days on which some event counted. */
  readonly days: DayBucket[];
  /** The latest counted events, newest first; present when the definition has `last_N` windows. */
  readonly recent?: RecentEvent[];
}

/** An event as the aggregates need it; the pipeline builds it from the log record. */
export interface AggregateEvent {
  readonly sourceId: string;
  readonly type: string;
  readonly eventId: string;
  /** RFC 3339 time, or epoch ms (pass ms when applying one event to many aggregates: it is parsed once). */
  readonly occurredAt: string | number;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface ApplyOptions {
  /** The person's IANA time zone, e.g. Europe/Moscow: buckets are local dates there. */
  readonly timeZone: string;
  /** Processing time (from the Clock port). */
  readonly now: Date | number;
  /** Events older than now − this many days are refused as too late (default 7). */
  readonly lateHorizonDays?: number;
  /** Events later than now + this are refused as from the future (default 15 minutes: clock skew). */
  readonly futureToleranceMs?: number;
}

/**
 * What `applyEvent` did. Only `applied` changes the state; the caller counts the rest
 * (`too_late` and `too_early` are data-quality signals worth a metric).
 */
export type ApplyOutcome =
  | 'applied'
  /** Not one of the definition's event types. */
  | 'other_type'
  /** The filter was not truthy. */
  | 'filtered_out'
  /** The value was null, missing or of the wrong kind (a string to sum); count never gives this. */
  | 'no_value'
  /** Older than now − lateHorizonDays: its bucket may be gone, and windows already reported without it. */
  | 'too_late'
  /** Later than now + futureToleranceMs: a clock error upstream, not counted anywhere. */
  | 'too_early'
  /** occurredAt is not a valid time. */
  | 'bad_time';

export const DEFAULT_LATE_HORIZON_DAYS = 7;
export const DEFAULT_FUTURE_TOLERANCE_MS = 15 * MINUTE_MS;

export const toMs = (time: Date | number): number => (typeof time === 'number' ? time : time.getTime());

export const emptyState = (aggregate: CompiledAggregate): AggregateState =>
  aggregate.recentSize > 0 ? { v: 1, def: aggregate.fingerprint, days: [], recent: [] } : { v: 1, def: aggregate.fingerprint, days: [] };

export type RestoreStatus = 'restored' | 'new' | 'definition_changed' | 'malformed';

/**
 * Takes a stored state (parsed JSON, or undefined when the person has none yet) for this aggregate.
 * A state built under another definition (changed filter, value, windows…) or not shaped like a
 * state is replaced by an empty one, and the status says why: its numbers would mean something else.
 * (Rebuilding such a state means applying the person's retained events again.)
 */
export const restoreState = (stored: unknown, aggregate: CompiledAggregate): { state: AggregateState; status: RestoreStatus } => {
  if (stored === undefined || stored === null) return { state: emptyState(aggregate), status: 'new' };
  const candidate = stored as Partial<AggregateState>;
  if (typeof stored !== 'object' || candidate.v !== 1 || !Array.isArray(candidate.days) || typeof candidate.def !== 'string')
    return { state: emptyState(aggregate), status: 'malformed' };
  if (candidate.def !== aggregate.fingerprint) return { state: emptyState(aggregate), status: 'definition_changed' };
  const state = candidate as AggregateState;
  if (aggregate.recentSize > 0 && !Array.isArray(state.recent)) return { state: emptyState(aggregate), status: 'malformed' };
  return { state, status: 'restored' };
};

const newBucket = (d: string, aggregation: Aggregation): DayBucket => {
  switch (aggregation) {
    case 'count':
      return { d, n: 0 };
    case 'sum':
    case 'average':
      return { d, n: 0, x: 0 };
    case 'min':
    case 'max':
      return { d, n: 0, x: Number.NaN };
    case 'last':
      return { d, n: 0, lt: Number.NEGATIVE_INFINITY, lr: '' };
    case 'distinct_count':
      return { d, n: 0, k: [] };
  }
};

/** Inserts a key into a bucket's sorted keys, keeping the DISTINCT_CAP_PER_DAY smallest. */
const addDistinct = (bucket: DayBucket, key: string): void => {
  const keys = bucket.k as string[];
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  if (keys[lo] === key) return;
  // Keeping the smallest keys (not the first to arrive) makes a capped set independent of arrival order.
  if (keys.length >= DISTINCT_CAP_PER_DAY) {
    bucket.capped = true;
    if (lo >= keys.length) return;
    keys.pop();
  }
  keys.splice(lo, 0, key);
};

const addToBucket = (bucket: DayBucket, aggregation: Aggregation, c: Contribution, t: number, ref: string): void => {
  bucket.n++;
  switch (aggregation) {
    case 'count':
      return;
    case 'sum':
    case 'average':
      bucket.x = (bucket.x as number) + (c as number);
      return;
    case 'min':
      if (!((bucket.x as number) <= (c as number))) bucket.x = c as number;
      return;
    case 'max':
      if (!((bucket.x as number) >= (c as number))) bucket.x = c as number;
      return;
    case 'last':
      if (isLater(t, ref, bucket.lt as number, bucket.lr as string)) {
        bucket.lv = c as Scalar;
        bucket.lt = t;
        bucket.lr = ref;
      }
      return;
    case 'distinct_count':
      addDistinct(bucket, c as string);
      return;
  }
};

/** The bucket of local date `d`, created in order if missing. Most events are today's: search from the end. */
const bucketOf = (days: DayBucket[], d: string, aggregation: Aggregation): DayBucket => {
  let i = days.length - 1;
  while (i >= 0 && (days[i] as DayBucket).d > d) i--;
  const found = days[i];
  if (found !== undefined && found.d === d) return found;
  const bucket = newBucket(d, aggregation);
  days.splice(i + 1, 0, bucket);
  return bucket;
};

const addRecent = (recent: RecentEvent[], size: number, t: number, r: string, c: Contribution): void => {
  let i = 0;
  while (i < recent.length && isLater((recent[i] as RecentEvent).t, (recent[i] as RecentEvent).r, t, r)) i++;
  if (i >= size) return;
  recent.splice(i, 0, { t, r, c });
  if (recent.length > size) recent.pop();
};

/**
 * The first local date the state must keep at processing time `now`: the earliest day any window
 * can still cover (today − (N − 1) for the longest Nd window; the 1st of the month for
 * calendar_month), less the late-event horizon as a margin (a reader whose clock is behind the
 * writer's by up to the horizon still finds its days).
 */
const keepFromDay = (aggregate: CompiledAggregate, today: number, horizonDays: number): number => {
  let from = today - Math.max(aggregate.longestDays, 1) + 1;
  if (aggregate.hasMonth) from = Math.min(from, monthStartDay(today));
  return from - horizonDays;
};

const dropOldDays = (days: DayBucket[], keepFrom: string): number => {
  let drop = 0;
  while (drop < days.length && (days[drop] as DayBucket).d < keepFrom) drop++;
  if (drop > 0) days.splice(0, drop);
  return drop;
};

/**
 * The context expressions are evaluated in, reused across calls: evaluation is synchronous and a
 * compiled expression never keeps its context, so one object serves every event and saves an
 * allocation per (event, aggregate) on the hot path. It lets go of the event's properties after use.
 */
const scratch: { -readonly [K in keyof EvalContext]: EvalContext[K] } = { properties: {}, day: '', type: '', source: '' };
const NO_PROPERTIES: Readonly<Record<string, unknown>> = Object.freeze({});
const FILTERED_OUT = Symbol('filtered out');

/** The event's contribution, FILTERED_OUT, or undefined when its value does not count. */
const contributionFor = (
  aggregate: CompiledAggregate,
  event: AggregateEvent,
  day: string,
): Contribution | undefined | typeof FILTERED_OUT => {
  const ctx = scratch;
  ctx.properties = event.properties;
  ctx.day = day;
  ctx.type = event.type;
  ctx.source = event.sourceId;
  const result =
    aggregate.filter !== undefined && !truthy(aggregate.filter(ctx))
      ? FILTERED_OUT
      : contributionOf(aggregate.definition.aggregation, aggregate.scale, aggregate.value === undefined ? null : aggregate.value(ctx));
  ctx.properties = NO_PROPERTIES;
  return result;
};

/**
 * Applies one event to the state, in place (see the file comment), and says what it did.
 * The caller applies each event once (the log is exactly-once per consumer); arrival order does not
 * matter: the result equals a recomputation from the events (recompute.ts), whatever the order.
 */
export const applyEvent = (
  state: AggregateState,
  aggregate: CompiledAggregate,
  event: AggregateEvent,
  options: ApplyOptions,
): ApplyOutcome => {
  if (!aggregate.matches(event.sourceId, event.type)) return 'other_type';
  const t = typeof event.occurredAt === 'number' ? event.occurredAt : Date.parse(event.occurredAt);
  if (!Number.isFinite(t)) return 'bad_time';
  const now = toMs(options.now);
  const horizonDays = options.lateHorizonDays ?? DEFAULT_LATE_HORIZON_DAYS;
  if (t < now - horizonDays * DAY_MS) return 'too_late';
  if (t > now + (options.futureToleranceMs ?? DEFAULT_FUTURE_TOLERANCE_MS)) return 'too_early';

  const zone = zoneOffsets(options.timeZone);
  const day = dayString(zone.localDay(t));
  const c = contributionFor(aggregate, event, day);
  if (c === FILTERED_OUT) return 'filtered_out';
  if (c === undefined) return 'no_value';
  const { aggregation } = aggregate.definition;

  const needsRef = aggregation === 'last' || aggregate.recentSize > 0;
  const ref = needsRef ? `${event.sourceId}/${event.eventId}` : '';
  if (aggregate.longestDays > 0 || aggregate.hasMonth) {
    addToBucket(bucketOf(state.days, day, aggregation), aggregation, c, t, ref);
    dropOldDays(state.days, dayString(keepFromDay(aggregate, zone.localDay(now), horizonDays)));
  }
  if (state.recent !== undefined) addRecent(state.recent, aggregate.recentSize, t, ref, c);
  return 'applied';
};

/**
 * Drops the buckets no window can reach any more at `now`. `applyEvent` does this as it goes; the
 * scheduler calls it when it advances a person whose events have stopped, so the stored state
 * shrinks. Returns how many buckets were dropped (0: nothing to write).
 */
export const pruneState = (
  state: AggregateState,
  aggregate: CompiledAggregate,
  options: Pick<ApplyOptions, 'now' | 'timeZone' | 'lateHorizonDays'>,
): number => {
  if (state.days.length === 0) return 0;
  const today = zoneOffsets(options.timeZone).localDay(toMs(options.now));
  return dropOldDays(state.days, dayString(keepFromDay(aggregate, today, options.lateHorizonDays ?? DEFAULT_LATE_HORIZON_DAYS)));
};
