import type { EventRef } from '../identity/index.js';
import { regionTimeZone } from './time-zones.js';

/** A value in a profile, with where it came from (per-trait lineage, issue 4 rule 12). */
export interface TraitValue {
  readonly value: unknown;
  /** The source that asserted it, and that source's survivorship priority. */
  readonly source: string;
  readonly priority: number;
  /** The event that set it: its time, log position, id and type, and the rule that read it. */
  readonly at: string;
  readonly seq: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly rule: string;
}

export interface CaseState {
  readonly caseId: string;
  /** From the newest update (event time, then log position). */
  readonly category: string;
  readonly channel: string;
  readonly status: string;
  /** The time of the case_opened event (null until it is seen), and of the first event about the case. */
  readonly openedAt: string | null;
  readonly firstSeenAt: string;
  /** The promised date, from the newest event that carried one (`promisedAt`: that event's time). */
  readonly expectedResolutionDate: string | null;
  readonly promisedAt: string | null;
  readonly resolvedAt: string | null;
  readonly updatedAt: string;
  readonly updatedSeq: number;
}

export interface Interaction {
  readonly at: string;
  readonly eventType: string;
  readonly seq: number;
}

/**
 * A person's current state, derived from their events. Every part is an order-independent
 * function of the events (a maximum by a total order), so a rebuild, a replay in another order
 * and a merge of two profiles all give the same state.
 */
export interface ProfileState {
  readonly traits: Readonly<Record<string, TraitValue>>;
  readonly cases: Readonly<Record<string, CaseState>>;
  /** The last interaction per channel (app, web, care, shop, call centre, payment channels…). */
  readonly interactions: Readonly<Record<string, Interaction>>;
  readonly firstEventAt: string | null;
  readonly lastEventAt: string | null;
  readonly events: number;
}

export const EMPTY_STATE: ProfileState = { traits: {}, cases: {}, interactions: {}, firstEventAt: null, lastEventAt: null, events: 0 };

/** The event facts the profile stage reads. */
export interface ProfileEvent extends EventRef {
  readonly properties: Readonly<Record<string, unknown>>;
}

/** Survivorship: billing/KYC > CRM > network > app > web (issue 4 rule 12); other sources between app and web. */
export const DEFAULT_SOURCE_PRIORITY: Readonly<Record<string, number>> = {
  billing: 50,
  crm: 40,
  network: 30,
  app: 20,
  web: 10,
};
const OTHER_SOURCE_PRIORITY = 15;

type Reader = (props: Readonly<Record<string, unknown>>, event: ProfileEvent) => unknown;

interface TraitRule {
  /** `source/type`: the events the rule reads. */
  readonly on: string;
  readonly trait: string;
  readonly read: Reader;
}

const prop =
  (path: string): Reader =>
  (props) => {
    let at: unknown = props;
    for (const part of path.split('.')) {
      if (at === null || typeof at !== 'object') return undefined;
      at = (at as Record<string, unknown>)[part];
    }
    return at;
  };
const constant =
  (value: unknown): Reader =>
  () =>
    value;

/**
 * Which event sets which trait. A rule's id in the lineage is `source/type:trait`. Values that
 * are absent, null or empty strings never overwrite (rule 12).
 */
