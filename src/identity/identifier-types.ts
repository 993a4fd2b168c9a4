import { IDENTIFIER_TYPE_NAMES, type IdentifierTypeName } from '../contracts/index.js';

/**
 * The registry of identifier types. Two halves with different owners: the format of a value
 * (how it is parsed and normalised) is fixed per type, because it is parsing, not policy; the
 * policy (class, priority, limit, TTL) is what identity resolution does with the values, and an
 * operator may override it in config (`TESSERA_IDENTITY_TYPES`). The policy is passed to the
 * graph and the stage as part of their rules, never read from a global.
 */

export type IdentifierClass = 'person-unique' | 'line' | 'account' | 'contact' | 'device';
export const IDENTIFIER_CLASSES: readonly IdentifierClass[] = ['person-unique', 'line', 'account', 'contact', 'device'];

/** How a value of a type is written: fixed per type (libphonenumber for phones, digit counts for SIM and handset ids). */
export interface IdentifierFormat {
  readonly format: 'phone' | 'email' | 'digits' | 'token';
  /** Digit-count bounds for `digits` identifiers (IMSI 15, ICCID 18–20, IMEI 14–16). */
  readonly digits?: readonly [number, number];
}

export const IDENTIFIER_FORMATS: Readonly<Record<IdentifierTypeName, IdentifierFormat>> = {
  passport: { format: 'token' },
  appUserId: { format: 'token' },
  imsi: { format: 'digits', digits: [14, 15] },
  iccid: { format: 'digits', digits: [18, 20] },
  msisdn: { format: 'phone' },
  email: { format: 'email' },
  imei: { format: 'digits', digits: [14, 16] },
  deviceId: { format: 'token' },
  accountId: { format: 'token' },
};

/** At most `max` values of a type may gather on one person within `windowDays` (by first sighting); more are demoted, not merged. */
export interface IdentifierLimit {
  readonly max: number;
  readonly windowDays: number;
}

/** What identity resolution does with the values of one type. */
export interface IdentifierPolicy {
  /**
   * person-unique (one per person: a second one is a conflict), line (valid in time, split into
   * epochs by terminations and port-outs), contact (a weak key: limited, auto-blocked when shared,
   * never joins two line holders), account (a relationship, never a merge key), device (an
   * attribute: sessions, never a merge key).
   */
  readonly class: IdentifierClass;
  /** Lower is stronger: an event resolves to the person of its strongest identifier. */
  readonly priority: number;
  /** Most values of the type per person and time window; null for no limit. Applies to merge keys. */
  readonly limit: IdentifierLimit | null;
  /**
   * Days a link of a value stays alive after it was last seen (by event time). A merge key past its
   * TTL starts a new epoch at its next link, unlinked from the old person, and resolves no new event
   * on its own; a device past its TTL since its login attributes no event. Null: no expiry.
   */
  readonly ttlDays: number | null;
}

export type IdentifierRegistry = Readonly<Record<IdentifierTypeName, IdentifierPolicy>>;

const DEVICE_LIMIT: IdentifierLimit = { max: 20, windowDays: 30 };

/**
 * Defaults (issue 4): passport > appUserId > imsi/iccid > msisdn > email > imei > deviceId;
 * email ≤ 5 a year; deviceId ≤ 20 in 30 days; a device id (an app install or a web cookie) expires
 * 180 days after it was last seen. Lines need no TTL (their validity is set by BSS events), nor do
 * person-unique ids; an IMEI is a handset that changes hands, but as a device it never joins anybody.
 */
export const DEFAULT_IDENTIFIER_REGISTRY: IdentifierRegistry = deepFreeze({
  passport: { class: 'person-unique', priority: 1, limit: null, ttlDays: null },
  appUserId: { class: 'person-unique', priority: 2, limit: null, ttlDays: null },
  imsi: { class: 'line', priority: 3, limit: null, ttlDays: null },
  iccid: { class: 'line', priority: 3, limit: null, ttlDays: null },
  msisdn: { class: 'line', priority: 4, limit: null, ttlDays: null },
  email: { class: 'contact', priority: 5, limit: { max: 5, windowDays: 365 }, ttlDays: null },
  imei: { class: 'device', priority: 6, limit: null, ttlDays: null },
  deviceId: { class: 'device', priority: 7, limit: DEVICE_LIMIT, ttlDays: 180 },
  accountId: { class: 'account', priority: 8, limit: null, ttlDays: null },
});

/**
 * The identifier an event is partitioned by: the line first (most events are network records of a
 * line), then the person and account keys. Events of one line therefore keep their order. Fixed:
 * the partitioning of the log must not change with identity policy.
 */
export const ROUTING_ORDER: readonly IdentifierTypeName[] = [
  'msisdn',
  'imsi',
  'iccid',
  'appUserId',
  'passport',
  'email',
  'accountId',
  'imei',
  'deviceId',
];

export const isIdentifierType = (name: string): name is IdentifierTypeName =>
  Object.prototype.hasOwnProperty.call(IDENTIFIER_FORMATS, name);

