/**
 * Lifetime value from monthly margin × survival, discounted; and the rule for when a change of
 * scores is worth a `score.changed` event.
 *
 * The churn model gives p, the probability of churning within `horizonDays` (30). It is read as a
 * constant hazard: the daily rate −ln(1 − p) / horizonDays, so the probability of churning within
 * an average month (365.25 / 12 = 30.4375 days) is
 *
 *   h = 1 − (1 − p)^(30.4375 / horizonDays)           (h is at most 1.5 % above p)
 *
 * Survival after t months is S(t) = (1 − h)^t. A month's margin is earned when the customer is
 * still there at its end and is discounted at the monthly rate r = (1 + annual)^(1/12) − 1:
 *
 *   LTV = Σ_{t=1..H} margin · S(t) / (1 + r)^t = margin · q (1 − q^H) / (1 − q),  q = (1 − h) / (1 + r)
 */
import { AppError } from '../core/errors.js';

/** An average month: 365.25 / 12 = 30.4375 days. */
export const DAYS_PER_MONTH = 365.25 / 12;

/** Discounting and horizons; every field has a default. */
export interface LifetimeValueOptions {
  /** Annual discount rate; default 0.10. */
  readonly annualDiscountRate?: number;
  /** Months summed; default 36. */
  readonly horizonMonths?: number;
  /** The window the churn probability covers; default 30 days. */
  readonly probabilityHorizonDays?: number;
}

/** The value and the survival figures behind it. */
export interface LifetimeValue {
  /** Discounted margin expected over the horizon, in the margin's currency. */
  readonly value: number;
  /** h: probability of churning within a month. */
  readonly monthlyHazard: number;
  /** S(H): probability of still being a customer at the end of the horizon. */
  readonly survivalAtHorizon: number;
  /** Σ_{t=1..H} S(t): expected whole months still a customer within the horizon. */
  readonly expectedMonthsInHorizon: number;
  /** Σ_{t≥1} S(t) = (1 − h) / h: expected whole months still a customer; Infinity when h = 0. */
  readonly expectedLifetimeMonths: number;
}

const requireProbability = (p: number, what: string): void => {
  if (!(p >= 0 && p <= 1)) throw new AppError('BAD_REQUEST', `${what} must be a probability in [0, 1], got ${p}`);
};

/** The monthly hazard h for a churn probability p over `horizonDays` (see the module comment). */
export const monthlyHazard = (churnProbability: number, horizonDays = 30): number => {
  requireProbability(churnProbability, 'churn probability');
  if (!(horizonDays > 0)) throw new AppError('BAD_REQUEST', 'the probability horizon must be positive');
  if (churnProbability === 1) return 1;
  // −expm1(k · ln(1 − p)) = 1 − (1 − p)^k, accurate for small p.
  return -Math.expm1((DAYS_PER_MONTH / horizonDays) * Math.log1p(-churnProbability));
};

/** Σ_{t=1..H} q^t, exact at q = 1. */
const geometricSum = (q: number, months: number): number => (q === 1 ? months : (q * (1 - q ** months)) / (1 - q));

/** Discounted lifetime value of a customer with this monthly margin and 30-day churn probability. */
export const lifetimeValue = (monthlyMargin: number, churnProbability: number, options: LifetimeValueOptions = {}): LifetimeValue => {
  if (!Number.isFinite(monthlyMargin)) throw new AppError('BAD_REQUEST', 'the monthly margin must be a finite number');
  const annual = options.annualDiscountRate ?? 0.1;
  const months = options.horizonMonths ?? 36;
  if (!(annual > -1)) throw new AppError('BAD_REQUEST', 'the annual discount rate must be above -1');
  if (!Number.isInteger(months) || months < 0) throw new AppError('BAD_REQUEST', 'the horizon must be a whole number of months');
  const h = monthlyHazard(churnProbability, options.probabilityHorizonDays);
  const monthlyDiscount = (1 + annual) ** (1 / 12) - 1;
  const survive = 1 - h;
  return {
    value: monthlyMargin * geometricSum(survive / (1 + monthlyDiscount), months),
    monthlyHazard: h,
    survivalAtHorizon: survive ** months,
    expectedMonthsInHorizon: geometricSum(survive, months),
    expectedLifetimeMonths: h === 0 ? Infinity : survive / h,
  };
};

