import {
  AD_CHANNEL_PREFIX,
  CONSENT_BASES,
  channelAlias,
  isAdChannel,
  type ConsentEvent,
  type LegalBasis,
  type Purpose,
} from './consent-model.js';
import { decodeTcString, tcfPermits } from './tcf.js';

/*
 * Consent state: a pure projection over a subject's events, answerable at any time (as-of). Per
 * purpose and channel the decisive event at time t is the one with the latest effective time at
 * or before t (recording order breaks ties), where
 *  - a grant or an expiry takes effect at its `validFrom`;
 *  - a deny or a withdrawal takes effect at once: at its `validFrom` or when it was recorded,
 *    whichever is earlier (GDPR Art. 7(3), 152-FZ Art. 9(2): a withdrawal cannot be postponed),
 *    and it also voids any grant recorded before it that had not yet taken effect.
 * Then the law's rules (docs/consent.md) decide whether the decisive grant is valid. Anything
 * missing — no record, an unknown purpose, a refused TC string — is a denial (fail closed).
 */

/** What the projection needs to know about a purpose. */
export type PurposeRules = Pick<Purpose, 'code' | 'advertising' | 'tcfPurposeId'>;

/** Channels on which advertising is "distributed over telecommunication networks" (38-FZ Art. 18(1)). */
export const AD_CONSENT_CHANNELS: ReadonlySet<string> = new Set(['sms', 'voice']);

/** The purposes whose explicit consent lets traffic or location data feed marketing (ePrivacy Art. 6(3), 9(1)). */
export const SPECIAL_DATA_PURPOSES = { traffic: 'traffic_data', location: 'location_data' } as const;
const SPECIAL_DATA_BASES: Readonly<Record<keyof typeof SPECIAL_DATA_PURPOSES, ReadonlySet<LegalBasis>>> = {
  traffic: new Set(['eprivacy_traffic_consent', 'gdpr_art6_1a_consent']),
  location: new Set(['eprivacy_location_consent', 'gdpr_art6_1a_consent']),
};

export type ConsentStatus = 'granted' | 'denied' | 'withdrawn' | 'expired' | 'none';

export interface ConsentDecision {
  readonly purpose: string;
  readonly channel: string;
  /** The time asked about (ISO 8601). */
  readonly at: string;
  readonly status: ConsentStatus;
  readonly valid: boolean;
  /** Why: `GRANTED`, or the code of the rule that denied (docs/consent.md lists them). */
  readonly reason: string;
  /** The decisive event, the proof a report cites; absent when there is no record. */
  readonly event?: ConsentEvent;
}

interface TimedEvent {
  readonly event: ConsentEvent;
  readonly effectiveAt: number;
  /** Recording order across the projected subjects: by `recordedAt`, then chain position. */
  readonly rank: number;
}

export interface ConsentState {
  /** The first of `subjects`. */
  readonly subject: string;
  /** Every subject whose events are projected: a person is known as `profile:<id>`, its MSISDN, its email… */
  readonly subjects: readonly string[];
  /** `purpose␀channel` → events ordered by effective time, then recording order. */
  readonly timelines: ReadonlyMap<string, readonly TimedEvent[]>;
  readonly purposes: ReadonlyMap<string, PurposeRules>;
}

const keyOf = (purpose: string, channel: string): string => `${purpose}\u0000${channel}`;

const ms = (at: Date | string | number): number => (at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at));

/** When an event takes effect (see the module comment). */
export const effectiveTime = (event: ConsentEvent): number => {
  const from = Date.parse(event.validFrom);
  if (event.action === 'withdraw' || event.action === 'deny') return Math.min(from, Date.parse(event.recordedAt));
  return from;
};

const byRecording = (a: ConsentEvent, b: ConsentEvent): number =>
  a.recordedAt < b.recordedAt
    ? -1
    : a.recordedAt > b.recordedAt
      ? 1
      : a.seq - b.seq || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0);

