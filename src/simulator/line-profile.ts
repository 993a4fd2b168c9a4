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
 * prepaid contracts, a propensity to complain, usage decline (fewer sessions day by day) and price
 * (the tariff fee against the line's price sensitivity). The hazard moves with what happens to the
 * line: a care case raises it while open and for a month after, a broken promise for two months
 * after it was broken, never before. People do not leave out of the blue: in the weeks before they
 * go they move their usage to the new operator's SIM (usage and top-ups fade), and some others do
 * the same for a while and then stay (see `engagementAt`). So a churn model trained on the events
 * has real, but not certain, signal to find.
 */

const SALT = { line: 201, case: 202, intent: 203, waver: 204 } as const;

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

/**
 * A stretch in which the person moves usage away: it fades linearly by `depth` from `from` to
 * `peak`, then comes back by `to` (a person who wavered and stayed) or ends with the line
 * (`peak` = `to` = the churn time).
 */
export interface Disengagement {
  readonly from: number;
  readonly peak: number;
  readonly to: number;
  readonly depth: number;
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
  /** The churn hazard's multiplier (base rate = 1 × RISK_NORM), averaged over the line's time in the window. */
  readonly riskScore: number;
  /** Run-ups to leaving (or to nearly leaving) that touch the window; empty for most lines. */
  readonly disengagements: readonly Disengagement[];
  /** Mean events per day of each kind at the start of the window, before decline. */
  readonly daily: { readonly data: number; readonly voice: number; readonly loc: number; readonly app: number; readonly web: number };
  readonly homeCell: number;
}

/** Average risk score over the population, so that base churn is the population's mean hazard. */
const RISK_NORM = 2.2;
/** Hazard multipliers: a care case while open and for CASE_AFTER_MS after; a broken promise for BROKEN_FOR_MS. */
const CASE_FACTOR = 1.8;
const CASE_AFTER_MS = 30 * DAY_MS;
const BROKEN_FACTOR = 2.5;
const BROKEN_FOR_MS = 60 * DAY_MS;
/** Churn is followed past the window's end this far, so a run-up that starts inside it is seen. */
const LOOK_AHEAD_MS = 90 * DAY_MS;
/** Days over which a declining line loses `usageDecline` of its usage (then keeps falling, to a floor). */
const DECLINE_SPAN_MS = 90 * DAY_MS;
const DECLINE_FLOOR = 0.15;
/** Of lines, per day: a stretch of moving usage away without leaving in the end. */
const WAVER_PER_DAY = 0.0006;

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
  const prior =
    !isNew && !test && activation === 'existing' && rng.chance(rates.recycledHistoryShare)
      ? {
          from: activatedAt - Math.floor((400 + rng.next() * 2000) * DAY_MS),
          to: activatedAt - Math.floor((180 + rng.next() * 100) * DAY_MS),
        }
      : undefined;
  const activeFrom = Math.max(activatedAt, start);
  const span = end - activeFrom;
  const within = (u: number): number => activeFrom + Math.floor(u * span);

  // Hidden risk factors and the cases they produce.
  const complaintLevel = test ? 0 : rng.logNormal(0.8, 0.9);
  const cases = makeCases(options, line, activeFrom, end, complaintLevel);
  const usageDecline = rng.chance(0.25) ? 0.2 + rng.next() * 0.6 : 0;
  const priceSensitivity = rng.next();
  const monthlyFee = TARIFFS[tariff]?.fee ?? 0;
  const segment = account.kind === 'b2b' ? 0.3 : account.kind === 'family' ? 0.7 : 1;
  const standing =
    segment *
    Math.exp(
      (prepaid ? 0.7 : 0) + 0.3 * Math.log(complaintLevel + 0.2) + 2.2 * usageDecline + 1.1 * priceSensitivity * (monthlyFee / 1000),
    );
  const walk = churnWalk(
    activeFrom,
    end + LOOK_AHEAD_MS,
    end,
    (rates.baseChurnPerDay * standing) / RISK_NORM / DAY_MS,
    cases,
    rng.exponential(1),
  );
  const leaves = !test && !isEsim ? Math.floor(walk.at) : Infinity;
  const churnAt = leaves < end ? leaves : Infinity;
  const brokenPromises = cases.filter((c) => c.broken && c.openedAt < churnAt && c.expectedAt < Math.min(churnAt, end)).length;
  const risk: RiskFactors = { prepaid, complaintLevel, brokenPromises, usageDecline, priceSensitivity, monthlyFee };
  const riskScore = standing * walk.meanFactor;
  const churnKind = churnAt === Infinity ? undefined : rng.chance(rates.portOutShareOfChurn) ? 'port_out' : 'termination';
  const portOperator = COMPETITORS[rng.int(0, COMPETITORS.length - 1)] as string;
  const recycleAfter = churnAt + quarantineMs(options);
  const recycledAt =
    churnKind === 'termination' && activation !== 'port_in' && rng.chance(rates.recycleShare) && recycleAfter < end - HOUR_MS
      ? recycleAfter
      : Infinity;

  const until = Math.min(churnAt, end);
  const maybe = (rate: number, at: number): number =>
    !test && rng.chance(Math.min(0.5, rate * days)) && at < until - HOUR_MS ? at : Infinity;
  const simSwapAt = maybe(rates.simSwapPerDay, within(rng.next()));
  const simSwapReason = rng.weighted(['lost_stolen', 'damaged', 'upgrade', 'esim_migration'] as const, [3, 2, 2, 3]);
  const roamStart = maybe(rates.roamingTripPerDay, within(rng.next()));
  const trip = rng.weighted(ROAMING_COUNTRIES, ROAMING_WEIGHTS);
  const roamEnd = roamStart + Math.floor((2 + rng.next() * 12) * DAY_MS);
  const roaming =
    roamStart === Infinity
      ? undefined
      : { start: roamStart, end: Math.min(roamEnd, churnAt - HOUR_MS), country: trip.country, plmn: trip.plmn };
  const tcAt = maybe(rates.tariffChangePerDay, within(rng.next()));
  const tcTo = tariffFor(account.kind, prepaid, rng.next());
  const tariffChange = tcAt === Infinity || tcTo === tariff ? undefined : { at: tcAt, to: tcTo };
  const suspAt = maybe(rates.suspensionPerDay, within(rng.next()));
  const suspension =
    suspAt === Infinity
      ? undefined
      : { at: suspAt, resumeAt: Math.min(suspAt + Math.floor((1 + rng.next() * 4) * DAY_MS), churnAt - HOUR_MS) };
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
    disengagements: test ? [] : disengagements(options, line, leaves),
    daily,
    homeCell: 10_000_000 + (line % 50_000) * 64 + rng.int(0, 7),
  };
};