export const TRAIT_RULES: readonly TraitRule[] = [
  { on: 'billing/activation', trait: 'status', read: constant('active') },
  { on: 'billing/activation', trait: 'tariff', read: prop('tariffId') },
  { on: 'billing/activation', trait: 'planType', read: prop('planType') },
  { on: 'billing/activation', trait: 'simType', read: prop('simType') },
  { on: 'billing/activation', trait: 'activatedAt', read: (_, e) => e.at },
  { on: 'billing/tariff_change', trait: 'tariff', read: prop('toTariffId') },
  { on: 'billing/tariff_change', trait: 'planType', read: prop('planType') },
  { on: 'billing/suspension', trait: 'status', read: constant('suspended') },
  { on: 'billing/suspension', trait: 'suspensionReason', read: prop('reason') },
  { on: 'billing/resumption', trait: 'status', read: constant('active') },
  { on: 'billing/termination', trait: 'status', read: constant('terminated') },
  { on: 'billing/termination', trait: 'terminationReason', read: prop('reason') },
  { on: 'billing/port_out', trait: 'status', read: constant('ported_out') },
  { on: 'billing/port_out', trait: 'portedTo', read: prop('recipientOperator') },
  { on: 'billing/port_in', trait: 'status', read: constant('active') },
  { on: 'billing/port_in', trait: 'tariff', read: prop('tariffId') },
  { on: 'billing/port_in', trait: 'portedFrom', read: prop('donorOperator') },
  { on: 'billing/port_in', trait: 'activatedAt', read: (_, e) => e.at },
  { on: 'billing/balance_changed', trait: 'balance', read: prop('balance') },
  { on: 'billing/payment', trait: 'lastPayment', read: (p, e) => ({ amount: p.totalAmount, method: p.paymentMethod, at: e.at }) },
  { on: 'billing/topup', trait: 'lastTopup', read: (p, e) => ({ amount: p.amount, method: p.paymentMethod, at: e.at }) },
  { on: 'network/sim_change', trait: 'simType', read: prop('newSimType') },
  { on: 'crm/customer_changed', trait: 'name', read: prop('name') },
  { on: 'crm/customer_changed', trait: 'birthYear', read: prop('birthYear') },
  { on: 'crm/customer_changed', trait: 'language', read: prop('language') },
  { on: 'crm/customer_changed', trait: 'homeRegion', read: prop('homeRegion') },
  { on: 'crm/customer_changed', trait: 'customerType', read: prop('customerType') },
  { on: 'crm/customer_changed', trait: 'email', read: prop('email') },
  { on: 'app/identify', trait: 'name', read: (p, e) => prop('traits.name')(p, e) ?? joinName(p) },
  { on: 'app/identify', trait: 'email', read: prop('traits.email') },
  { on: 'app/identify', trait: 'homeCity', read: prop('traits.address.city') },
  { on: 'network/roaming_started', trait: 'roaming', read: constant(true) },
  { on: 'network/roaming_started', trait: 'visitedCountry', read: prop('visitedCountry') },
  { on: 'network/roaming_ended', trait: 'roaming', read: constant(false) },
  { on: 'network/roaming_ended', trait: 'visitedCountry', read: constant(null) },
  { on: 'network/location_update', trait: 'lastLocation', read: locationOf },
  { on: 'network/data_session', trait: 'lastLocation', read: (p) => locationOf(asRecord(p.userLocationInformation) ?? {}) },
  {
    on: 'network/data_session',
    trait: 'deviceTac',
    read: (p) => (typeof p.servedIMEISV === 'string' ? p.servedIMEISV.slice(0, 8) : undefined),
  },
  { on: 'app/app_open', trait: 'appVersion', read: prop('appVersion') },
  { on: 'app/app_open', trait: 'deviceOs', read: (p) => (p.os ? [p.os, p.osVersion].filter(Boolean).join(' ') : undefined) },
];

function joinName(p: Readonly<Record<string, unknown>>): string | undefined {
  const t = asRecord(p.traits);
  const name = [t?.firstName, t?.lastName].filter((x) => typeof x === 'string' && x !== '').join(' ');
  return name === '' ? undefined : name;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function locationOf(p: Readonly<Record<string, unknown>>): unknown {
  if (p.cellId === undefined) return undefined;
  return { cellId: p.cellId, tac: p.tac ?? p.lac ?? null, plmn: p.plmnIdentifier ?? p.servingNodePLMNIdentifier ?? null };
}

/** Values a rule may set; `null` is allowed only where a rule sets it on purpose (roaming ended). */
const isEmpty = (v: unknown): boolean => v === undefined || v === '' || (typeof v === 'string' && v.trim() === '');

/** The channel an event is an interaction on, if it is one. */
const interactionChannel = (event: ProfileEvent): string | undefined => {
  const p = event.properties;
  if (event.sourceId === 'app') return 'app';
  if (event.sourceId === 'web' && event.type !== 'domain_visit') return 'web';
  if (event.sourceId === 'crm' && typeof p.channel === 'string' && event.type.startsWith('case_')) return p.channel;
  if (event.sourceId === 'billing' && (event.type === 'payment' || event.type === 'topup') && typeof p.channel === 'string')
    return p.channel;
  return undefined;
};

const rulesByEvent = new Map<string, TraitRule[]>();
for (const rule of TRAIT_RULES) rulesByEvent.set(rule.on, [...(rulesByEvent.get(rule.on) ?? []), rule]);

/** Total order of assertions: priority, then event time, then log position. */
const wins = (candidate: TraitValue, current: TraitValue | undefined): boolean =>
  current === undefined ||
  candidate.priority > current.priority ||
  (candidate.priority === current.priority && (candidate.at > current.at || (candidate.at === current.at && candidate.seq > current.seq)));

const later = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a > b ? a : b);
const earlier = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a < b ? a : b);