/** Coarse bands of churn risk, for people and for change detection. */
export type RiskBand = 'low' | 'medium' | 'high';

/** Lower bounds of the medium and high bands of 30-day churn probability. */
export interface RiskBands {
  readonly medium: number;
  readonly high: number;
}

/** Defaults for a base rate of 2–5 % a month: medium from 10 %, high from 30 %. */
export const DEFAULT_RISK_BANDS: RiskBands = { medium: 0.1, high: 0.3 };

/** The band a 30-day churn probability falls in. */
export const riskBand = (churnProbability: number, bands: RiskBands = DEFAULT_RISK_BANDS): RiskBand =>
  churnProbability >= bands.high ? 'high' : churnProbability >= bands.medium ? 'medium' : 'low';

/** What `scoreChanged` compares. */
export interface ScoreSnapshot {
  readonly churnProbability: number;
  readonly lifetimeValue: number;
}

/** What counts as a significant change; see DEFAULT_CHANGE_THRESHOLDS. */
export interface ChangeThresholds {
  /** Absolute move of the churn probability; default 0.05. */
  readonly probabilityDelta: number;
  /** Relative move of the lifetime value; default 0.10. */
  readonly lifetimeValueRelative: number;
  /**
   * The smallest |LTV| a relative change is measured against (currency units; default 1), so a
   * value near zero does not turn every cent into a large relative change.
   */
  readonly lifetimeValueFloor: number;
  readonly bands: RiskBands;
}

export const DEFAULT_CHANGE_THRESHOLDS: ChangeThresholds = {
  probabilityDelta: 0.05,
  lifetimeValueRelative: 0.1,
  lifetimeValueFloor: 1,
  bands: DEFAULT_RISK_BANDS,
};

/** Why a change is significant. */
export type ScoreChangeReason =
  | { readonly kind: 'first-score' }
  | { readonly kind: 'probability-moved'; readonly from: number; readonly to: number; readonly delta: number }
  | { readonly kind: 'band-crossed'; readonly from: RiskBand; readonly to: RiskBand }
  | { readonly kind: 'lifetime-value-moved'; readonly from: number; readonly to: number; readonly relative: number };

/** The verdict of `scoreChanged`. */
export interface ScoreChange {
  readonly changed: boolean;
  /** Every reason that applies; empty when nothing changed enough. */
  readonly reasons: readonly ScoreChangeReason[];
}

/** Thresholds are compared with this slack so 0.10 → 0.15 counts as a move of 0.05. */
const SLACK = 1e-9;

/** Whether the move from `previous` (undefined: never scored) to `next` deserves `score.changed`. */
export const scoreChanged = (
  previous: ScoreSnapshot | undefined,
  next: ScoreSnapshot,
  thresholds: Partial<ChangeThresholds> = {},
): ScoreChange => {
  const t = { ...DEFAULT_CHANGE_THRESHOLDS, ...thresholds };
  if (previous === undefined) return { changed: true, reasons: [{ kind: 'first-score' }] };
  const reasons: ScoreChangeReason[] = [];
  const delta = next.churnProbability - previous.churnProbability;
  if (Math.abs(delta) >= t.probabilityDelta - SLACK) {
    reasons.push({ kind: 'probability-moved', from: previous.churnProbability, to: next.churnProbability, delta });
  }
  const fromBand = riskBand(previous.churnProbability, t.bands);
  const toBand = riskBand(next.churnProbability, t.bands);
  if (fromBand !== toBand) reasons.push({ kind: 'band-crossed', from: fromBand, to: toBand });
  const relative = (next.lifetimeValue - previous.lifetimeValue) / Math.max(Math.abs(previous.lifetimeValue), t.lifetimeValueFloor);
  if (Math.abs(relative) >= t.lifetimeValueRelative - SLACK) {
    reasons.push({ kind: 'lifetime-value-moved', from: previous.lifetimeValue, to: next.lifetimeValue, relative });
  }
  return { changed: reasons.length > 0, reasons };
};
