import type { CaseState, Interaction, ProfileState, TraitValue } from './profile-state.js';
import type { Scores } from './profile-scores.js';

/*
 * The body of a `profile_state` row: one JSON text per person with the state, the aggregate states
 * (packed by the aggregates module), the scores and the time zone (migration 0005, decision 0009).
 *
 * The row is rewritten every batch that touches the person, so its size is paid at every write
 * (serialising, the B-tree cell, the WAL page). Per-trait lineage was most of it: each trait named
 * its source, priority, time, log position, event id, event type and rule in full, and the traits
 * one event sets (an activation sets six) repeated the same event six times. Here the events a
 * state's lineage cites are listed once and a trait points at its event:
 *
 *   {"v":2,"z":"Europe/Moscow",
 *    "e":[["billing","activation",50,"2026-11-01T10:00:00.000Z",17,"evt-1"], …],  source, type, priority, at, seq, eventId
 *    "t":{"tariff":["T-SMART",0], …},          value, event index (, rule when it is not `source/type:trait`)
 *    "c":{"C-1":[category, channel, status, openedAt, firstSeenAt, expectedResolutionDate, promisedAt, resolvedAt, updatedAt, updatedSeq]},
 *    "i":{"app":["2026-11-04T10:00:00.000Z","identify",42]},   at, eventType, seq
 *    "f":firstEventAt,"l":lastEventAt,"n":events,
 *    "a":{"data_usage_home":[def, days, recent?], …},
 *    "s":scores}
 *
 * Version 1 is the row of migration 0004 wrapped as `{"v":1,"state":…,"aggregates":…,"scores":…,
 * "timeZone":…}` by migration 0005; it is read as it is and rewritten as version 2 when the person
 * is next touched. Decoding gives back equal domain values, so every reader (the profile API and its
 * lineage, the pipeline) sees what it saw before.
 */

export interface ProfileBody {
  readonly state: ProfileState;
  /** Aggregate states by definition id: packed (version 2) or the version-1 objects; the stage restores both. */
  readonly aggregates: Readonly<Record<string, unknown>>;
  readonly scores: Scores | null;
  readonly timeZone: string;
}

/**
 * What a row is written from: the aggregates already as JSON text (an object of packed states by
 * definition id), because the stage keeps each aggregate's text while its state is unchanged and
 * most events change a few of a person's aggregates.
 */
export interface ProfileBodyToWrite {
  readonly state: ProfileState;
  readonly aggregatesJson: string;
  readonly scores: Scores | null;
  readonly timeZone: string;
}

type EncodedEvent = [source: string, type: string, priority: number, at: string, seq: number, eventId: string];
type EncodedTrait = [value: unknown, event: number] | [value: unknown, event: number, rule: string];
type EncodedCase = [
  category: string,
  channel: string,
  status: string,
  openedAt: string | null,
  firstSeenAt: string,
  expectedResolutionDate: string | null,
  promisedAt: string | null,
  resolvedAt: string | null,
  updatedAt: string,
  updatedSeq: number,
];
type EncodedInteraction = [at: string, eventType: string, seq: number];

interface EncodedBodyV2 {
  readonly v: 2;
  readonly z: string;
  readonly e: EncodedEvent[];
  readonly t: Record<string, EncodedTrait>;
  readonly c: Record<string, EncodedCase>;
  readonly i: Record<string, EncodedInteraction>;
  readonly f: string | null;
  readonly l: string | null;
  readonly n: number;
  readonly a: Readonly<Record<string, unknown>>;
  readonly s: Scores | null;
}

export class ProfileRowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileRowError';
  }
}

/**
 * Sets an own property even for the key `__proto__` (case ids and channels come from event data;
 * plain assignment of that key would set the object's prototype instead).
 */
const put = <T>(target: Record<string, T>, key: string, value: T): void => {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
};

const sameEvent = (e: EncodedEvent, t: TraitValue): boolean =>
  e[0] === t.source && e[1] === t.eventType && e[2] === t.priority && e[3] === t.at && e[5] === t.eventId;

