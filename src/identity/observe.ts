import type { IdentifierTypeName } from '../contracts/index.js';
import { byPriority, isIdentifierType, isMergeKeyClass, type IdentifierRegistry } from './identifier-types.js';

/** The event facts identity needs: what a logged event is to the identity graph. */
export interface ObservableEvent {
  readonly seq: number;
  readonly sourceId: string;
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly payload: { readonly identifiers: Readonly<Record<string, string>>; readonly properties: Readonly<Record<string, unknown>> };
}

export interface EventRef {
  readonly seq: number;
  readonly sourceId: string;
  readonly eventId: string;
  readonly type: string;
  readonly at: string;
}

export interface IdRef {
  readonly type: IdentifierTypeName;
  readonly value: string;
}

export type AccountRole = 'payer' | 'user' | 'admin';

export interface Observation {
  readonly event: EventRef;
  /** Merge keys (person-unique, line, contact) the event asserts are one person at its time, strongest first. */
  readonly keys: readonly IdRef[];
  /** Accounts the event relates the person to: relationships, never merge keys. */
  readonly accounts: readonly { readonly accountId: string; readonly role: AccountRole }[];
  /** Devices the event was seen on: attributes, never merge keys. */
  readonly devices: readonly IdRef[];
  /** Line identifiers whose validity ends at the event's time (termination, port-out, a swapped-out SIM). */
  readonly lineEnds: readonly IdRef[];
  readonly simSwap?: {
    readonly msisdn?: string;
    readonly oldIccid?: string;
    readonly newIccid?: string;
    readonly oldImsi?: string;
    readonly newImsi?: string;
  };
  readonly session?: { readonly deviceId: string; readonly appUserId: string; readonly action: 'login' | 'logout' };
}

const NONE: readonly IdRef[] = Object.freeze([]);

/** Each registry's types ranked strongest first (`byPriority`), found once: an event's identifiers are sorted by it. */
const RANKS = new WeakMap<IdentifierRegistry, ReadonlyMap<string, number>>();
const ranksOf = (registry: IdentifierRegistry): ReadonlyMap<string, number> => {
  let ranks = RANKS.get(registry);
  if (ranks === undefined) {
    const types = (Object.keys(registry) as IdentifierTypeName[]).map((type) => ({ type })).sort(byPriority(registry));
    RANKS.set(registry, (ranks = new Map(types.map(({ type }, i) => [type, i]))));
  }
  return ranks;
};

/** BSS events that end a line's identifiers: the next holder of the number is someone else. */
const LINE_ENDING_EVENTS = new Set(['billing/termination', 'billing/port_out']);
/** Events where the account relation is the payer's (the customer record, a payment). */
const PAYER_EVENTS = new Set(['crm/customer_changed', 'billing/payment']);

const digitsOf = (value: unknown): string | undefined => {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const digits = String(value).replace(/[\s-]/g, '');
  return /^\d{10,20}$/.test(digits) ? digits : undefined;
};

/**
 * Reduces a logged event to what identity resolution needs, under the registry's classes and
 * priorities. Pure. The event's identifiers were normalised at ingestion; the old SIM of a SIM
 * change is read from its properties (it is declared but deliberately not mapped, so that it does
 * not link to the person again).
 */
export const observe = (event: ObservableEvent, registry: IdentifierRegistry): Observation => {
  const key = `${event.sourceId}/${event.type}`;
  const identifiers = event.payload.identifiers;
  const ids: IdRef[] = [];
  for (const type of Object.keys(identifiers)) if (isIdentifierType(type)) ids.push({ type, value: identifiers[type] as string });
  if (ids.length > 1) {
    const rank = ranksOf(registry);
    ids.sort((a, b) => (rank.get(a.type) as number) - (rank.get(b.type) as number));
  }
  const keys: IdRef[] = [];
  const devices: IdRef[] = [];
  const accounts: { accountId: string; role: AccountRole }[] = [];
  let lineKeys = false;
  for (const id of ids) {
    const cls = registry[id.type].class;
    if (isMergeKeyClass(cls)) {
      keys.push(id);
      if (cls === 'line') lineKeys = true;
    } else if (cls === 'device') devices.push(id);
    else if (cls === 'account') accounts.push({ accountId: id.value, role: PAYER_EVENTS.has(key) ? 'payer' : 'user' });
  }
  const isLine = (id: IdRef): boolean => registry[id.type].class === 'line';
  const lineEnds = lineKeys && LINE_ENDING_EVENTS.has(key) ? keys.filter(isLine) : NONE;

  const event_: EventRef = { seq: event.seq, sourceId: event.sourceId, eventId: event.eventId, type: event.type, at: event.occurredAt };
  const observation: Observation = { event: event_, keys, accounts, devices, lineEnds };

  if (key === 'network/sim_change') {
    const p = event.payload.properties;
    const oldIccid = digitsOf(p.oldIccid);
    const oldImsi = digitsOf(p.oldImsi);
    const ends: IdRef[] = [];
    if (oldIccid && oldIccid !== event.payload.identifiers.iccid) ends.push({ type: 'iccid', value: oldIccid });
    if (oldImsi && oldImsi !== event.payload.identifiers.imsi) ends.push({ type: 'imsi', value: oldImsi });
    return {
      ...observation,
      lineEnds: ends.filter(isLine),
      simSwap: {
        ...(event.payload.identifiers.msisdn ? { msisdn: event.payload.identifiers.msisdn } : {}),
        ...(oldIccid ? { oldIccid } : {}),
        ...(event.payload.identifiers.iccid ? { newIccid: event.payload.identifiers.iccid } : {}),
        ...(oldImsi ? { oldImsi } : {}),
        ...(event.payload.identifiers.imsi ? { newImsi: event.payload.identifiers.imsi } : {}),
      },
    };
  }
  if (key === 'app/login' || key === 'app/logout') {
    const deviceId = event.payload.identifiers.deviceId;
    const appUserId = event.payload.identifiers.appUserId;
    if (deviceId && appUserId)
      return { ...observation, session: { deviceId, appUserId, action: key === 'app/login' ? 'login' : 'logout' } };
  }
  return observation;
};
