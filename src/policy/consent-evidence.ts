/*
 * What policy needs to know of a subject's consent for one purpose and channel. The consent
 * ledger (src/consent) answers it from its projection; a caller that knows only yes or no passes
 * a boolean. Policy never reads the ledger itself, so a decision is a pure function of its inputs
 * and can be cached per distinct tuple.
 */

export interface ConsentEvidence {
  /** A valid basis exists for the purpose and channel at the time asked (not denied, withdrawn or expired). */
  readonly valid: boolean;
  /**
   * The basis is the subject's own consent (GDPR art. 6(1)(a), 152-FZ art. 9, ePrivacy art. 6 and 9),
   * not a contract or a legitimate interest. Traffic and location data feed marketing only then.
   */
  readonly explicit: boolean;
  /** The ledger's legal-basis code, for the record. */
  readonly legalBasis: string | null;
  /**
   * Further signals present for the subject (SIGNALS): the explicit consents to traffic and
   * location data for marketing, TCF vendor consent, 38-FZ advertising consent.
   */
  readonly signals: readonly string[];
  /** The consent events the answer rests on: the disclosure log cites them. */
  readonly eventIds: readonly string[];
}

/** Signals the policy set and consumers' required signals name; `ledgerConsent` produces them. */
export const SIGNALS = {
  /** A valid grant of the ledger's `traffic_data` purpose under a consent basis (ePrivacy art. 6(3)). */
  trafficDataConsent: 'traffic_data_consent',
  /** A valid grant of the ledger's `location_data` purpose under a consent basis (ePrivacy art. 9(1)). */
  locationDataConsent: 'location_data_consent',
  /** A TCF v2 string that gives the partner's vendor consent for the purpose. */
  tcfVendorConsent: 'tcf_vendor_consent',
  /** The advertising consent of 38-FZ art. 18(1). */
  advertisingConsent: 'advertising_consent',
} as const;

/**
 * A boolean or the ledger's evidence. `true` is a caller's assertion of explicit consent for the
 * purpose and channel, covering traffic and location data; it carries no TCF or advertising signal.
 */
export type ConsentInput = boolean | ConsentEvidence;

export const NO_CONSENT: ConsentEvidence = Object.freeze({ valid: false, explicit: false, legalBasis: null, signals: [], eventIds: [] });
export const EXPLICIT_CONSENT: ConsentEvidence = Object.freeze({
  valid: true,
  explicit: true,
  legalBasis: 'consent',
  signals: [SIGNALS.locationDataConsent, SIGNALS.trafficDataConsent],
  eventIds: [],
});

export const evidenceOf = (input: ConsentInput): ConsentEvidence =>
  input === true ? EXPLICIT_CONSENT : input === false ? NO_CONSENT : input;

/*
 * Keys are interned: a filter over a million members asks for one per member, and building a
 * fresh string each time (then hashing it) would cost more than the lookup it serves. The ledger's
 * legal-basis and signal codes are a handful of constant strings, so the tables stay tiny.
 */
const internedKeys: Map<string, Map<string, string>>[] = [new Map(), new Map(), new Map(), new Map()];

const keyOf = (e: ConsentEvidence): string => {
  const basis = e.legalBasis ?? '';
  const n = e.signals.length;
  const signals = n === 0 ? '' : n === 1 ? (e.signals[0] as string) : [...new Set(e.signals)].sort().join(',');
  const table = internedKeys[(e.valid ? 2 : 0) + (e.explicit ? 1 : 0)] as Map<string, Map<string, string>>;
  let bySignals = table.get(basis);
  if (bySignals === undefined) table.set(basis, (bySignals = new Map()));
  let key = bySignals.get(signals);
  if (key === undefined) {
    if (bySignals.size > 1_000) bySignals.clear();
    bySignals.set(signals, (key = `${e.valid ? 'v' : '-'}${e.explicit ? 'e' : '-'}|${basis}|${signals}`));
  }
  return key;
};
const TRUE_KEY = keyOf(EXPLICIT_CONSENT);
const FALSE_KEY = keyOf(NO_CONSENT);

/**
 * Everything of the evidence a policy can read (validity, explicitness, legal basis, the set of
 * signals), as a short string: the cache key's consent part. Event ids are left out — they are
 * cited, not decided on — so every subject with the same kind of consent shares one decision.
 */
export const consentKey = (input: ConsentInput): string => (input === true ? TRUE_KEY : input === false ? FALSE_KEY : keyOf(input));
