import {
  createChurnScorer,
  lifetimeValue,
  riskBand,
  scoreChanged,
  type ChurnModel,
  type FeatureRow,
  type FeatureSpec,
  type ScoreChangeReason,
} from '../scores/index.js';
import type { WindowValues } from './aggregates/index.js';
import { caseView, viewOf, type ProfileState } from './profile-state.js';

/** A profile's scores: churn risk with reason codes, and lifetime value, with the model that gave them. */
export interface Scores {
  readonly churn: {
    readonly probability: number;
    readonly band: 'low' | 'medium' | 'high';
    readonly reasons: readonly { readonly feature: string; readonly text: string; readonly contribution: number }[];
    readonly model: string;
  };
  readonly lifetimeValue: {
    readonly value: number;
    readonly currency: string;
    readonly monthlyMargin: number;
    readonly expectedLifetimeMonths: number;
  };
  readonly at: string;
}

const DAY_MS = 86_400_000;

/**
 * The churn scorecard's inputs: state and aggregates a churn analyst would look at first. Usage
 * trends are read from record counts (sessions, calls, app opens, web visits), not octets or
 * minutes: volumes are so heavy-tailed that a week's total says little about a trend, while a
 * person moving to another operator shows as fewer records, week on week and month on month.
 */
export const CHURN_FEATURES: FeatureSpec = [
  { kind: 'numeric', name: 'tenureDays', label: 'days since activation', transform: 'log1p', missingIndicator: true, lowWord: 'short' },
  { kind: 'categorical', name: 'planType', label: 'plan type', minCount: 5 },
  { kind: 'categorical', name: 'status', label: 'line status', minCount: 5 },
  { kind: 'categorical', name: 'customerType', label: 'customer type', minCount: 5 },
  { kind: 'categorical', name: 'tariff', label: 'tariff', minCount: 20 },
  {
    kind: 'numeric',
    name: 'usageWeekAgainstBefore',
    label: 'usage this week against the weeks before',
    clip: { min: -3, max: 2 },
    missingValue: 0,
    missingIndicator: true,
    lowWord: 'falling',
  },
  {
    kind: 'numeric',
    name: 'usageMonthAgainstBefore',
    label: 'usage in the last 30 days against the 30 before',
    clip: { min: -3, max: 2 },
    missingValue: 0,
    lowWord: 'falling',
  },
  { kind: 'numeric', name: 'usageEvents30d', label: 'usage records in the last 30 days', transform: 'log1p', lowWord: 'few' },
  {
    kind: 'numeric',
    name: 'daysSinceTopup',
    label: 'days since the last top-up',
    transform: 'log1p',
    missingIndicator: true,
    highWord: 'many',
  },
  { kind: 'numeric', name: 'balance', label: 'balance', clip: { min: -5000, max: 20_000 }, missingValue: 0, lowWord: 'low' },
  { kind: 'numeric', name: 'dataMb7d', label: 'data used in the last 7 days (MB)', transform: 'log1p', lowWord: 'little' },
  { kind: 'numeric', name: 'dataMb30d', label: 'data used in the last 30 days (MB)', transform: 'log1p', lowWord: 'little' },
  { kind: 'numeric', name: 'voiceMinutes7d', label: 'voice minutes in the last 7 days', transform: 'log1p', lowWord: 'few' },
  { kind: 'numeric', name: 'voiceMinutes30d', label: 'voice minutes in the last 30 days', transform: 'log1p', lowWord: 'few' },
  { kind: 'numeric', name: 'droppedCalls30d', label: 'dropped calls in the last 30 days', transform: 'log1p', highWord: 'many' },
  { kind: 'numeric', name: 'topups30d', label: 'top-ups in the last 30 days', transform: 'log1p', lowWord: 'few' },
  { kind: 'numeric', name: 'payments30d', label: 'payments in the last 30 days', transform: 'log1p', lowWord: 'small' },
  { kind: 'numeric', name: 'arpu', label: 'average bill (last 3)', transform: 'log1p', missingIndicator: true },
  { kind: 'numeric', name: 'appOpens7d', label: 'app opens in the last 7 days', transform: 'log1p', lowWord: 'few' },
  { kind: 'numeric', name: 'careCases30d', label: 'care cases in the last 30 days', transform: 'log1p', highWord: 'many' },
  { kind: 'numeric', name: 'careCases90d', label: 'care cases in the last 90 days', transform: 'log1p', highWord: 'many' },
  { kind: 'numeric', name: 'openCases', label: 'open care cases', highWord: 'many' },
  { kind: 'numeric', name: 'brokenPromises', label: 'care promises broken', highWord: 'many' },
  {
    kind: 'numeric',
    name: 'brokenPromises60d',
    label: 'care promises broken in the last 60 days',
    highWord: 'many',
  },
  { kind: 'numeric', name: 'roamingDays30d', label: 'days in roaming in the last 30 days' },
  { kind: 'numeric', name: 'distinctCells7d', label: 'distinct cells in the last 7 days', transform: 'log1p', lowWord: 'few' },
  { kind: 'numeric', name: 'daysSinceLastEvent', label: 'days since the line was last active', transform: 'log1p', highWord: 'many' },
];

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const windowOf = (windows: Readonly<Record<string, WindowValues>>, id: string, window: string): number | null =>
  num((windows[id] as Record<string, unknown> | undefined)?.[window]);
