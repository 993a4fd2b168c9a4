import type { AggregateState, DayBucket, RecentEvent } from './aggregate-state.js';
import { toMs } from './aggregate-state.js';
import type { Aggregation, CompiledAggregate, WindowName, WindowSpan } from './definitions.js';
import { dayNumber, dayString, monthStartDay, nextMonthStartDay, startOfLocalDay, zoneOffsets } from './local-time.js';
import { averageOf, fromFixedPoint, isLater, lastValueOf, type Scalar } from './values.js';

/*
 * Reading an aggregate's windows at a given time.
 *
 * Window semantics, all in the person's time zone, with `today` the local date of `now`:
 * - `Nd` (1d, 7d, 30d, 60d, 90d): the N local dates today − (N − 1) … today, both included, whole days.
 *   So `1d` is "today so far" and `7d` is today and the six dates before it. A window changes only
 *   at local midnight (the start of a local day), never in between: the value at 10:00 and at 23:59
 *   of a day is the same unless events arrive.
 * - `calendar_month`: the 1st of the current local month … today.
 * - `last_N`: the N latest counted events (by event time, then `source/eventId`), whatever their
 *   age; it changes only when events arrive.
 * Events dated after today (inside the clock-skew tolerance) enter their window when their day comes.
 *
 * Empty windows: count, sum and distinct_count give 0; min, max, last and average give null.
 */

export type AggregateValue = Scalar | null;

/** One value per window of the definition, keyed by window name (`'7d'`, `'calendar_month'`, `'last_3'`). */
export type WindowValues = Readonly<Partial<Record<WindowName, AggregateValue>>>;

export interface ReadOptions {
  readonly now: Date | number;
  readonly timeZone: string;
}

/** Folds buckets or recent events into one window value. */
class Combiner {
  readonly #aggregation: Aggregation;
  readonly #scale: number;
  #n = 0;
  #x = 0;
  #extreme: number | null = null;
  #lastT = Number.NEGATIVE_INFINITY;
  #lastR = '';
  #lastV: Scalar | undefined;
  readonly #keys = new Set<string>();

  constructor(aggregation: Aggregation, scale: number) {
    this.#aggregation = aggregation;
    this.#scale = scale;
  }

  addBucket(bucket: DayBucket): void {
    this.#n += bucket.n;
    switch (this.#aggregation) {
      case 'sum':
      case 'average':
        this.#x += bucket.x as number;
        return;
      case 'min':
      case 'max':
        this.#extremum(bucket.x as number);
        return;
      case 'last':
        this.#later(bucket.lt as number, bucket.lr as string, bucket.lv as Scalar);
        return;
      case 'distinct_count':
        for (const key of bucket.k as string[]) this.#keys.add(key);
        return;
      case 'count':
        return;
    }
  }

  addRecent(event: RecentEvent): void {
    this.#n++;
    switch (this.#aggregation) {
      case 'sum':
      case 'average':
        this.#x += event.c as number;
        return;
      case 'min':
      case 'max':
        this.#extremum(event.c as number);
        return;
      case 'last':
        this.#later(event.t, event.r, event.c as Scalar);
        return;
      case 'distinct_count':
        this.#keys.add(event.c as string);
        return;
      case 'count':
        return;
    }
  }

  #extremum(x: number): void {
    if (this.#extreme === null || (this.#aggregation === 'min' ? x < this.#extreme : x > this.#extreme)) this.#extreme = x;
  }

  #later(t: number, r: string, v: Scalar): void {
    if (isLater(t, r, this.#lastT, this.#lastR)) {
      this.#lastT = t;
      this.#lastR = r;
      this.#lastV = v;
    }
  }