/**
 * Projects the events (any order) of one subject, or of several subjects that are one person (a
 * profile and its identifiers), with the purposes they name. Events of other subjects are ignored.
 */
export const projectConsent = (
  subjects: string | readonly string[],
  events: readonly ConsentEvent[],
  purposes: Iterable<PurposeRules> | ReadonlyMap<string, PurposeRules>,
): ConsentState => {
  const list = typeof subjects === 'string' ? [subjects] : [...subjects];
  const wanted = new Set(list);
  const timelines = new Map<string, TimedEvent[]>();
  const ordered = events.filter((event) => wanted.has(event.subject)).sort(byRecording);
  ordered.forEach((event, i) => {
    const key = keyOf(event.purpose, event.channel);
    let timeline = timelines.get(key);
    if (!timeline) timelines.set(key, (timeline = []));
    timeline.push({ event, effectiveAt: effectiveTime(event), rank: i + 1 });
  });
  for (const timeline of timelines.values()) timeline.sort((a, b) => a.effectiveAt - b.effectiveAt || a.rank - b.rank);
  const byCode =
    purposes instanceof Map
      ? (purposes as ReadonlyMap<string, PurposeRules>)
      : new Map([...(purposes as Iterable<PurposeRules>)].map((p) => [p.code, p]));
  return { subject: list[0] ?? '', subjects: list, timelines, purposes: byCode };
};

/**
 * The decisive event for a purpose and channel at `at` (undefined: nothing had taken effect). A
 * grant is void when a deny or withdrawal recorded after it has taken effect by `at`.
 */
const decisiveAt = (timeline: readonly TimedEvent[], at: number): ConsentEvent | undefined => {
  let end = 0;
  let lastRevocation = 0;
  for (; end < timeline.length; end++) {
    const timed = timeline[end] as TimedEvent;
    if (timed.effectiveAt > at) break;
    if (timed.event.action === 'withdraw' || timed.event.action === 'deny') lastRevocation = Math.max(lastRevocation, timed.rank);
  }
  for (let i = end - 1; i >= 0; i--) {
    const timed = timeline[i] as TimedEvent;
    if (timed.event.action === 'grant' && timed.rank < lastRevocation) continue;
    return timed.event;
  }
  return undefined;
};

/** The GVL vendor id an ad channel names (`ads:gvl-755`), when it names one. */
const vendorOfChannel = (channel: string): number | undefined => {
  const match = /^gvl-(\d{1,6})$/.exec(channel.slice(AD_CHANNEL_PREFIX.length));
  return match ? Number(match[1]) : undefined;
};

const STATUS_OF: Readonly<Record<ConsentEvent['action'], ConsentStatus>> = {
  grant: 'granted',
  deny: 'denied',
  withdraw: 'withdrawn',
  expire: 'expired',
};

