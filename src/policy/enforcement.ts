import { AppError, type ErrorDetail } from '../core/errors.js';
import type { AttributeCatalogue } from './attribute-catalogue.js';
import type { AttributeClass } from './attribute-classes.js';
import { consentKey, type ConsentInput } from './consent-evidence.js';
import type { Decision } from './policy-engine.js';

/*
 * Enforcement at an exit (pure): what of a profile a consumer may see, which members of a list it
 * may receive, and the disclosure-log record of what it got. The caller binds the consumer,
 * purpose and channel into `decide`; these functions only apply the answers.
 */

/** Keys of the profile JSON that identify the answer itself rather than describe the person. */
export const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['profileId', 'requestedId', 'createdAt', 'updatedAt']);
/** Keys whose members are attributes of their own: `traits.name`, `aggregates.topup_count`, `scores.churn`. */
export const GROUPED_KEYS: ReadonlySet<string> = new Set(['traits', 'aggregates', 'scores']);

export const UNCLASSIFIED = 'unclassified';
export const PURPOSE_NOT_SERVED = 'catalogue:purpose-not-served';

export interface RedactedAttribute {
  readonly attribute: string;
  readonly class: AttributeClass | null;
  readonly rules: readonly string[];
}

export interface Projection {
  /** The profile with only the released attributes (envelope keys always kept). */
  readonly profile: Record<string, unknown>;
  readonly released: readonly string[];
  readonly redacted: readonly RedactedAttribute[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Attribute-level projection of a profile JSON (the shape of GET /v1/profiles/{id}) for one
 * consumer, purpose and channel. An attribute is released when the catalogue knows it, it may
 * serve the purpose, and the policy allows its class; anything else is redacted with the reason —
 * an attribute the catalogue does not know is never released (deny by default). Lineage is kept
 * only for released traits.
 */
export const projectProfile = (
  profile: Readonly<Record<string, unknown>>,
  options: { readonly catalogue: AttributeCatalogue; readonly purpose: string; readonly decide: (cls: AttributeClass) => Decision },
): Projection => {
  const byClass = new Map<AttributeClass, Decision>();
  const released: string[] = [];
  const redacted: RedactedAttribute[] = [];
  const check = (attribute: string): boolean => {
    const entry = options.catalogue.byId.get(attribute);
    if (entry === undefined) {
      redacted.push({ attribute, class: null, rules: [UNCLASSIFIED] });
      return false;
    }
    if (!entry.purposes.includes(options.purpose)) {
      redacted.push({ attribute, class: entry.class, rules: [PURPOSE_NOT_SERVED] });
      return false;
    }
    let decision = byClass.get(entry.class);
    if (decision === undefined) {
      decision = options.decide(entry.class);
      byClass.set(entry.class, decision);
    }
    if (!decision.allowed) {
      redacted.push({ attribute, class: entry.class, rules: decision.rules });
      return false;
    }
    released.push(attribute);
    return true;
  };

  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(profile)) {
    if (key === 'lineage') continue;
    if (ENVELOPE_KEYS.has(key)) out[key] = value;
    else if (GROUPED_KEYS.has(key) && isRecord(value)) {
      const group: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(value)) if (check(`${key}.${name}`)) group[name] = member;
      out[key] = group;
    } else if (GROUPED_KEYS.has(key) && value === null) out[key] = null;
    else if (check(key)) out[key] = value;
  }
  const lineage = profile.lineage;
  if (isRecord(lineage)) {
    const releasedSet = new Set(released);
    out.lineage = Object.fromEntries(Object.entries(lineage).filter(([trait]) => releasedSet.has(`traits.${trait}`)));
  }
  return { profile: out, released, redacted };
};

export interface MemberFilter {
  /** Members with a valid basis, in the order given. */
  readonly allowed: string[];
  readonly denied: string[];
  /** How many members each deciding rule denied. */
  readonly deniedBy: Record<string, number>;
}

/**
 * Filters a member list (an audience export, a campaign's recipients) by consent for one consumer,
 * purpose and channel. `consentOf` gives each member's consent for that purpose and channel; the
 * policy is asked once per distinct kind of consent, so the cost per member is the lookup and a
 * short string key — about a million members in well under a second.
 */
