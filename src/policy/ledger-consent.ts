import {
  CONSENT_BASES,
  SPECIAL_DATA_PURPOSES,
  decideConsent,
  mayFeedMarketing,
  type ConsentDecision,
  type ConsentState,
} from '../consent/index.js';
import { SIGNALS, type ConsentEvidence } from './consent-evidence.js';

/*
 * The consent ledger's answers (src/consent) as policy's consent evidence. The ledger decides
 * validity (grants, withdrawals, expiry, 38-FZ advertising consent, TCF); policy needs besides
 * whether the basis is the subject's explicit consent, and the signals the subject carries —
 * among them the ledger's own verdict on traffic and location data (`mayFeedMarketing`).
 */

/** One ledger decision as evidence (no traffic or location signal: those need the subject's state). */
export const evidenceFromDecision = (decision: ConsentDecision): ConsentEvidence => {
  const event = decision.event;
  if (!decision.valid || event === undefined)
    return { valid: false, explicit: false, legalBasis: event?.legalBasis ?? null, signals: [], eventIds: event ? [event.eventId] : [] };
  const signals: string[] = [];
  // A valid decision resting on a TC string has passed the ledger's vendor and purpose check.
  if (event.tcfString !== null) signals.push(SIGNALS.tcfVendorConsent);
  if (event.legalBasis === 'fz38_art18_ad_consent') signals.push(SIGNALS.advertisingConsent);
  return { valid: true, explicit: CONSENT_BASES.has(event.legalBasis), legalBasis: event.legalBasis, signals, eventIds: [event.eventId] };
};

const DATA_SIGNALS = { traffic: SIGNALS.trafficDataConsent, location: SIGNALS.locationDataConsent } as const;

/**
 * A subject's consent for a purpose and channel at a time, as policy evidence: the ledger's
 * decision, plus `traffic_data_consent` / `location_data_consent` where the ledger lets that data
 * feed the purpose, citing the consent events of those grants too.
 */
export const ledgerConsent = (state: ConsentState, purpose: string, channel: string, at: Date | string | number): ConsentEvidence => {
  const evidence = evidenceFromDecision(decideConsent(state, purpose, channel, at));
  if (!evidence.valid) return evidence;
  const signals = [...evidence.signals];
  const eventIds = [...evidence.eventIds];
  for (const dataClass of Object.keys(DATA_SIGNALS) as (keyof typeof DATA_SIGNALS)[]) {
    if (!mayFeedMarketing(state, { dataClass, purpose, channel, at }).valid) continue;
    signals.push(DATA_SIGNALS[dataClass]);
    const grant = decideConsent(state, SPECIAL_DATA_PURPOSES[dataClass], channel, at).event;
    if (grant) eventIds.push(grant.eventId);
  }
  return { ...evidence, signals, eventIds };
};
