import { canonicalJson } from '../core/canonical-json.js';
import type { ErrorDetail } from '../core/errors.js';
import { HOLDOUT_BUCKETS } from './holdout.js';
import type { EntityType } from './rule.js';

/*
 * The stored audience as a resource: its settings beside the rule (name, mode and schedule,
 * holdout share), its versions, and the pure decisions the service takes about them — is an id
 * acceptable, are the settings valid, does an edit change the definition (a new version) or only
 * the settings. docs/audiences.md ("Storing and versioning") describes the behaviour.
 */

export const AUDIENCE_STATUSES = ['active', 'archived'] as const;
export type AudienceStatus = (typeof AUDIENCE_STATUSES)[number];

/** `realtime`: the pipeline keeps membership current; `scheduled`: recomputed on a schedule. */
export const AUDIENCE_MODES = ['realtime', 'scheduled'] as const;
export type AudienceMode = (typeof AUDIENCE_MODES)[number];

/** When a scheduled audience is recomputed: every N minutes, or daily at a local time. */
export type Schedule = { readonly everyMinutes: number } | { readonly dailyAt: string; readonly timeZone: string };
/** A schedule as submitted: a daily one may leave the time zone to the configured default. */
export type ScheduleInput = { readonly everyMinutes: number } | { readonly dailyAt: string; readonly timeZone?: string };