export const encodeProfileBody = (body: ProfileBodyToWrite): string => {
  const { state } = body;
  const events: EncodedEvent[] = [];
  // The events already listed, by log position; most states cite a handful.
  const bySeq = new Map<number, number>();
  const traits: Record<string, EncodedTrait> = {};
  for (const name in state.traits) {
    const t = state.traits[name] as TraitValue;
    let index = bySeq.get(t.seq);
    if (index === undefined || !sameEvent(events[index] as EncodedEvent, t)) {
      index = events.length;
      events.push([t.source, t.eventType, t.priority, t.at, t.seq, t.eventId]);
      if (!bySeq.has(t.seq)) bySeq.set(t.seq, index);
    }
    put(traits, name, t.rule === `${t.source}/${t.eventType}:${name}` ? [t.value, index] : [t.value, index, t.rule]);
  }
  const cases: Record<string, EncodedCase> = {};
  for (const id in state.cases) {
    const c = state.cases[id] as CaseState;
    put(cases, id, [
      c.category,
      c.channel,
      c.status,
      c.openedAt,
      c.firstSeenAt,
      c.expectedResolutionDate,
      c.promisedAt,
      c.resolvedAt,
      c.updatedAt,
      c.updatedSeq,
    ]);
  }
  const interactions: Record<string, EncodedInteraction> = {};
  for (const channel in state.interactions) {
    const i = state.interactions[channel] as Interaction;
    put(interactions, channel, [i.at, i.eventType, i.seq]);
  }
  const encoded: Omit<EncodedBodyV2, 'a'> = {
    v: 2,
    z: body.timeZone,
    e: events,
    t: traits,
    c: cases,
    i: interactions,
    f: state.firstEventAt,
    l: state.lastEventAt,
    n: state.events,
    s: body.scores,
  };
  const json = JSON.stringify(encoded);
  // The aggregates' text goes in as it is, as the last member.
  return `${json.slice(0, -1)},"a":${body.aggregatesJson}}`;
};

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const decodeV2 = (body: EncodedBodyV2): ProfileBody => {
  if (!Array.isArray(body.e) || !isRecord(body.t) || !isRecord(body.c) || !isRecord(body.i) || !isRecord(body.a))
    throw new ProfileRowError('profile row (version 2) is not shaped as written');
  const traits: Record<string, TraitValue> = {};
  for (const name in body.t) {
    const [value, index, rule] = body.t[name] as EncodedTrait;
    const e = body.e[index];
    if (!Array.isArray(e)) throw new ProfileRowError(`profile row: trait ${name} cites no event`);
    const [source, eventType, priority, at, seq, eventId] = e;
    put(traits, name, { value, source, priority, at, seq, eventId, eventType, rule: rule ?? `${source}/${eventType}:${name}` });
  }
  const cases: Record<string, CaseState> = {};
  for (const caseId in body.c) {
    const [category, channel, status, openedAt, firstSeenAt, expectedResolutionDate, promisedAt, resolvedAt, updatedAt, updatedSeq] = body
      .c[caseId] as EncodedCase;
    put(cases, caseId, {
      caseId,
      category,
      channel,
      status,
      openedAt,
      firstSeenAt,
      expectedResolutionDate,
      promisedAt,
      resolvedAt,
      updatedAt,
      updatedSeq,
    });
  }
  const interactions: Record<string, Interaction> = {};
  for (const channel in body.i) {
    const [at, eventType, seq] = body.i[channel] as EncodedInteraction;
    put(interactions, channel, { at, eventType, seq });
  }
  return {
    state: { traits, cases, interactions, firstEventAt: body.f, lastEventAt: body.l, events: body.n },
    aggregates: body.a,
    scores: body.s,
    timeZone: body.z,
  };
};

interface BodyV1 {
  readonly v: 1;
  readonly state: ProfileState;
  readonly aggregates: Readonly<Record<string, unknown>>;
  readonly scores: Scores | null;
  readonly timeZone: string;
}

export const decodeProfileBody = (text: string): ProfileBody => {
  const body = JSON.parse(text) as EncodedBodyV2 | BodyV1;
  if (body.v === 2) return decodeV2(body);
  if (body.v === 1 && isRecord(body.state) && isRecord(body.aggregates))
    return { state: body.state, aggregates: body.aggregates, scores: body.scores ?? null, timeZone: body.timeZone };
  throw new ProfileRowError(`profile row of unknown version ${String((body as { v?: unknown }).v)}`);
};
