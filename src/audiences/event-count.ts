import type { EventOccurrence } from './audience-input.js';
import { predicateOf, readProperty, type Predicate } from './compare.js';
import type { EventCondition, PropertyFilterCondition, WindowCondition } from './conditions.js';
import { DAY_MS } from './field-types.js';
import type { CountOp } from './rule.js';

/*
 * Event conditions: "performed X (with these properties) at least / at most / exactly N times in
 * the window". An event counts when it matches every filter, lies in the window and is not in the
 * future (an event time past `now`, within the ingest's clock-skew tolerance, counts once its time
 * has come).
 *
 * Windows: `last D days` is the half-open interval (now − D × 24 h, now]: an event leaves it
 * exactly D days after it happened, which is when a condition on it can flip. `between` is
 * [from, to). Day-aligned windows in the person's time zone are what the aggregate fields give.
 */

export const compareCount = (op: CountOp, n: number, count: number): boolean =>
  op === 'atLeast' ? count >= n : op === 'atMost' ? count <= n : count === n;

/** Whether an event at `at` counts at `now`. */
export const inWindow = (window: WindowCondition, at: number, now: number): boolean =>
  at <= now && (window.kind === 'last' ? at > now - window.days * DAY_MS : at >= window.from && at < window.to);

export interface CompiledFilters {
  matches(properties: Readonly<Record<string, unknown>>): boolean;
}

/** Property filters compiled once per condition. */
export const compileFilters = (filters: readonly PropertyFilterCondition[]): CompiledFilters => {
  const compiled: { path: readonly string[]; type: PropertyFilterCondition['comparison']['type']; test: Predicate }[] = filters.map(
    (f) => ({
      path: f.property.split('.'),
      type: f.comparison.type,
      test: predicateOf(f.comparison),
    }),
  );
  return {
    // Filters have no relative-date operators (validation refuses them), so `now` plays no part.
    matches: (properties) => compiled.every((f) => f.test(readProperty(properties, f.path, f.type), 0)),
  };
};

export interface EventCountResult {
  readonly result: boolean;
  readonly count: number;
  /** The counted events, oldest first. */
  readonly counted: readonly EventOccurrence[];
  /** When time alone next flips the result (events leaving or entering the window), or null. */
  readonly nextChangeAt: number | null;
}

/** How many of the sorted values are ≤ x (or < x when `strict`). */
const rank = (sorted: readonly number[], x: number, strict = false): number => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (strict ? v < x : v <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** The count at a time t ≥ now, over the matching events' times (sorted). */
const countAt = (window: WindowCondition, times: readonly number[], t: number): number => {
  if (window.kind === 'last') return rank(times, t) - rank(times, t - window.days * DAY_MS);
  const upper = t < window.to ? rank(times, t) : rank(times, window.to, true);
  return Math.max(0, upper - rank(times, window.from, true));
};

/**
 * The instants after now where the count can change: a matching event's time (when it is still
 * to come) and, for `last D days`, its time + D (when it leaves).
 */
const stepsAfter = (window: WindowCondition, times: readonly number[], now: number): number[] => {
  const steps: number[] = [];
  for (const at of times) {
    if (at > now && (window.kind === 'last' || (at >= window.from && at < window.to))) steps.push(at);
    if (window.kind === 'last' && at + window.days * DAY_MS > now) steps.push(at + window.days * DAY_MS);
  }
  return steps.sort((a, b) => a - b);
};

export const countEvents = (
  condition: EventCondition,
  filters: CompiledFilters,
  occurrences: readonly EventOccurrence[],
  now: number,
): EventCountResult => {
  const matching = occurrences.filter((o) => filters.matches(o.properties));
  const counted = matching.filter((o) => inWindow(condition.window, o.at, now)).sort((a, b) => a.at - b.at);
  const { op, n } = condition.count;
  const result = compareCount(op, n, counted.length);
  const times = matching.map((o) => o.at).sort((a, b) => a - b);
  let nextChangeAt: number | null = null;
  for (const step of stepsAfter(condition.window, times, now)) {
    if (compareCount(op, n, countAt(condition.window, times, step)) !== result) {
      nextChangeAt = step;
      break;
    }
  }
  return { result, count: counted.length, counted, nextChangeAt };
};

/** The condition's answer alone (the short-circuiting path: no sorting, no next change). */
export const eventConditionHolds = (
  condition: EventCondition,
  filters: CompiledFilters,
  occurrences: readonly EventOccurrence[],
  now: number,
): boolean => {
  let count = 0;
  for (const o of occurrences) if (inWindow(condition.window, o.at, now) && filters.matches(o.properties)) count++;
  return compareCount(condition.count.op, condition.count.n, count);
};
