import { ATTRIBUTE_CLASSES, type AttributeClass } from '../contracts/index.js';

/*
 * The attribute classes of the data contracts (src/contracts/contract.ts) as policy sees them:
 * how sensitive each is, and which processing purposes an attribute of the class may serve unless
 * the catalogue says otherwise. The policy set decides the rest (consumer, channel, consent).
 */

export { ATTRIBUTE_CLASSES, type AttributeClass };

/** Processing purposes of the consent vocabulary (the CRM `consent_changed` contract, docs/policy.md). */
export const PURPOSES = ['service', 'marketing', 'profiling', 'analytics', 'third_party_ads'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** A purpose or channel code: the consent ledger's vocabulary may grow, so codes are checked by shape. */
export const PURPOSE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** `sms`, `email`, … or `ads:<partner>` (an ad partner's own channel). */
export const CHANNEL_PATTERN = /^(?:[a-z][a-z0-9_]{0,31}|ads:[a-z0-9][a-z0-9_.-]{0,63})$/;

/**
 * Most sensitive first. An attribute fed by several properties takes the most sensitive of their
 * classes, so a derivation never launders a location into something a consumer may have.
 */
export const SENSITIVITY: readonly AttributeClass[] = [
  'special',
  'location',
  'traffic',
  'pii',
  'contact',
  'identifier',
  'billing',
  'behavioural',
  'derived',
  'reference',
];

const RANK = new Map(SENSITIVITY.map((cls, i) => [cls, i]));

/** The most sensitive of the classes; undefined for none. */
export const mostSensitive = (classes: Iterable<AttributeClass>): AttributeClass | undefined => {
  let best: AttributeClass | undefined;
  for (const cls of classes) if (best === undefined || (RANK.get(cls) ?? 0) < (RANK.get(best) ?? 0)) best = cls;
  return best;
};

const ALL: readonly Purpose[] = PURPOSES;
const NOT_ADS: readonly Purpose[] = ['service', 'marketing', 'profiling', 'analytics'];

/**
 * The purposes an attribute of each class may serve by default. Ad partners (`third_party_ads`)
 * get identifiers to match on (hashed at export) and reference data, nothing about the person's
 * conduct. Special categories (152-FZ art. 10, GDPR art. 9) serve only the service itself.
 * Traffic and location may serve marketing here; the policy set adds that they do so only with
 * explicit consent (ePrivacy art. 6(3) and 9).
 */
export const CLASS_PURPOSES: Readonly<Record<AttributeClass, readonly Purpose[]>> = {
  identifier: ALL,
  contact: ['service', 'marketing'],
  pii: ['service', 'marketing', 'profiling'],
  special: ['service'],
  location: NOT_ADS,
  traffic: NOT_ADS,
  billing: NOT_ADS,
  behavioural: NOT_ADS,
  derived: NOT_ADS,
  reference: ALL,
};

export const isAttributeClass = (value: string): value is AttributeClass => RANK.has(value as AttributeClass);
