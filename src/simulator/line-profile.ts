import { CASE_CATEGORIES, COMPETITORS, ROAMING_COUNTRIES, TARIFFS } from './catalogue.js';

const ROAMING_WEIGHTS = ROAMING_COUNTRIES.map((c) => c.weight);
import { DAY_MS, HOUR_MS, type SimulationOptions } from './options.js';
import { tariffFor, type Account } from './population.js';
import { streamOf, type Prng } from './prng.js';

/**
 * One line's life over the simulated window, decided up front from the line's own stream: when it
 * was activated, whether and when it churns (and why), SIM swap, roaming trip, tariff change,
 * suspension, cases. Recomputing it is cheap, so the sweep derives it again instead of keeping it.
 *
 * Churn is a hazard driven by hidden risk factors that also shape what the line does visibly:
 * prepaid contracts, a propensity to complain (more cases), broken promises on those cases, usage
 * decline (fewer data sessions day by day) and price (the tariff fee against the line's price
 * sensitivity). So a churn model trained on the events has real signal to find.
 */

const SALT = { line: 201, case: 202 } as const;

export interface CaseTimeline {
  readonly n: number;
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly expectedAt: number;
  readonly resolvedAt: number;
  readonly broken: boolean;
  readonly category: string;
  readonly subcategory: string;
  readonly channel: 'call_centre' | 'app' | 'chat' | 'retail' | 'web';
  readonly severity: 'critical' | 'major' | 'minor';
}

export interface RiskFactors {
  readonly prepaid: boolean;
  readonly complaintLevel: number;
  readonly brokenPromises: number;
  readonly usageDecline: number;
  readonly priceSensitivity: number;
  readonly monthlyFee: number;
}

export interface LineProfile {
  readonly line: number;
  readonly account: Account;
  readonly offset: number;
  readonly member: number;
  readonly isEsim: boolean;
  readonly prepaid: boolean;
  readonly tariff: number;
  readonly activatedAt: number;
  readonly activation: 'existing' | 'new' | 'port_in';
  readonly churnAt: number;
  readonly churnKind: 'termination' | 'port_out' | undefined;
  readonly portOperator: string;
  /** When a new person got this number after the quarantine (Infinity when not in the window). */
  readonly recycledAt: number;
  /** An earlier owner, before the window, whose number was recycled to the current one. */
  readonly prior: { readonly from: number; readonly to: number } | undefined;
  readonly simSwapAt: number;
  readonly simSwapReason: 'lost_stolen' | 'damaged' | 'upgrade' | 'esim_migration';
  readonly roaming: { readonly start: number; readonly end: number; readonly country: string; readonly plmn: string } | undefined;
  readonly tariffChange: { readonly at: number; readonly to: number } | undefined;
  readonly suspension: { readonly at: number; readonly resumeAt: number } | undefined;
  readonly consentChangeAt: number;
  readonly cases: readonly CaseTimeline[];
  readonly risk: RiskFactors;
  readonly riskScore: number;
  /** Mean events per day of each kind at the start of the window, before decline. */
  readonly daily: { readonly data: number; readonly voice: number; readonly loc: number; readonly app: number; readonly web: number };
  readonly homeCell: number;
}

/** Average risk score over the population, so that base churn is the population's mean hazard. */
const RISK_NORM = 2.2;

export const quarantineMs = (options: SimulationOptions): number =>
  Math.min(90 * DAY_MS, Math.max(6 * HOUR_MS, Math.floor((options.days * DAY_MS) / 4)));

const CASE_CHANNELS = ['call_centre', 'call_centre', 'app', 'chat', 'retail', 'web'] as const;