/**
 * Walks the line's churn hazard through time — its standing hazard (per ms) times the factors of
 * the care cases open or recent, and of the promises recently broken — and answers when the
 * cumulative hazard reaches `draw` (an Exp(1) variate), or Infinity before `limit`. Also answers
 * the mean factor over [from, min(churn, end)), for the ground truth's risk score.
 */
const churnWalk = (
  from: number,
  limit: number,
  end: number,
  hazard: number,
  cases: readonly CaseTimeline[],
  draw: number,
): { at: number; meanFactor: number } => {
  const edges: { at: number; factor: number }[] = [];
  for (const c of cases) {
    edges.push({ at: c.openedAt, factor: CASE_FACTOR }, { at: c.resolvedAt + CASE_AFTER_MS, factor: 1 / CASE_FACTOR });
    if (c.broken) edges.push({ at: c.expectedAt, factor: BROKEN_FACTOR }, { at: c.expectedAt + BROKEN_FOR_MS, factor: 1 / BROKEN_FACTOR });
  }
  edges.sort((a, b) => a.at - b.at);
  let t = from;
  let factor = 1;
  let cumulative = 0;
  let weighted = 0;
  let at = Infinity;
  for (let i = 0; i <= edges.length && t < limit; i++) {
    const next = Math.min(limit, i < edges.length ? Math.max(t, (edges[i] as { at: number }).at) : limit);
    const rate = hazard * factor;
    if (rate > 0 && cumulative + rate * (next - t) >= draw) {
      at = t + (draw - cumulative) / rate;
      weighted += factor * (Math.min(at, end) - Math.min(t, end));
      break;
    }
    cumulative += rate * (next - t);
    weighted += factor * (Math.min(next, end) - Math.min(t, end));
    t = next;
    if (i < edges.length) factor *= (edges[i] as { factor: number }).factor;
  }
  const span = Math.min(at, end) - from;
  return { at, meanFactor: span > 0 ? weighted / span : 1 };
};