/** The state of one purpose on one channel at a time, with the rule that decided it. */
export const decideConsent = (state: ConsentState, purpose: string, rawChannel: string, at: Date | string | number): ConsentDecision => {
  const channel = channelAlias(rawChannel);
  const t = ms(at);
  const base = { purpose, channel, at: Number.isNaN(t) ? String(at) : new Date(t).toISOString() };
  const deny = (status: ConsentStatus, reason: string, event?: ConsentEvent): ConsentDecision => ({
    ...base,
    status,
    valid: false,
    reason,
    ...(event ? { event } : {}),
  });
  if (Number.isNaN(t)) return deny('none', 'INVALID_TIME');
  const timeline = state.timelines.get(keyOf(purpose, channel));
  const event = timeline ? decisiveAt(timeline, t) : undefined;
  if (!event) return deny('none', 'NO_CONSENT_RECORD');
  const rules = state.purposes.get(purpose);
  if (!rules) return deny('none', 'UNKNOWN_PURPOSE', event);
  switch (event.action) {
    case 'deny':
      return deny('denied', 'DENIED', event);
    case 'withdraw':
      return deny('withdrawn', 'WITHDRAWN', event);
    case 'expire':
      return deny('expired', 'EXPIRED', event);
    case 'grant':
      break;
  }
  if (event.expiresAt !== null && t >= Date.parse(event.expiresAt)) return deny('expired', 'EXPIRED', event);
  // 38-FZ Art. 18(1): advertising over telecom networks needs the subscriber's prior consent to
  // receive advertising; a consent to process personal data (152-FZ) is not one. Elsewhere the
  // ePrivacy Directive Art. 13 asks the same of electronic direct marketing: GDPR-grade consent.
  if (rules.advertising && AD_CONSENT_CHANNELS.has(channel)) {
    const accepted =
      event.jurisdiction === 'RU'
        ? event.legalBasis === 'fz38_art18_ad_consent'
        : CONSENT_BASES.has(event.legalBasis) && event.legalBasis !== 'fz152_consent';
    if (!accepted) return deny('denied', 'AD_CONSENT_REQUIRED', event);
  }
  if (event.tcfString !== null && rules.tcfPurposeId !== null) {
    const answer = tcfPermits(decodeTcString(event.tcfString), {
      purposeId: rules.tcfPurposeId,
      vendorId: event.tcfVendorId ?? vendorOfChannel(channel),
      adPartner: isAdChannel(channel),
    });
    if (!answer.allowed) return deny('denied', answer.reason, event);
  }
  return { ...base, status: STATUS_OF.grant, valid: true, reason: 'GRANTED', event };
};

/** Whether the subject has valid consent for a purpose on a channel at a time; no record is no consent. */
export const hasValidConsent = (state: ConsentState, purpose: string, channel: string, at: Date | string | number): boolean =>
  decideConsent(state, purpose, channel, at).valid;

/** The audience evaluator's `ConsentLookup` (src/audiences/audience-input.ts) for one subject at one time. */
export const consentLookup =
  (state: ConsentState, at: Date | string | number): ((purpose: string, channel: string) => boolean) =>
  (purpose, channel) =>
    hasValidConsent(state, purpose, channel, at);

/** Every purpose and channel the subject has a record for, decided at `at` (sorted by purpose, channel). */
export const consentSnapshot = (state: ConsentState, at: Date | string | number): ConsentDecision[] =>
  [...state.timelines.keys()]
    .map((key) => key.split('\u0000') as [string, string])
    .sort(([p1, c1], [p2, c2]) => p1.localeCompare(p2) || c1.localeCompare(c2))
    .map(([purpose, channel]) => decideConsent(state, purpose, channel, at));

export type SpecialDataClass = keyof typeof SPECIAL_DATA_PURPOSES;

/**
 * Whether data of a class may feed marketing for a purpose on a channel. Traffic and location data
 * (ePrivacy Directive Art. 6(3) and 9(1); in Russia, communications secrecy under 126-FZ Art. 63)
 * need, besides consent for the purpose, an explicit consent for that data: a valid grant of the
 * `traffic_data` or `location_data` purpose on the same channel under a consent basis.
 */
export const mayFeedMarketing = (
  state: ConsentState,
  question: { readonly dataClass: string; readonly purpose: string; readonly channel: string; readonly at: Date | string | number },
): ConsentDecision => {
  const decision = decideConsent(state, question.purpose, question.channel, question.at);
  if (!decision.valid) return decision;
  const dataClass = question.dataClass as SpecialDataClass;
  if (!Object.hasOwn(SPECIAL_DATA_PURPOSES, dataClass)) return decision;
  const special = decideConsent(state, SPECIAL_DATA_PURPOSES[dataClass], question.channel, question.at);
  const reason = `EXPLICIT_${dataClass.toUpperCase()}_CONSENT_REQUIRED`;
  if (!special.valid || !special.event || !SPECIAL_DATA_BASES[dataClass].has(special.event.legalBasis))
    return { ...decision, status: 'denied', valid: false, reason };
  return decision;
};