/**
 * Usage in a recent span against the span before it, as a log ratio of the same-length rates
 * (0 = steady, −0.7 = halved): ln((recent + 1) / (earlier × recentDays / earlierDays + 1)). A fade
 * is a factor, so its logarithm is what adds up in the model's log-odds; the +1 keeps a quiet line
 * finite. Null when less than a week of history lies before the recent span.
 */
const logRatio = (recent: number, earlier: number, recentDays: number, earlierDays: number): number | null =>
  earlierDays < 7 ? null : Math.log((recent + 1) / ((earlier * recentDays) / earlierDays + 1));
const BROKEN_RECENT_MS = 60 * DAY_MS;
const money = (v: unknown): number | null => num((v as { value?: unknown } | null)?.value);

/** A profile as a feature row (the same function at training and at scoring). */
export const churnFeatureRow = (state: ProfileState, windows: Readonly<Record<string, WindowValues>>, now: Date): FeatureRow => {
  const view = viewOf(state, now, 'UTC');
  const activated = typeof view.traits.activatedAt === 'string' ? Date.parse(view.traits.activatedAt) : Number.NaN;
  const mb = (v: number | null) => (v === null ? 0 : v / 1_048_576);
  const zero = (v: number | null) => v ?? 0;
  const tenureDays = Number.isNaN(activated) ? null : Math.max(0, (now.getTime() - activated) / DAY_MS);
  const lastTopup = (view.traits.lastTopup as { at?: unknown } | undefined)?.at;
  const toppedUpAt = typeof lastTopup === 'string' ? Date.parse(lastTopup) : Number.NaN;
  const usage7d = windowOf(windows, 'usage_events', '7d');
  const usage30d = windowOf(windows, 'usage_events', '30d');
  const usage60d = windowOf(windows, 'usage_events', '60d');
  // Days of history the 60-day window holds for this line (all of them when its activation is not known).
  const history = tenureDays === null ? 60 : Math.min(60, tenureDays);
  return {
    tenureDays,
    planType: typeof view.traits.planType === 'string' ? view.traits.planType : null,
    status: typeof view.traits.status === 'string' ? view.traits.status : null,
    customerType: typeof view.traits.customerType === 'string' ? view.traits.customerType : null,
    tariff: typeof view.traits.tariff === 'string' ? view.traits.tariff : null,
    usageWeekAgainstBefore: logRatio(zero(usage7d), zero(usage60d) - zero(usage7d), 7, Math.floor(history) - 7),
    usageMonthAgainstBefore: history < 60 ? null : logRatio(zero(usage30d), zero(usage60d) - zero(usage30d), 30, 30),
    usageEvents30d: zero(usage30d),
    daysSinceTopup: Number.isNaN(toppedUpAt) ? null : Math.max(0, (now.getTime() - toppedUpAt) / DAY_MS),
    balance: money(view.traits.balance),
    dataMb7d: mb(windowOf(windows, 'data_usage_home', '7d')) + mb(windowOf(windows, 'data_usage_roaming', '7d')),
    dataMb30d: mb(windowOf(windows, 'data_usage_home', '30d')) + mb(windowOf(windows, 'data_usage_roaming', '30d')),
    voiceMinutes7d: zero(windowOf(windows, 'voice_minutes', '7d')),
    voiceMinutes30d: zero(windowOf(windows, 'voice_minutes', '30d')),
    droppedCalls30d: zero(windowOf(windows, 'dropped_calls', '30d')),
    topups30d: zero(windowOf(windows, 'topup_count', '30d')),
    payments30d: zero(windowOf(windows, 'payment_amount', '30d')),
    arpu: windowOf(windows, 'arpu', 'last_3'),
    appOpens7d: zero(windowOf(windows, 'app_opens', '7d')),
    careCases30d: zero(windowOf(windows, 'care_cases', '30d')),
    careCases90d: zero(windowOf(windows, 'care_cases', '90d')),
    openCases: view.openCases.length,
    brokenPromises: view.brokenPromises,
    brokenPromises60d: brokenSince(state, now, now.getTime() - BROKEN_RECENT_MS),
    roamingDays30d: zero(windowOf(windows, 'roaming_days', '30d')),
    distinctCells7d: zero(windowOf(windows, 'distinct_cells', '7d')),
    daysSinceLastEvent: view.lastEventAt === null ? null : Math.max(0, (now.getTime() - Date.parse(view.lastEventAt)) / DAY_MS),
  };
};

