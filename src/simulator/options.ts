import { hashString } from './prng.js';

/** Daily volumes per active line (means; each line draws its own level around them). */
export interface Volumes {
  /** PGW-CDR partial records per day (sessions × partials); default 30. */
  readonly dataRecords: number;
  readonly voiceCalls: number;
  readonly locationUpdates: number;
  /** App events per day for a person with the app. */
  readonly appEvents: number;
  /** DPI domain-visit aggregates per day. */
  readonly domainVisits: number;
}

export const DEFAULT_VOLUMES: Volumes = { dataRecords: 30, voiceCalls: 2, locationUpdates: 20, appEvents: 3, domainVisits: 8 };

/** Network records thinned for a demo that must load in a couple of minutes. */
export const DEMO_VOLUMES: Volumes = { dataRecords: 3, voiceCalls: 1, locationUpdates: 1, appEvents: 1.5, domainVisits: 3 };

/**
 * Rates of the life events and injected scenarios. Per-day rates are per line and day; shares are
 * of the population or of events. docs/simulator.md lists them; tests check the proportions.
 */
export interface ScenarioRates {
  /** Of accounts: family (2–5 lines) and B2B (5–2,000 lines); the rest are individual. */
  readonly familyAccountShare: number;
  readonly b2bAccountShare: number;
  /** Of B2C persons: a second line on an eSIM beside the physical SIM. */
  readonly esimBesideSimShare: number;
  readonly prepaidShare: number;
  readonly appUserShare: number;
  /** Of families with two app users: a tablet shared between two of them. */
  readonly sharedDeviceShare: number;
  /** Of families: one e-mail given by every member. Of organisations: it@ on every line. */
  readonly sharedFamilyEmailShare: number;
  readonly sharedCorporateEmailShare: number;
  /** Of lines: an earlier owner whose number was recycled (before the window). */
  readonly recycledHistoryShare: number;
  /** Of in-window terminations: the number is given to a new person after the quarantine. */
  readonly recycleShare: number;
  readonly testLineShare: number;
  readonly baseChurnPerDay: number;
  readonly portOutShareOfChurn: number;
  readonly newLinePerDay: number;
  readonly portInShareOfNew: number;
  readonly simSwapPerDay: number;
  readonly roamingTripPerDay: number;
  readonly tariffChangePerDay: number;
  readonly suspensionPerDay: number;
  readonly casePerDay: number;
  readonly brokenPromiseShare: number;
  readonly consentChangePerDay: number;
  /** Of events: delivered late (1–12 h after they happened) or twice. */
  readonly lateShare: number;
  readonly duplicateShare: number;
  /** Of events: broken on purpose so they fail their contract. */
  readonly brokenShare: number;
  /** Of CRM / app events: a placeholder identifier beside the real one. */
  readonly placeholderShare: number;
  /** Of CRM / app msisdns: written in a national format (8 (916) 123-45-67). */
  readonly nationalFormatShare: number;
}

export const DEFAULT_RATES: ScenarioRates = {
  familyAccountShare: 0.14,
  b2bAccountShare: 0.012,
  esimBesideSimShare: 0.04,
  prepaidShare: 0.45,
  appUserShare: 0.55,
  sharedDeviceShare: 0.3,
  sharedFamilyEmailShare: 0.25,
  sharedCorporateEmailShare: 0.4,
  recycledHistoryShare: 0.02,
  recycleShare: 0.5,
  testLineShare: 0.002,
  baseChurnPerDay: 0.0006,
  portOutShareOfChurn: 0.4,
  newLinePerDay: 0.0008,
  portInShareOfNew: 0.3,
  simSwapPerDay: 0.0008,
  roamingTripPerDay: 0.002,
  tariffChangePerDay: 0.0015,
  suspensionPerDay: 0.0004,
  casePerDay: 0.003,
  brokenPromiseShare: 0.25,
  consentChangePerDay: 0.002,
  lateShare: 0.01,
  duplicateShare: 0.005,
  brokenShare: 0.001,
  placeholderShare: 0.01,
  nationalFormatShare: 0.2,
};

export interface SimulationOptions {
  readonly seed: number;
  readonly subscribers: number;
  readonly days: number;
  /** Start of simulated time, ms since the epoch (UTC midnight recommended). */
  readonly start: number;
  readonly volumes: Volumes;
  readonly rates: ScenarioRates;
  /** Source whose schema changes without notice, and on which day (0-based). */
  readonly driftSource: 'app';
  readonly driftDay: number;
}

export const DEFAULT_START = Date.UTC(2026, 0, 1);

export interface SimulationInput {
  readonly seed?: number | string;
  readonly subscribers?: number;
  readonly days?: number;
  readonly start?: number | string;
  readonly volumes?: Partial<Volumes>;
  readonly rates?: Partial<ScenarioRates>;
  readonly driftDay?: number;
}

/** Turns a seed given as text (`--seed demo`) or number into the 32-bit seed used everywhere. */
export const seedOf = (seed: number | string): number =>
  typeof seed === 'number' && Number.isInteger(seed) ? seed >>> 0 : hashString(String(seed));

export const resolveOptions = (input: SimulationInput = {}): SimulationOptions => {
  const days = input.days ?? 1;
  const subscribers = input.subscribers ?? 1000;
  if (!Number.isInteger(subscribers) || subscribers < 1) throw new RangeError(`subscribers must be a positive integer, got ${subscribers}`);
  // days 0: the population only (reference data and the initial load), e.g. 1M lines for a benchmark.
  if (!(days >= 0) || !Number.isInteger(days)) throw new RangeError(`days must be a non-negative integer, got ${days}`);
  const start = typeof input.start === 'string' ? Date.parse(input.start) : (input.start ?? DEFAULT_START);
  if (Number.isNaN(start)) throw new RangeError(`start is not a date: ${String(input.start)}`);
  return {
    seed: seedOf(input.seed ?? 1),
    subscribers,
    days,
    start,
    volumes: { ...DEFAULT_VOLUMES, ...input.volumes },
    rates: { ...DEFAULT_RATES, ...input.rates },
    driftSource: 'app',
    driftDay: input.driftDay ?? Math.floor(days / 2),
  };
};

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