/** A problem with a submission, with the JSON pointer of its place in the body. */
export interface SubmissionIssue extends ErrorDetail {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export interface AudienceSettings {
  readonly name: string;
  readonly description: string;
  readonly mode: AudienceMode;
  readonly schedule: Schedule | null;
  /** Percent, at most two decimals (stored as basis points). */
  readonly holdoutPercent: number;
}

export interface Audience extends AudienceSettings {
  readonly id: string;
  readonly entity: EntityType;
  readonly status: AudienceStatus;
  /** The current definition version. */
  readonly version: number;
  readonly createdAt: string;
  /** The API key (id) that created it. */
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** What is stored per version: the definition as submitted, so the console edits it as it was. */
export interface StoredDefinition {
  readonly id: string;
  readonly entity: EntityType;
  readonly rule: unknown;
}

export interface AudienceVersion {
  readonly audienceId: string;
  readonly version: number;
  readonly definition: StoredDefinition;
  /** The definition in words, rendered when it was stored. */
  readonly summary: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** What a client submits to create an audience or replace its definition and settings. */
export interface AudienceDraft {
  readonly name: string;
  readonly description?: string;
  readonly entity: EntityType;
  readonly rule: unknown;
  readonly mode?: AudienceMode;
  readonly schedule?: ScheduleInput | null;
  readonly holdoutPercent?: number;
}

/**
 * Client-chosen ids are slugs (`aud-high-churn`): readable inside other audiences' rules, stable
 * across environments. Generated ids are ULIDs (upper case), which no slug can equal.
 */
export const AUDIENCE_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const ID = new RegExp(AUDIENCE_ID_PATTERN);

/** Path segments under /v1/audiences that are routes, not audiences. */
export const RESERVED_AUDIENCE_IDS: ReadonlySet<string> = new Set(['fields', 'validate', 'preview', 'overlap', 'breakdown']);

/** An id a client may choose, or the reason it may not. */
export const checkAudienceId = (id: string): SubmissionIssue | undefined => {
  if (!ID.test(id))
    return {
      path: '/id',
      code: 'BAD_VALUE',
      message: 'an audience id is 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit',
    };
  if (RESERVED_AUDIENCE_IDS.has(id))
    return { path: '/id', code: 'BAD_VALUE', message: `'${id}' is reserved for a route under /v1/audiences` };
  return undefined;
};

export const MIN_SCHEDULE_MINUTES = 5;
export const MAX_SCHEDULE_MINUTES = 7 * 24 * 60;
const DAILY_AT = /^([01]\d|2[0-3]):[0-5]\d$/;

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** The holdout share in basis points (12.5 % → 1250), or undefined when it is not 0–100 with two decimals. */
export const holdoutBasisPoints = (percent: number): number | undefined => {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) return undefined;
  const basisPoints = Math.round(percent * 100);
  // Floating point: 12.34 * 100 is 1233.9999999999998; a third decimal is further off than this.
  return Math.abs(basisPoints - percent * 100) < 1e-6 && basisPoints <= HOLDOUT_BUCKETS ? basisPoints : undefined;
};

/**
 * The settings of a draft with their defaults, or every problem with its path. A daily schedule
 * without a time zone takes `defaultTimeZone`.
 */
export const readSettings = (
  draft: Omit<AudienceDraft, 'entity' | 'rule'>,
  defaultTimeZone: string,
): { readonly settings: AudienceSettings; readonly issues: readonly SubmissionIssue[] } => {
  const issues: SubmissionIssue[] = [];
  const mode = draft.mode ?? 'realtime';
  let schedule: Schedule | null = null;
  const raw = draft.schedule ?? null;
  if (mode === 'realtime' && raw !== null) {
    issues.push({ path: '/schedule', code: 'BAD_VALUE', message: 'a realtime audience has no schedule; use mode "scheduled"' });
  } else if (mode === 'scheduled' && raw === null) {
    issues.push({
      path: '/schedule',
      code: 'BAD_VALUE',
      message: 'a scheduled audience needs a schedule: { everyMinutes } or { dailyAt, timeZone }',
    });
  } else if (raw !== null && 'everyMinutes' in raw) {
    const minutes = raw.everyMinutes;
    if (!Number.isInteger(minutes) || minutes < MIN_SCHEDULE_MINUTES || minutes > MAX_SCHEDULE_MINUTES)
      issues.push({
        path: '/schedule/everyMinutes',
        code: 'BAD_VALUE',
        message: `everyMinutes is a whole number from ${MIN_SCHEDULE_MINUTES} to ${MAX_SCHEDULE_MINUTES} (a week)`,
      });
    else schedule = { everyMinutes: minutes };
  } else if (raw !== null) {
    const timeZone = raw.timeZone ?? defaultTimeZone;
    if (!DAILY_AT.test(raw.dailyAt))
      issues.push({ path: '/schedule/dailyAt', code: 'BAD_VALUE', message: 'dailyAt is a local time HH:MM' });
    if (!isTimeZone(timeZone))
      issues.push({ path: '/schedule/timeZone', code: 'BAD_VALUE', message: `'${timeZone}' is not an IANA time zone` });
    schedule = { dailyAt: raw.dailyAt, timeZone };
  }
  const basisPoints = holdoutBasisPoints(draft.holdoutPercent ?? 0);
  if (basisPoints === undefined)
    issues.push({ path: '/holdoutPercent', code: 'BAD_VALUE', message: 'holdoutPercent is 0–100 with at most two decimals' });
  return {
    settings: {
      name: draft.name,
      description: draft.description ?? '',
      mode,
      schedule: issues.length > 0 ? null : schedule,
      // As stored (basis points), so a share read back compares equal to the one submitted.
      holdoutPercent: (basisPoints ?? 0) / 100,
    },
    issues,
  };
};

/** react-querybuilder's bookkeeping keys: the builder may regenerate them without changing what a rule means. */
const BOOKKEEPING_KEYS: ReadonlySet<string> = new Set(['id', 'path']);

const withoutBookkeeping = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutBookkeeping);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) if (!BOOKKEEPING_KEYS.has(key)) out[key] = withoutBookkeeping(child);
    return out;
  }
  return value;
};

/**
 * Whether a submitted rule is the stored one: equal JSON once object keys are ordered and the
 * query builder's `id` and `path` keys are set aside. Anything else — a value, an operator, a
 * rule switched off with `disabled` — is a new definition, hence a new version.
 */
export const sameRule = (stored: unknown, submitted: unknown): boolean =>
  canonicalJson(withoutBookkeeping(stored)) === canonicalJson(withoutBookkeeping(submitted));

/** Whether two settings are equal (a PUT that changes nothing leaves `updatedAt` alone). */
export const sameSettings = (a: AudienceSettings, b: AudienceSettings): boolean => canonicalJson(a) === canonicalJson(b);