  result(): AggregateValue {
    switch (this.#aggregation) {
      case 'count':
        return this.#n;
      case 'sum':
        return fromFixedPoint(this.#x, this.#scale);
      case 'average':
        return averageOf(this.#x, this.#n, this.#scale);
      case 'min':
      case 'max':
        return this.#extreme === null ? null : fromFixedPoint(this.#extreme, this.#scale);
      case 'last':
        return this.#lastV === undefined ? null : lastValueOf(this.#lastV, this.#scale);
      case 'distinct_count':
        return this.#keys.size;
    }
  }
}

/** The first local day a daily window covers when today is `today`. */
const windowStart = (span: Exclude<WindowSpan, { kind: 'recent' }>, today: number): number =>
  span.kind === 'days' ? today - span.days + 1 : monthStartDay(today);

const bucketsIn = (days: readonly DayBucket[], from: string, to: string): DayBucket[] => days.filter((b) => b.d >= from && b.d <= to);

/** The window values when the local date is `today` (a day number). */
const valuesOn = (state: AggregateState, aggregate: CompiledAggregate, today: number): WindowValues => {
  const values: Partial<Record<WindowName, AggregateValue>> = {};
  const { aggregation } = aggregate.definition;
  for (const span of aggregate.windows) {
    const combiner = new Combiner(aggregation, aggregate.scale);
    if (span.kind === 'recent') {
      for (const event of (state.recent ?? []).slice(0, span.events)) combiner.addRecent(event);
    } else {
      for (const bucket of bucketsIn(state.days, dayString(windowStart(span, today)), dayString(today))) combiner.addBucket(bucket);
    }
    values[span.name] = combiner.result();
  }
  return values;
};

/** The value of every window of the definition at `now` (pure: the state is not changed). */
export const readWindows = (state: AggregateState, aggregate: CompiledAggregate, options: ReadOptions): WindowValues =>
  valuesOn(state, aggregate, zoneOffsets(options.timeZone).localDay(toMs(options.now)));

/** One local day's value of an aggregate: what a window of that day alone would hold. */
export interface DailyValue {
  /** Local date, YYYY-MM-DD. */
  readonly d: string;
  readonly v: AggregateValue;
}

/**
 * The aggregate day by day over the last `days` local days up to today, oldest first: each day's
 * value as a window of that day alone (count and sum 0 on a day without events, the others null).
 * For a sparkline beside the window values.
 */
export const dailyValues = (
  state: AggregateState,
  aggregate: CompiledAggregate,
  options: ReadOptions & { readonly days: number },
): DailyValue[] => {
  const today = zoneOffsets(options.timeZone).localDay(toMs(options.now));
  const byDay = new Map(state.days.map((b) => [b.d, b]));
  const out: DailyValue[] = [];
  for (let day = today - options.days + 1; day <= today; day++) {
    const d = dayString(day);
    const combiner = new Combiner(aggregate.definition.aggregation, aggregate.scale);
    const bucket = byDay.get(d);
    if (bucket) combiner.addBucket(bucket);
    out.push({ d, v: combiner.result() });
  }
  return out;
};

/**
 * The distinct_count windows whose value at `now` is a lower bound, because a day in them held more
 * than DISTINCT_CAP_PER_DAY distinct values. Empty for every other aggregation.
 */
export const approximateWindows = (state: AggregateState, aggregate: CompiledAggregate, options: ReadOptions): WindowName[] => {
  if (aggregate.definition.aggregation !== 'distinct_count') return [];
  const today = zoneOffsets(options.timeZone).localDay(toMs(options.now));
  const approximate: WindowName[] = [];
  for (const span of aggregate.windows) {
    if (span.kind === 'recent') continue;
    const buckets = bucketsIn(state.days, dayString(windowStart(span, today)), dayString(today));
    if (buckets.some((b) => b.capped === true)) approximate.push(span.name);
  }
  return approximate;
};

const sameValues = (a: WindowValues, b: WindowValues, names: readonly WindowName[]): boolean => names.every((name) => a[name] === b[name]);

/**
 * The next instant after `now` at which some window value changes with no new event — a day
 * leaving an `Nd` window, the month turning, a day dated ahead entering — so a scheduler can wake
 * the person exactly then (and audiences see the change). Always the start of a local day. Null
 * when the values stay as they are for ever (no daily windows, or nothing left to fall out).
 *
 * Window contents change only on the days a bucket enters or leaves a window, so only those days
 * are tried, earliest first; a day whose change leaves every value equal (a max still held by
 * another day) is passed over.
 */
export const nextChange = (state: AggregateState, aggregate: CompiledAggregate, options: ReadOptions): Date | null => {
  const daily = aggregate.windows.filter((w): w is Exclude<WindowSpan, { kind: 'recent' }> => w.kind !== 'recent');
  if (daily.length === 0 || state.days.length === 0) return null;
  const today = zoneOffsets(options.timeZone).localDay(toMs(options.now));
  const monthStart = monthStartDay(today);
  const candidates = new Set<number>();
  for (const bucket of state.days) {
    const day = dayNumber(bucket.d);
    for (const span of daily) {
      if (day > today) candidates.add(day);
      if (span.kind === 'days' && day + span.days > today) candidates.add(day + span.days);
      if (span.kind === 'month' && day >= monthStart) candidates.add(nextMonthStartDay(day));
    }
  }
  const names = aggregate.windows.map((w) => w.name);
  const current = valuesOn(state, aggregate, today);
  for (const day of [...candidates].sort((a, b) => a - b)) {
    if (!sameValues(current, valuesOn(state, aggregate, day), names)) return new Date(startOfLocalDay(day, options.timeZone));
  }
  return null;
};
