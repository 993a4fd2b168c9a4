import { NO_EVENTS, type EventHistory, type EventOccurrence } from './audience-input.js';
import type { Condition, ValidAudience } from './conditions.js';
import { DAY_MS } from './field-types.js';

/*
 * A person's activity: the occurrences of the event types that active audiences count, kept as
 * far back as the widest window needs and with only the properties their filters read. Event
 * conditions are evaluated from it (in the pipeline, the scheduler and previews), so no event
 * condition reads the log. Pure: the membership stage loads, updates and stores it.
 */

/** Per `source/type`, occurrences oldest first (ties by event id), each with the kept properties. */
export type Activity = Record<string, EventOccurrence[]>;

/** What to keep of one event type: from when (epoch ms) and which top-level properties. */
export interface TrackedEvent {
  readonly from: number;
  readonly properties: ReadonlySet<string>;
}

/** Event type → what to keep. */
export type TrackedEvents = ReadonlyMap<string, TrackedEvent>;

const eventConditions = (condition: Condition, out: Extract<Condition, { kind: 'event' }>[]): void => {
  switch (condition.kind) {
    case 'group':
      for (const child of condition.children) eventConditions(child, out);
      return;
    case 'members':
      eventConditions(condition.group, out);
      return;
    case 'event':
      out.push(condition);
      return;
    default:
      return;
  }
};

/**
 * What the audiences' event conditions need at `now`: each type from the earliest moment a window
 * reaches (a `last D days` window one day further back, so that the kept history does not shrink
 * between two evaluations), with the top-level properties their filters read.
 */
export const trackedEventsOf = (audiences: Iterable<ValidAudience>, now: number): Map<string, TrackedEvent> => {
  const tracked = new Map<string, { from: number; properties: Set<string> }>();
  for (const audience of audiences) {
    const found: Extract<Condition, { kind: 'event' }>[] = [];
    eventConditions(audience.root, found);
    for (const condition of found) {
      const from = condition.window.kind === 'last' ? now - (condition.window.days + 1) * DAY_MS : condition.window.from;
      const entry = tracked.get(condition.eventType) ?? { from, properties: new Set<string>() };
      entry.from = Math.min(entry.from, from);
      for (const filter of condition.filters) entry.properties.add(filter.property.split('.')[0] as string);
      tracked.set(condition.eventType, entry);
    }
  }
  return tracked;
};

/** Does `wider` keep everything `narrower` keeps (no new type, property, or earlier start)? */
export const covers = (wider: TrackedEvent | undefined, narrower: TrackedEvent): boolean =>
  wider !== undefined && wider.from <= narrower.from && [...narrower.properties].every((p) => wider.properties.has(p));

/** The kept part of an event's properties. */
export const keptProperties = (properties: Readonly<Record<string, unknown>>, keep: ReadonlySet<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const key of keep) if (properties[key] !== undefined) out[key] = properties[key];
  return out;
};

const before = (a: EventOccurrence, b: EventOccurrence): boolean => a.at < b.at || (a.at === b.at && a.eventId < b.eventId);

/**
 * Adds an occurrence in order; answers false when the activity holds that event already (a batch
 * repeated after a crash, a backfill meeting the live path). Mutates `activity`.
 */
export const recordOccurrence = (activity: Activity, eventType: string, occurrence: EventOccurrence): boolean => {
  const list = (activity[eventType] ??= []);
  let i = list.length;
  while (i > 0 && before(occurrence, list[i - 1] as EventOccurrence)) i--;
  // Same time and id sort together: look both ways for a duplicate.
  for (let j = i - 1; j >= 0 && (list[j] as EventOccurrence).at === occurrence.at; j--)
    if ((list[j] as EventOccurrence).eventId === occurrence.eventId) return false;
  for (let j = i; j < list.length && (list[j] as EventOccurrence).at === occurrence.at; j++)
    if ((list[j] as EventOccurrence).eventId === occurrence.eventId) return false;
  list.splice(i, 0, occurrence);
  return true;
};

/** Drops types no longer tracked and occurrences older than their type's start. Answers a new object. */
export const trimActivity = (activity: Activity, tracked: TrackedEvents): Activity => {
  const out: Activity = {};
  for (const [type, list] of Object.entries(activity)) {
    const keep = tracked.get(type);
    if (!keep) continue;
    let first = 0;
    while (first < list.length && (list[first] as EventOccurrence).at < keep.from) first++;
    if (first < list.length) out[type] = first === 0 ? list : list.slice(first);
  }
  return out;
};

/** A merged person's activity: both histories, each event once. */
export const mergeActivity = (a: Activity, b: Activity): Activity => {
  const out: Activity = {};
  for (const [type, list] of Object.entries(a)) out[type] = [...list];
  for (const [type, list] of Object.entries(b)) for (const occurrence of list) recordOccurrence(out, type, occurrence);
  return out;
};

export const historyOf = (activity: Activity): EventHistory => ({
  occurrences: (eventType) => activity[eventType] ?? NO_EVENTS,
});

/** Stored form: `{ type: [[at, eventId, properties?], …] }`, properties left out when empty. */
export const encodeActivity = (activity: Activity): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(activity).map(([type, list]) => [
        type,
        list.map((o) => (Object.keys(o.properties).length === 0 ? [o.at, o.eventId] : [o.at, o.eventId, o.properties])),
      ]),
    ),
  );

export const decodeActivity = (body: string): Activity => {
  const raw = JSON.parse(body) as Record<string, [number, string, Record<string, unknown>?][]>;
  const out: Activity = {};
  for (const [type, list] of Object.entries(raw))
    out[type] = list.map(([at, eventId, properties]) => ({ at, eventId, properties: properties ?? {} }));
  return out;
};

export const isEmptyActivity = (activity: Activity): boolean => Object.keys(activity).length === 0;
