import type { Aggregation, CompiledAggregate } from './definitions.js';
import { truthy, type EvalContext } from './expression.js';
import { DAY_MS, MINUTE_MS, dayNumber, dayString, monthStartDay, nextMonthStartDay, zoneOffsets } from './local-time.js';
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

/*
 * The stored form of a state (profile rows since migration 0005): an array, not an object per day,
 * because the buckets are most of a busy profile's row and the row is rewritten every batch that
 * touches the person.
 *
 *   [def, days, recent?]
 *   days: flat, per bucket [localDay, n] followed by what the aggregation keeps —
 *         count: nothing · sum, average, min, max: x · last: lv, lt, lr · distinct_count: keys, capped (0|1)
 *   recent: flat, per event [t, r, c]
 *
 * localDay is the day number (days since 1970-01-01) of the bucket's local date.
 */
export type PackedAggregateState = readonly [def: string, days: readonly unknown[], recent?: readonly unknown[]];

/** Values per bucket after [localDay, n] in the packed form. */
const PACKED_EXTRA: Readonly<Record<Aggregation, number>> = {
  count: 0,
  sum: 1,
  average: 1,
  min: 1,
  max: 1,
  last: 3,
  distinct_count: 2,
};

/** Local date → day number, remembered: the same few hundred dates recur in every row written. */
const dayNumbers = new Map<string, number>();
const dayNumberOf = (d: string): number => {
  let day = dayNumbers.get(d);
  if (day === undefined) {
    if (dayNumbers.size >= 4096) dayNumbers.clear();
    dayNumbers.set(d, (day = dayNumber(d)));
  }
  return day;
};

/**
 * The first local day on which time alone could change one of the state's windows, when `today`
 * is the local date (a day number): a bucket dated ahead entering, a bucket leaving an `Nd` window,
 * the month turning on a bucket of this month. Null when there is none. `nextChange` (windows.ts)
 * tries exactly these days and answers the start of the first one that changes a value, so it is
 * never earlier than the start of this day: a caller looking for the earliest wake-up of several
 * aggregates skips the exact search for any whose bound is not before the best found.
 */
export const earliestChangeDay = (state: AggregateState, aggregate: CompiledAggregate, today: number): number | null => {
  let earliest = Number.POSITIVE_INFINITY;
  const monthStart = monthStartDay(today);
  for (const bucket of state.days) {
    const day = dayNumberOf(bucket.d);
    if (day > today && day < earliest) earliest = day;
    for (const span of aggregate.windows) {
      if (span.kind === 'days') {
        if (day + span.days > today && day + span.days < earliest) earliest = day + span.days;
      } else if (span.kind === 'month' && day >= monthStart) {
        const turn = nextMonthStartDay(day);
        if (turn < earliest) earliest = turn;
      }
    }
  }
  return earliest === Number.POSITIVE_INFINITY ? null : earliest;
};

/** The state as stored (see PackedAggregateState); `unpackState` gives back an equal state. */
export const packState = (state: AggregateState, aggregate: CompiledAggregate): PackedAggregateState => {
  const aggregation = aggregate.definition.aggregation;
  const days: unknown[] = [];
  for (const b of state.days) {
    days.push(dayNumberOf(b.d), b.n);
    switch (aggregation) {
      case 'count':
        break;
      case 'sum':
      case 'average':
      case 'min':
      case 'max':
        days.push(b.x ?? null);
        break;
      case 'last':
        days.push(b.lv ?? null, b.lt ?? null, b.lr ?? null);
        break;
      case 'distinct_count':
        days.push(b.k ?? [], b.capped ? 1 : 0);
        break;
    }
  }
  if (state.recent === undefined) return [state.def, days];
  const recent: unknown[] = [];
  for (const r of state.recent) recent.push(r.t, r.r, r.c);
  return [state.def, days, recent];
};

const isDay = (v: unknown): v is number => Number.isSafeInteger(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isScalar = (v: unknown): v is Scalar => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

/** One packed bucket, or undefined when it is not shaped as the aggregation stores it. */
const unpackBucket = (days: readonly unknown[], at: number, aggregation: Aggregation): DayBucket | undefined => {
  const day = days[at];
  const n = days[at + 1];
  if (!isDay(day) || !isCount(n)) return undefined;
  const d = dayString(day);
  switch (aggregation) {
    case 'count':
      return { d, n };
    case 'sum':
    case 'average':
    case 'min':
    case 'max': {
      const x = days[at + 2];
      return typeof x === 'number' ? { d, n, x } : undefined;
    }
    case 'last': {
      const [lv, lt, lr] = [days[at + 2], days[at + 3], days[at + 4]];
      return isScalar(lv) && typeof lt === 'number' && typeof lr === 'string' ? { d, n, lv, lt, lr } : undefined;
    }
    case 'distinct_count': {
      const [k, capped] = [days[at + 2], days[at + 3]];
      if (!Array.isArray(k) || !k.every((key) => typeof key === 'string')) return undefined;
      return capped === 1 ? { d, n, k: k as string[], capped: true } : { d, n, k: k as string[] };
    }
  }
};

/**
 * A stored state back (see PackedAggregateState), checked like `restoreState`: a state packed under
 * another definition, or not shaped as this aggregation packs it, gives an empty state and says why.
 */
export const unpackState = (stored: unknown, aggregate: CompiledAggregate): { state: AggregateState; status: RestoreStatus } => {
  if (stored === undefined || stored === null) return { state: emptyState(aggregate), status: 'new' };
  if (!Array.isArray(stored) || typeof stored[0] !== 'string' || !Array.isArray(stored[1]))
    return { state: emptyState(aggregate), status: 'malformed' };
  if (stored[0] !== aggregate.fingerprint) return { state: emptyState(aggregate), status: 'definition_changed' };
  const aggregation = aggregate.definition.aggregation;
  const packed = stored[1] as readonly unknown[];
  const step = 2 + PACKED_EXTRA[aggregation];
  if (packed.length % step !== 0) return { state: emptyState(aggregate), status: 'malformed' };
  const days: DayBucket[] = [];
  for (let at = 0; at < packed.length; at += step) {
    const bucket = unpackBucket(packed, at, aggregation);
    if (bucket === undefined) return { state: emptyState(aggregate), status: 'malformed' };
    days.push(bucket);
  }
  if (aggregate.recentSize === 0) return { state: { v: 1, def: aggregate.fingerprint, days }, status: 'restored' };
  const flat = stored[2];
  if (!Array.isArray(flat) || flat.length % 3 !== 0) return { state: emptyState(aggregate), status: 'malformed' };
  const recent: RecentEvent[] = [];
  for (let at = 0; at < flat.length; at += 3) {
    const [t, r, c] = [flat[at], flat[at + 1], flat[at + 2]];
    if (typeof t !== 'number' || typeof r !== 'string' || !(c === null || isScalar(c)))
      return { state: emptyState(aggregate), status: 'malformed' };
    recent.push({ t, r, c });
  }
  return { state: { v: 1, def: aggregate.fingerprint, days, recent }, status: 'restored' };
};