/**
 * Applies one event to a state (pure; answers a new state, or the same object when nothing
 * changed). `priorities` maps a source to its survivorship priority.
 */
export const applyProfileEvent = (
  state: ProfileState,
  event: ProfileEvent,
  priorities: Readonly<Record<string, number>> = DEFAULT_SOURCE_PRIORITY,
): ProfileState => {
  const key = `${event.sourceId}/${event.type}`;
  const priority = priorities[event.sourceId] ?? OTHER_SOURCE_PRIORITY;
  let traits: Record<string, TraitValue> | undefined;
  for (const rule of rulesByEvent.get(key) ?? []) {
    const value = rule.read(event.properties, event);
    if (isEmpty(value)) continue;
    const candidate: TraitValue = {
      value,
      source: event.sourceId,
      priority,
      at: event.at,
      seq: event.seq,
      eventId: event.eventId,
      eventType: event.type,
      rule: `${key}:${rule.trait}`,
    };
    if (!wins(candidate, (traits ?? state.traits)[rule.trait])) continue;
    traits ??= { ...state.traits };
    traits[rule.trait] = candidate;
  }
  let cases = state.cases;
  if (event.sourceId === 'crm' && event.type.startsWith('case_')) cases = applyCase(cases, event);
  let interactions = state.interactions;
  const channel = interactionChannel(event);
  const known = channel === undefined ? undefined : interactions[channel];
  if (channel !== undefined && (!known || event.at > known.at || (event.at === known.at && event.seq > known.seq))) {
    interactions = { ...interactions, [channel]: { at: event.at, eventType: event.type, seq: event.seq } };
  }
  return {
    traits: traits ?? state.traits,
    cases,
    interactions,
    firstEventAt: earlier(state.firstEventAt, event.at),
    lastEventAt: later(state.lastEventAt, event.at),
    events: state.events + 1,
  };
};

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const newerThan = (a: { updatedAt: string; updatedSeq: number }, b: { updatedAt: string; updatedSeq: number }): boolean =>
  a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && a.updatedSeq > b.updatedSeq);

/** One case event as a case state of its own. */
const caseOf = (caseId: string, event: ProfileEvent): CaseState => {
  const p = event.properties;
  const promised = str(p.expectedResolutionDate);
  return {
    caseId,
    category: str(p.category) ?? 'unknown',
    channel: str(p.channel) ?? 'unknown',
    status: event.type === 'case_resolved' ? 'resolved' : (str(p.status) ?? 'open'),
    openedAt: event.type === 'case_opened' ? event.at : null,
    firstSeenAt: event.at,
    expectedResolutionDate: promised,
    promisedAt: promised === null ? null : event.at,
    resolvedAt: event.type === 'case_resolved' ? (str(p.resolutionDate) ?? event.at) : null,
    updatedAt: event.at,
    updatedSeq: event.seq,
  };
};