/** Promises broken (resolved late, or not yet) whose promised date fell after `since`. */
const brokenSince = (state: ProfileState, now: Date, since: number): number => {
  let n = 0;
  for (const c of Object.values(state.cases)) {
    const due = c.expectedResolutionDate;
    if (due === null || !caseView(c, now).promiseBroken) continue;
    // A date-only promise is kept until the end of that day, as `caseView` reads it.
    if (Date.parse(due.length === 10 ? `${due}T23:59:59Z` : due) > since) n++;
  }
  return n;
};

export interface ScoringOptions {
  /** Monthly margin as a share of the average bill (ARPU), for lifetime value. */
  readonly marginShare: number;
  readonly annualDiscountRate: number;
  readonly currency: string;
}

/**
 * Scores profiles with the active churn model (none until `tessera train churn` has stored one)
 * and derives lifetime value from it. Swapping the model is one assignment: batches pick it up.
 */
export class ProfileScorer {
  readonly #options: ScoringOptions;
  #model: ChurnModel | null = null;
  #scorer: ReturnType<typeof createChurnScorer> | null = null;

  constructor(options: ScoringOptions) {
    this.#options = options;
  }

  get model(): ChurnModel | null {
    return this.#model;
  }

  use(model: ChurnModel | null): void {
    this.#model = model;
    this.#scorer = model === null ? null : createChurnScorer(model);
  }

  score(profile: { state: ProfileState }, windows: Readonly<Record<string, WindowValues>>, now: Date): Scores | null {
    if (this.#scorer === null || this.#model === null) return null;
    const row = churnFeatureRow(profile.state, windows, now);
    const churn = this.#scorer.score(row);
    const arpu = num(row.arpu) ?? num(row.payments30d) ?? 0;
    const margin = arpu * this.#options.marginShare;
    const ltv = lifetimeValue(margin, churn.probability, { annualDiscountRate: this.#options.annualDiscountRate });
    return {
      churn: {
        probability: round(churn.probability, 4),
        band: riskBand(churn.probability),
        reasons: churn.reasons.map((r) => ({ feature: r.feature, text: r.text, contribution: round(r.contribution, 3) })),
        model: this.#model.version,
      },
      lifetimeValue: {
        value: round(ltv.value, 2),
        currency: this.#options.currency,
        monthlyMargin: round(margin, 2),
        expectedLifetimeMonths: round(ltv.expectedLifetimeMonths, 1),
      },
      at: now.toISOString(),
    };
  }

  /** Why a score change is worth a `score.changed` event, or null. */
  changed(previous: Scores | null, next: Scores | null): readonly ScoreChangeReason[] | null {
    if (next === null) return null;
    const decision = scoreChanged(
      previous === null ? undefined : { churnProbability: previous.churn.probability, lifetimeValue: previous.lifetimeValue.value },
      { churnProbability: next.churn.probability, lifetimeValue: next.lifetimeValue.value },
    );
    return decision.changed ? decision.reasons : null;
  }
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;
