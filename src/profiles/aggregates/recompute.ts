import { toMs, type AggregateEvent } from './aggregate-state.js';
import type { Aggregation, CompiledAggregate, WindowName } from './definitions.js';
import type { AggregateValue, ReadOptions, WindowValues } from './windows.js';
import { DISTINCT_CAP_PER_DAY, averageOf, compareKeys, contributionOf, fromFixedPoint, lastValueOf, type Contribution } from './values.js';

/*
 * The reference implementation: window values computed straight from a list of raw events, with no
 * buckets, no caches and no incremental state. It exists to be obviously right — the property tests
 * check that the incremental path (applyEvent + readWindows) agrees with it whatever the arrival
 * order — and for audits ("why is this 30-day sum what it is?"). It is slow by design: local dates
 * come from Intl.DateTimeFormat for every event, not from the cached offsets in local-time.ts.
 *
 * `events` are the events the incremental path accepted: lateness is a property of when an event was
 * processed, which a list of events does not record, so nothing here refuses an event as too late.
 */

interface Counted {
  readonly t: number;
  readonly r: string;
  readonly day: string;
  readonly c: Contribution;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The local date (YYYY-MM-DD) of an instant in a zone, straight from tzdata. */
const localDate = (t: number, timeZone: string): string => {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(t).map((p) => [p.type, p.value]));
  return `${String(parts.year).padStart(4, '0')}-${parts.month}-${parts.day}`;
};

const addDays = (date: string, days: number): string => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
};

/** Newest first: by time, then by `source/eventId` (written out here, not shared with the state code). */
const newestFirst = (a: Counted, b: Counted): number => b.t - a.t || (a.r < b.r ? 1 : a.r > b.r ? -1 : 0);

const distinctOf = (events: readonly Counted[], capPerDay: boolean): number => {
  if (!capPerDay) return new Set(events.map((e) => e.c as string)).size;
  // Mirrors the documented approximation: each day keeps its smallest DISTINCT_CAP_PER_DAY keys.
  const byDay = new Map<string, Set<string>>();
  for (const e of events) byDay.set(e.day, (byDay.get(e.day) ?? new Set()).add(e.c as string));
  const union = new Set<string>();
  for (const keys of byDay.values()) for (const key of [...keys].sort(compareKeys).slice(0, DISTINCT_CAP_PER_DAY)) union.add(key);
  return union.size;
};

const aggregateOf = (events: readonly Counted[], aggregation: Aggregation, scale: number, daily: boolean): AggregateValue => {
  const numbers = events.map((e) => e.c as number);
  switch (aggregation) {
    case 'count':
      return events.length;
    case 'sum':
      return fromFixedPoint(
        numbers.reduce((a, b) => a + b, 0),
        scale,
      );
    case 'average':
      return averageOf(
        numbers.reduce((a, b) => a + b, 0),
        numbers.length,
        scale,
      );
    case 'min':
      return numbers.length === 0 ? null : fromFixedPoint(Math.min(...numbers), scale);
    case 'max':
      return numbers.length === 0 ? null : fromFixedPoint(Math.max(...numbers), scale);
    case 'last': {
      const [latest] = [...events].sort(newestFirst);
      return latest === undefined ? null : lastValueOf(latest.c as string | number | boolean, scale);
    }
    case 'distinct_count':
      return distinctOf(events, daily);
  }
};

/** The window values at `now` computed from the raw events (see the file comment). */
export const recomputeWindows = (events: readonly AggregateEvent[], aggregate: CompiledAggregate, options: ReadOptions): WindowValues => {
  const { aggregation } = aggregate.definition;
  const counted: Counted[] = [];
  for (const event of events) {
    if (!aggregate.matches(event.sourceId, event.type)) continue;
    const t = typeof event.occurredAt === 'number' ? event.occurredAt : Date.parse(event.occurredAt);
    const day = localDate(t, options.timeZone);
    const ctx = { properties: event.properties, day, type: event.type, source: event.sourceId };
    if (aggregate.filter !== undefined) {
      const pass = aggregate.filter(ctx);
      if (pass === null || pass === false || pass === 0 || pass === '') continue;
    }
    const c = contributionOf(aggregation, aggregate.scale, aggregate.value === undefined ? null : aggregate.value(ctx));
    if (c !== undefined) counted.push({ t, r: `${event.sourceId}/${event.eventId}`, day, c });
  }

  const today = localDate(toMs(options.now), options.timeZone);
  const values: Partial<Record<WindowName, AggregateValue>> = {};
  for (const span of aggregate.windows) {
    if (span.kind === 'recent') {
      const latest = [...counted].sort(newestFirst).slice(0, span.events);
      values[span.name] = aggregateOf(latest, aggregation, aggregate.scale, false);
    } else {
      const from = span.kind === 'days' ? addDays(today, 1 - span.days) : `${today.slice(0, 8)}01`;
      const inWindow = counted.filter((e) => e.day >= from && e.day <= today);
      values[span.name] = aggregateOf(inWindow, aggregation, aggregate.scale, true);
    }
  }
  return values;
};