/** Classes whose values are nodes of the identity graph (accounts and devices never are). */
export const isMergeKeyClass = (cls: IdentifierClass): boolean => cls === 'person-unique' || cls === 'line' || cls === 'contact';

/** Whether a type's values are split into epochs: lines by their end events, any type with a TTL by its gaps. */
export const hasEpochs = (policy: IdentifierPolicy): boolean => policy.class === 'line' || policy.ttlDays !== null;

/** Orders identifiers strongest first: priority, then type name (a stable tie-break). */
export const byPriority =
  (registry: IdentifierRegistry) =>
  (a: { readonly type: IdentifierTypeName }, b: { readonly type: IdentifierTypeName }): number =>
    registry[a.type].priority - registry[b.type].priority || a.type.localeCompare(b.type);

const POLICY_FIELDS = ['class', 'priority', 'limit', 'ttlDays'] as const;
const LIMIT_FIELDS = ['max', 'windowDays'] as const;
const MAX_DAYS = 36_500;

/** A problem with registry overrides: the path it is about (`email.limit.max`; empty for the whole) and what is wrong. */
export interface RegistryProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Applies overrides (parsed JSON: `{ "<type>": { "class"?, "priority"?, "limit"?, "ttlDays"? } }`)
 * to a registry. Every field is optional; `limit` and `ttlDays` take null to remove the default.
 * Answers the new registry, or the base one and every problem found.
 */
export const overrideIdentifierRegistry = (
  base: IdentifierRegistry,
  overrides: unknown,
): { readonly registry: IdentifierRegistry; readonly problems: readonly RegistryProblem[] } => {
  const problems: RegistryProblem[] = [];
  const problem = (path: string, message: string): void => void problems.push({ path, message });
  if (!isPlainObject(overrides)) return { registry: base, problems: [{ path: '', message: 'expected a JSON object of identifier types' }] };
  const out: Record<IdentifierTypeName, IdentifierPolicy> = { ...base };
  for (const [type, fields] of Object.entries(overrides)) {
    if (!isIdentifierType(type)) {
      problem(type, `unknown identifier type (known: ${IDENTIFIER_TYPE_NAMES.join(', ')})`);
      continue;
    }
    if (!isPlainObject(fields)) {
      problem(type, `expected an object with any of ${POLICY_FIELDS.join(', ')}`);
      continue;
    }
    const policy: { -readonly [K in keyof IdentifierPolicy]: IdentifierPolicy[K] } = { ...base[type] };
    for (const [field, value] of Object.entries(fields)) {
      const path = `${type}.${field}`;
      switch (field) {
        case 'class':
          if (typeof value === 'string' && (IDENTIFIER_CLASSES as readonly string[]).includes(value))
            policy.class = value as IdentifierClass;
          else problem(path, `unknown class ${JSON.stringify(value)} (known: ${IDENTIFIER_CLASSES.join(', ')})`);
          break;
        case 'priority': {
          const n = integer(value, 0, 1000, path, problems);
          if (n !== undefined) policy.priority = n;
          break;
        }
        case 'limit': {
          if (value === null) {
            policy.limit = null;
          } else if (!isPlainObject(value)) {
            problem(path, 'expected { "max": n, "windowDays": n } or null');
          } else {
            for (const extra of Object.keys(value).filter((k) => !(LIMIT_FIELDS as readonly string[]).includes(k)))
              problem(`${path}.${extra}`, `unknown field (known: ${LIMIT_FIELDS.join(', ')})`);
            const max = integer(value.max, 1, 100_000, `${path}.max`, problems);
            const windowDays = integer(value.windowDays, 1, MAX_DAYS, `${path}.windowDays`, problems);
            if (max !== undefined && windowDays !== undefined) policy.limit = { max, windowDays };
          }
          break;
        }
        case 'ttlDays': {
          if (value === null) policy.ttlDays = null;
          else {
            const n = integer(value, 1, MAX_DAYS, path, problems);
            if (n !== undefined) policy.ttlDays = n;
          }
          break;
        }
        default:
          problem(path, `unknown field (known: ${POLICY_FIELDS.join(', ')})`);
      }
    }
    // Accounts are relationships, never merge keys (issue 4, rule 2), and account relations are
    // keyed by the account id: the class is the account id's alone.
    if (type === 'accountId' && policy.class !== 'account')
      problem('accountId.class', 'must stay "account" (accounts are never merge keys)');
    if (type !== 'accountId' && policy.class === 'account') problem(`${type}.class`, '"account" is reserved for accountId');
    out[type] = policy;
  }
  return { registry: problems.length > 0 ? base : deepFreeze(out), problems };
};

/** A registry with one type's policy changed (tests and callers that tune one field). */
export const withIdentifierPolicy = (
  base: IdentifierRegistry,
  type: IdentifierTypeName,
  change: Partial<IdentifierPolicy>,
): IdentifierRegistry => deepFreeze({ ...base, [type]: { ...base[type], ...change } });

const integer = (value: unknown, min: number, max: number, path: string, problems: RegistryProblem[]): number | undefined => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  problems.push({
    path,
    message: `expected an integer from ${min} to ${max}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
  });
  return undefined;
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