export const lineProfile = (options: SimulationOptions, account: Account, offset: number): LineProfile => {
  const { seed, rates, days, start } = options;
  const line = account.firstLine + offset;
  const end = start + days * DAY_MS;
  const rng = streamOf(seed, SALT.line, line);
  const member = offset === account.esimOffset ? 0 : offset;
  const isEsim = offset === account.esimOffset;
  const prepaid = account.kind === 'individual' && rng.chance(rates.prepaidShare / (1 - rates.familyAccountShare));
  const tariff = tariffFor(account.kind, prepaid, rng.next());
  const test = account.isTest;

  // Activation: most lines exist before the window; a few are new, some of those ported in.
  const isNew = !test && rng.chance(Math.min(0.5, rates.newLinePerDay * days));
  const activatedAt = isNew ? start + Math.floor(rng.next() * days * DAY_MS * 0.8) : start - Math.floor((30 + rng.next() * 2900) * DAY_MS);
  const activation = isNew ? (rng.chance(rates.portInShareOfNew) ? 'port_in' : 'new') : 'existing';
  const prior = !isNew && !test && activation === 'existing' && rng.chance(rates.recycledHistoryShare)
    ? { from: activatedAt - Math.floor((400 + rng.next() * 2000) * DAY_MS), to: activatedAt - Math.floor((180 + rng.next() * 100) * DAY_MS) }
    : undefined;
  const activeFrom = Math.max(activatedAt, start);
  const span = end - activeFrom;
  const within = (u: number): number => activeFrom + Math.floor(u * span);

  // Hidden risk factors and the cases they produce.
  const complaintLevel = test ? 0 : rng.logNormal(0.8, 0.9);
  const cases = makeCases(options, line, activeFrom, end, complaintLevel);
  const brokenPromises = cases.length === 0 ? 0 : cases.filter((c) => c.broken && c.expectedAt < end).length;
  const usageDecline = rng.chance(0.25) ? 0.2 + rng.next() * 0.6 : 0;
  const priceSensitivity = rng.next();
  const monthlyFee = TARIFFS[tariff]?.fee ?? 0;
  const risk: RiskFactors = { prepaid, complaintLevel, brokenPromises, usageDecline, priceSensitivity, monthlyFee };
  const segment = account.kind === 'b2b' ? 0.3 : account.kind === 'family' ? 0.7 : 1;
  const riskScore =
    segment *
    Math.exp((prepaid ? 0.7 : 0) + 0.45 * Math.log(complaintLevel + 0.2) + 0.9 * brokenPromises + 2.2 * usageDecline + 1.1 * priceSensitivity * (monthlyFee / 1000));
  const hazard = (rates.baseChurnPerDay * riskScore) / RISK_NORM;
  const churnDelay = rng.exponential(1 / Math.max(hazard, 1e-12)) * DAY_MS;
  const churnAt = test || isEsim ? Infinity : activeFrom + churnDelay < end ? Math.floor(activeFrom + churnDelay) : Infinity;
  const churnKind = churnAt === Infinity ? undefined : rng.chance(rates.portOutShareOfChurn) ? 'port_out' : 'termination';
  const portOperator = COMPETITORS[rng.int(0, COMPETITORS.length - 1)] as string;
  const recycleAfter = churnAt + quarantineMs(options);
  const recycledAt = churnKind === 'termination' && activation !== 'port_in' && rng.chance(rates.recycleShare) && recycleAfter < end - HOUR_MS ? recycleAfter : Infinity;

  const until = Math.min(churnAt, end);
  const maybe = (rate: number, at: number): number => (!test && rng.chance(Math.min(0.5, rate * days)) && at < until - HOUR_MS ? at : Infinity);
  const simSwapAt = maybe(rates.simSwapPerDay, within(rng.next()));
  const simSwapReason = rng.weighted(['lost_stolen', 'damaged', 'upgrade', 'esim_migration'] as const, [3, 2, 2, 3]);
  const roamStart = maybe(rates.roamingTripPerDay, within(rng.next()));
  const trip = rng.weighted(ROAMING_COUNTRIES, ROAMING_WEIGHTS);
  const roamEnd = roamStart + Math.floor((2 + rng.next() * 12) * DAY_MS);
  const roaming = roamStart === Infinity ? undefined : { start: roamStart, end: Math.min(roamEnd, churnAt - HOUR_MS), country: trip.country, plmn: trip.plmn };
  const tcAt = maybe(rates.tariffChangePerDay, within(rng.next()));
  const tcTo = tariffFor(account.kind, prepaid, rng.next());
  const tariffChange = tcAt === Infinity || tcTo === tariff ? undefined : { at: tcAt, to: tcTo };
  const suspAt = maybe(rates.suspensionPerDay, within(rng.next()));
  const suspension = suspAt === Infinity ? undefined : { at: suspAt, resumeAt: Math.min(suspAt + Math.floor((1 + rng.next() * 4) * DAY_MS), churnAt - HOUR_MS) };
  const consentChangeAt = maybe(rates.consentChangePerDay, within(rng.next()));

  const level = rng.logNormal(0.9, 0.45);
  const { volumes } = options;
  const b2bM2m = account.kind === 'b2b' && tariff === 9;
  const daily = {
    data: volumes.dataRecords * level * (isEsim ? 0.3 : 1),
    voice: b2bM2m || isEsim ? 0 : volumes.voiceCalls * rng.logNormal(0.9, 0.5),
    loc: volumes.locationUpdates * rng.logNormal(0.95, 0.3),
    app: isEsim ? 0 : volumes.appEvents * rng.logNormal(0.8, 0.6),
    web: b2bM2m ? 0 : volumes.domainVisits * level,
  };
  return {
    line,
    account,
    offset,
    member,
    isEsim,
    prepaid,
    tariff,
    activatedAt,
    activation,
    churnAt,
    churnKind,
    portOperator,
    recycledAt,
    prior,
    simSwapAt,
    simSwapReason,
    roaming,
    tariffChange,
    suspension: suspension && suspension.resumeAt > suspension.at ? suspension : undefined,
    consentChangeAt,
    cases,
    risk,
    riskScore,
    daily,
    homeCell: 10_000_000 + (line % 50_000) * 64 + rng.int(0, 7),
  };
};

