import { sha256Hex } from '../core/hash.js';
import type { ConsentEventInput } from './consent-input.js';
import type { ConsentAction, LegalBasis, Purpose } from './consent-model.js';
import { decodeTcString, tcfPermits } from './tcf.js';

/*
 * IAB TCF v2 TC strings that arrive in the context of Segment-compatible calls (issue 7.1), mapped
 * to consent events. The Segment spec has no field of its own for a TC string (its consent object,
 * `context.consent.categoryPreferences`, carries CMP categories), so the places CMP integrations
 * put it are read, in this order: `context.consent.tcString`, `context.consent.tcfString`,
 * `context.consent.gdprConsent`, `context.gdpr_consent` (the IAB's own parameter name, as ad
 * tags pass it), `context.tcString`, `context.tcfString`.
 *
 * A TC string speaks for vendors (GVL ids) and purposes: for each registered purpose with a TCF
 * purpose id (the built-in `third_party_ads` is TCF purpose 4), one decision per vendor the string
 * names, on the channel `ads:gvl-<vendor>`, which the ledger checks against the string at decision
 * time (vendor consent and purpose consent; legitimate interest ignored for purposes 1, 3–6).
 * Only changes are recorded: a vendor whose latest decision already rests on the same string and
 * action gets nothing, and a vendor granted by an earlier string and absent from the new one is
 * denied. A string that does not decode (v1, another version, malformed) records nothing.
 */

export const SEGMENT_TCF_PATHS: readonly (readonly string[])[] = [
  ['consent', 'tcString'],
  ['consent', 'tcfString'],
  ['consent', 'gdprConsent'],
  ['gdpr_consent'],
  ['tcString'],
  ['tcfString'],
];

/** At most this many vendors a message (the Global Vendor List holds about a thousand). */
export const MAX_TCF_VENDORS = 1500;

/** Subjects a Segment call identifies, strongest first (an anonymous device is not a subject). */
const SUBJECT_TYPES = ['msisdn', 'email', 'appUserId'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** What the mapping reads of a logged event. */
export interface LoggedSegmentEvent {
  readonly sourceId: string;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly payload: {
    readonly identifiers: Readonly<Record<string, string>>;
    readonly context?: Readonly<Record<string, unknown>>;
    readonly channel: string;
  };
}

/** The TC string in a Segment message's context, if it carries one. */
export const tcStringOf = (context: Readonly<Record<string, unknown>> | undefined): string | undefined => {
  if (!context) return undefined;
  for (const path of SEGMENT_TCF_PATHS) {
    let node: unknown = context;
    for (const part of path) node = isObject(node) ? node[part] : undefined;
    if (typeof node === 'string' && node.trim() !== '') return node.trim();
  }
  return undefined;
};

/** A Segment-compatible call (or its quarantine replay) whose context carries a TC string. */
export const isSegmentTcfEvent = (event: LoggedSegmentEvent): boolean =>
  (event.payload.channel === 'segment' || isObject(event.payload.context?.segment)) && tcStringOf(event.payload.context) !== undefined;

/** The consent subject of a Segment call: its MSISDN, else e-mail, else app user id. */
export const segmentSubjectOf = (identifiers: Readonly<Record<string, string>>): string | undefined => {
  const type = SUBJECT_TYPES.find((t) => identifiers[t] !== undefined);
  return type === undefined ? undefined : `${type}:${identifiers[type]}`;
};

/** The latest recorded decision per purpose and channel (key `purpose␀channel`). */
export type LatestDecisions = Map<string, { readonly action: ConsentAction; readonly tcfString: string | null }>;

export const decisionKey = (purpose: string, channel: string): string => `${purpose}\u0000${channel}`;

export type TcfMapping =
  | { readonly ok: true; readonly subject: string; readonly inputs: ConsentEventInput[] }
  | { readonly ok: false; readonly code: string; readonly message: string };

const GVL_CHANNEL = /^ads:gvl-(\d{1,6})$/;

/** The consent events one Segment call's TC string stands for, given the subject's latest decisions. Pure. */
export const consentInputsFromSegmentTcf = (
  event: LoggedSegmentEvent,
  purposes: readonly Purpose[],
  latest: LatestDecisions,
): TcfMapping => {
  const tcString = tcStringOf(event.payload.context);
  if (tcString === undefined) return { ok: false, code: 'NO_TC_STRING', message: 'the context carries no TC string' };
  const subject = segmentSubjectOf(event.payload.identifiers);
  if (subject === undefined) return { ok: false, code: 'NO_SUBJECT', message: 'the call identifies no msisdn, email or userId' };
  const decoded = decodeTcString(tcString);
  if (!decoded.ok) return { ok: false, code: decoded.reason, message: decoded.message };

  const s = decoded.signals;
  const named = new Set([...s.vendorConsents, ...s.vendorLegitimateInterests]);
  const message = sha256Hex(`${event.sourceId}\u0000${event.eventId}`).slice(0, 32);
  const inputs: ConsentEventInput[] = [];
  for (const purpose of purposes) {
    if (purpose.tcfPurposeId === null) continue;
    const vendors = new Set([...named].slice(0, MAX_TCF_VENDORS));
    // Vendors granted by an earlier string and absent from this one: the new string withdraws them.
    for (const [key, decision] of latest) {
      const [code, channel] = key.split('\u0000') as [string, string];
      const vendor = GVL_CHANNEL.exec(channel)?.[1];
      if (code === purpose.code && vendor !== undefined && decision.action === 'grant' && decision.tcfString !== null)
        vendors.add(Number(vendor));
    }
    for (const vendorId of [...vendors].sort((a, b) => a - b)) {
      const channel = `ads:gvl-${vendorId}`;
      const answer = tcfPermits(decoded, { purposeId: purpose.tcfPurposeId, vendorId, adPartner: true });
      const basis: LegalBasis | undefined =
        answer.reason === 'legitimate_interest' ? 'gdpr_art6_1f_legitimate_interests' : 'gdpr_art6_1a_consent';
      const grant = answer.allowed && purpose.legalBases.includes(basis);
      const action: ConsentAction = grant ? 'grant' : 'deny';
      const previous = latest.get(decisionKey(purpose.code, channel));
      if (previous?.action === action && previous.tcfString === tcString) continue;
      // A deny with no earlier record says nothing the ledger does not already assume (no record is no consent).
      if (!grant && previous === undefined) continue;
      const legalBasis: LegalBasis = purpose.legalBases.includes(basis) ? basis : (purpose.legalBases[0] as LegalBasis);
      inputs.push({
        eventId: `seg-tcf:${message}:${purpose.code}:${vendorId}`.slice(0, 128),
        subject,
        purpose: purpose.code,
        channel,
        action,
        legalBasis,
        jurisdiction: 'EU',
        validFrom: event.occurredAt,
        source: { collectionPoint: `cmp:${s.cmpId}`, channel: 'web', agent: `source:${event.sourceId}` },
        proof: { evidenceRef: `segment:${event.sourceId}/${event.eventId}` },
        tcfString: tcString,
        tcfVendorId: vendorId,
      });
      latest.set(decisionKey(purpose.code, channel), { action, tcfString: tcString });
    }
  }
  return { ok: true, subject, inputs };
};