export const filterMembersByConsent = (
  members: readonly string[],
  consentOf: (member: string, index: number) => ConsentInput,
  decide: (consent: ConsentInput) => Decision,
): MemberFilter => {
  const decisions = new Map<string, Decision>();
  const allowed: string[] = [];
  const denied: string[] = [];
  const deniedBy: Record<string, number> = {};
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as string;
    const consent = consentOf(member, i);
    const key = consentKey(consent);
    let decision = decisions.get(key);
    if (decision === undefined) {
      decision = decide(consent);
      decisions.set(key, decision);
    }
    if (decision.allowed) allowed.push(member);
    else {
      denied.push(member);
      for (const rule of decision.rules) deniedBy[rule] = (deniedBy[rule] ?? 0) + 1;
    }
  }
  return { allowed, denied, deniedBy };
};

/** The exits of the architecture: every one of them logs what it disclosed. */
export const DISCLOSURE_EXITS = ['profile_read', 'audience_export', 'delivery', 'campaign_send'] as const;
export type DisclosureExit = (typeof DISCLOSURE_EXITS)[number];

export interface DisclosureRecord {
  readonly id: string;
  readonly at: string;
  readonly subject: string;
  readonly consumerId: string;
  readonly exit: DisclosureExit;
  readonly purpose: string;
  readonly channel: string;
  readonly released: readonly string[];
  readonly redacted: readonly string[];
  /** The consent events the disclosure rested on. */
  readonly consentEvents: readonly string[];
  readonly policyVersion: number;
  /** What the disclosure belonged to: an audience export, a campaign, a delivery id. */
  readonly reference: string | null;
}

export interface DisclosureInput {
  readonly id: string;
  readonly at: string;
  readonly subject: string;
  readonly consumerId: string;
  readonly exit: DisclosureExit;
  readonly purpose: string;
  readonly channel: string;
  readonly released: readonly string[];
  readonly redacted: readonly (string | RedactedAttribute)[];
  readonly consentEvents: readonly string[];
  readonly policyVersion: number;
  readonly reference?: string | null;
}

const sortedUnique = (values: readonly string[]): string[] => [...new Set(values)].sort();

/**
 * The disclosure-log record of one disclosure to one consumer about one subject. Refuses an
 * incoherent record (no subject, an attribute both released and redacted, a release without the
 * consent events it rested on) rather than logging it.
 */
export const buildDisclosureRecord = (input: DisclosureInput): DisclosureRecord => {
  const released = sortedUnique(input.released);
  const redacted = sortedUnique(input.redacted.map((r) => (typeof r === 'string' ? r : r.attribute)));
  const consentEvents = sortedUnique(input.consentEvents);
  const issues: ErrorDetail[] = [];
  if (input.subject.trim() === '') issues.push({ path: '/subject', code: 'EMPTY', message: 'a disclosure names its subject' });
  if (input.consumerId.trim() === '') issues.push({ path: '/consumerId', code: 'EMPTY', message: 'a disclosure names its consumer' });
  if (!(DISCLOSURE_EXITS as readonly string[]).includes(input.exit))
    issues.push({ path: '/exit', code: 'UNKNOWN_EXIT', message: `exit must be one of ${DISCLOSURE_EXITS.join(', ')}` });
  if (!Number.isInteger(input.policyVersion) || input.policyVersion < 1)
    issues.push({ path: '/policyVersion', code: 'INVALID', message: 'the policy version is a positive integer' });
  if (Number.isNaN(Date.parse(input.at))) issues.push({ path: '/at', code: 'INVALID', message: 'at is an ISO 8601 time' });
  const both = released.filter((a) => redacted.includes(a));
  if (both.length > 0)
    issues.push({ path: '/released', code: 'CONTRADICTION', message: `released and redacted at once: ${both.join(', ')}` });
  if (released.length > 0 && consentEvents.length === 0)
    issues.push({ path: '/consentEvents', code: 'NO_BASIS', message: 'a release names the consent events it rests on' });
  if (issues.length > 0) throw new AppError('VALIDATION_FAILED', 'the disclosure record is not coherent', issues);
  return {
    id: input.id,
    at: input.at,
    subject: input.subject,
    consumerId: input.consumerId,
    exit: input.exit,
    purpose: input.purpose,
    channel: input.channel,
    released,
    redacted,
    consentEvents,
    policyVersion: input.policyVersion,
    reference: input.reference ?? null,
  };
};