const makeCases = (options: SimulationOptions, line: number, from: number, end: number, level: number): CaseTimeline[] => {
  const count = level === 0 ? 0 : streamOf(options.seed, SALT.case, line, 0).poisson(options.rates.casePerDay * options.days * level * ((end - from) / (options.days * DAY_MS)));
  if (count === 0) return [];
  const cases: CaseTimeline[] = [];
  for (let n = 0; n < count; n++) {
    const rng: Prng = streamOf(options.seed, SALT.case, line, n + 1);
    const openedAt = from + Math.floor(rng.next() * (end - from));
    const expectedAt = openedAt + Math.floor((1 + rng.next() * 4) * DAY_MS);
    const broken = rng.chance(options.rates.brokenPromiseShare);
    const resolvedAt = broken ? expectedAt + Math.floor((0.5 + rng.next() * 4) * DAY_MS) : openedAt + Math.floor(rng.next() * (expectedAt - openedAt));
    const cat = rng.pick(CASE_CATEGORIES);
    cases.push({
      n,
      openedAt,
      updatedAt: openedAt + Math.floor((resolvedAt - openedAt) * 0.3),
      expectedAt,
      resolvedAt,
      broken,
      category: cat.category,
      subcategory: rng.pick(cat.subcategories),
      channel: rng.pick(CASE_CHANNELS),
      severity: rng.weighted(['critical', 'major', 'minor'] as const, [1, 4, 6]),
    });
  }
  return cases;
};

/** Who holds the line at `t`: the owner (0), the person a recycled number went to (1), or nobody. */
export const occupantAt = (p: LineProfile, t: number): 0 | 1 | undefined => {
  if (t >= p.recycledAt) return 1;
  if (t < p.activatedAt || t >= p.churnAt) return undefined;
  return 0;
};

export const isSuspendedAt = (p: LineProfile, t: number): boolean =>
  p.suspension !== undefined && t >= p.suspension.at && t < p.suspension.resumeAt;

export const isRoamingAt = (p: LineProfile, t: number): boolean => p.roaming !== undefined && t >= p.roaming.start && t < p.roaming.end;