/** Two states of one case as one: commutative and associative, so arrival order never matters. */
const foldCase = (a: CaseState, b: CaseState): CaseState => {
  const [older, newer] = newerThan(b, a) ? [a, b] : [b, a];
  const promise = older.promisedAt !== null && (newer.promisedAt === null || older.promisedAt > newer.promisedAt) ? older : newer;
  const resolvedAt = later(a.resolvedAt, b.resolvedAt);
  return {
    ...newer,
    status: resolvedAt !== null ? 'resolved' : newer.status,
    openedAt: earlier(a.openedAt, b.openedAt),
    firstSeenAt: earlier(a.firstSeenAt, b.firstSeenAt) as string,
    expectedResolutionDate: promise.expectedResolutionDate,
    promisedAt: promise.promisedAt,
    resolvedAt,
  };
};

const applyCase = (cases: Readonly<Record<string, CaseState>>, event: ProfileEvent): Readonly<Record<string, CaseState>> => {
  const caseId = str(event.properties.caseId);
  if (caseId === null) return cases;
  const incoming = caseOf(caseId, event);
  const known = cases[caseId];
  return { ...cases, [caseId]: known ? foldCase(known, incoming) : incoming };
};

/** Two profiles' states as one (a merge): the same as applying both profiles' events to one state. */
export const mergeProfileStates = (a: ProfileState, b: ProfileState): ProfileState => {
  const traits: Record<string, TraitValue> = { ...a.traits };
  for (const [name, value] of Object.entries(b.traits)) if (wins(value, traits[name])) traits[name] = value;
  const cases: Record<string, CaseState> = { ...a.cases };
  for (const [id, c] of Object.entries(b.cases)) {
    const known = cases[id];
    cases[id] = known ? foldCase(known, c) : c;
  }
  const interactions: Record<string, Interaction> = { ...a.interactions };
  for (const [channel, i] of Object.entries(b.interactions)) {
    const known = interactions[channel];
    if (!known || i.at > known.at || (i.at === known.at && i.seq > known.seq)) interactions[channel] = i;
  }
  return {
    traits,
    cases,
    interactions,
    firstEventAt: earlier(a.firstEventAt, b.firstEventAt),
    lastEventAt: later(a.lastEventAt, b.lastEventAt),
    events: a.events + b.events,
  };
};

export interface CaseView extends CaseState {
  /** The promised resolution date has passed without a resolution, or the resolution came after it. */
  readonly promiseBroken: boolean;
}

/** What a channel reads: plain trait values, open cases with broken promises, time zone. */
export interface ProfileView {
  readonly traits: Readonly<Record<string, unknown>>;
  readonly openCases: readonly CaseView[];
  readonly brokenPromises: number;
  readonly lastInteraction: Readonly<Record<string, string>>;
  readonly timeZone: string;
  readonly firstEventAt: string | null;
  readonly lastEventAt: string | null;
  readonly events: number;
}

export const caseView = (c: CaseState, now: Date): CaseView => {
  const due =
    c.expectedResolutionDate === null
      ? null
      : Date.parse(c.expectedResolutionDate.length === 10 ? `${c.expectedResolutionDate}T23:59:59Z` : c.expectedResolutionDate);
  const resolved = c.resolvedAt === null ? null : Date.parse(c.resolvedAt);
  const promiseBroken = due !== null && !Number.isNaN(due) && (resolved === null ? now.getTime() > due : resolved > due);
  return { ...c, promiseBroken };
};

/** The time zone a profile's days are counted in: its home region's, else the default. */
export const timeZoneOf = (state: ProfileState, fallback: string): string => {
  const region = state.traits.homeRegion?.value;
  return (typeof region === 'string' ? regionTimeZone(region) : undefined) ?? fallback;
};

export const viewOf = (state: ProfileState, now: Date, defaultTimeZone: string): ProfileView => {
  const cases = Object.values(state.cases).map((c) => caseView(c, now));
  return {
    traits: Object.fromEntries(Object.entries(state.traits).map(([k, v]) => [k, v.value])),
    openCases: cases.filter((c) => c.status !== 'resolved' && c.status !== 'closed'),
    brokenPromises: cases.filter((c) => c.promiseBroken).length,
    lastInteraction: Object.fromEntries(Object.entries(state.interactions).map(([k, v]) => [k, v.at])),
    timeZone: timeZoneOf(state, defaultTimeZone),
    firstEventAt: state.firstEventAt,
    lastEventAt: state.lastEventAt,
    events: state.events,
  };
};