/**
 * The run-up to leaving — from 10 days to about 2 months before the line goes, usage fading by
 * 35–90 % — and, for some who stay, a stretch of the same that passes. Own streams, so the rest of
 * the line's life is the same with or without them.
 */
const disengagements = (options: SimulationOptions, line: number, leaves: number): Disengagement[] => {
  const { start, days } = options;
  const end = start + days * DAY_MS;
  const out: Disengagement[] = [];
  const lead = (rng: Prng): number => Math.min(75, 10 + rng.exponential(20)) * DAY_MS;
  if (leaves !== Infinity) {
    const rng = streamOf(options.seed, SALT.intent, line);
    const from = leaves - lead(rng);
    if (from < end) out.push({ from, peak: leaves, to: leaves, depth: 0.35 + 0.55 * rng.next() });
  }
  const rng = streamOf(options.seed, SALT.waver, line);
  // Stretches that start up to 60 days before the window can still be under way in it.
  const span = end - (start - 60 * DAY_MS);
  if (rng.chance(Math.min(0.5, WAVER_PER_DAY * (span / DAY_MS)))) {
    const from = start - 60 * DAY_MS + Math.floor(rng.next() * span);
    const peak = from + lead(rng);
    const to = peak + (7 + rng.next() * 30) * DAY_MS;
    if (from < end && to > start && peak < leaves) out.push({ from, peak, to: Math.min(to, leaves), depth: 0.35 + 0.55 * rng.next() });
  }
  return out;
};

/**
 * How much of its usual usage the line's owner makes at `t` (1 = as usual): a slow decline for a
 * line losing interest, times any run-up to leaving or stretch of wavering.
 */
export const engagementAt = (options: SimulationOptions, p: LineProfile, t: number): number => {
  let level = Math.max(DECLINE_FLOOR, 1 - (p.risk.usageDecline * Math.max(0, t - options.start)) / DECLINE_SPAN_MS);
  for (const d of p.disengagements) {
    if (t < d.from || t >= d.to) continue;
    const share = t < d.peak ? (t - d.from) / Math.max(1, d.peak - d.from) : 1 - (t - d.peak) / Math.max(1, d.to - d.peak);
    level *= 1 - d.depth * share;
  }
  return level;
};

const makeCases = (options: SimulationOptions, line: number, from: number, end: number, level: number): CaseTimeline[] => {
  const count =
    level === 0
      ? 0
      : streamOf(options.seed, SALT.case, line, 0).poisson(
          options.rates.casePerDay * options.days * level * ((end - from) / (options.days * DAY_MS)),
        );
  if (count === 0) return [];
  const cases: CaseTimeline[] = [];
  for (let n = 0; n < count; n++) {
    const rng: Prng = streamOf(options.seed, SALT.case, line, n + 1);
    const openedAt = from + Math.floor(rng.next() * (end - from));
    const expectedAt = openedAt + Math.floor((1 + rng.next() * 4) * DAY_MS);
    const broken = rng.chance(options.rates.brokenPromiseShare);
    const resolvedAt = broken
      ? expectedAt + Math.floor((0.5 + rng.next() * 4) * DAY_MS)
      : openedAt + Math.floor(rng.next() * (expectedAt - openedAt));
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
