import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../core/errors.js';
import {
  createChurnScorer,
  crossValidateChurn,
  formatNumber,
  parseChurnModel,
  scoreChurn,
  trainChurnModel,
  type ChurnModel,
} from './churn-model.js';
import { auc, isHeldOut } from './evaluation.js';
import { compileEncoder, type FeatureRow, type FeatureSpec } from './features.js';
import { seededRandom } from './fixtures/prng.js';
import { sigmoid } from './logistic-regression.js';

const SPEC: FeatureSpec = [
  {
    kind: 'numeric',
    name: 'dropped_calls_30d',
    label: 'dropped calls in the last 30 days',
    transform: 'log1p',
    highWord: 'many',
    lowWord: 'few',
  },
  { kind: 'numeric', name: 'tenure_months', label: 'months as a customer', highWord: 'many', lowWord: 'few' },
  { kind: 'numeric', name: 'complaints_90d', label: 'complaints in the last 90 days', clip: { max: 10 }, highWord: 'many', lowWord: 'few' },
  { kind: 'numeric', name: 'data_gb_30d', label: 'data used in the last 30 days (GB)', transform: 'log1p', missingIndicator: true },
  { kind: 'categorical', name: 'plan', label: 'plan' },
  { kind: 'categorical', name: 'roaming', label: 'roaming' },
];

interface Synthetic {
  readonly rows: FeatureRow[];
  readonly labels: boolean[];
  readonly ids: string[];
  /** The probability the generating model gave each row. */
  readonly truth: number[];
}

/** A telecom base with ~4 % monthly churn driven by dropped calls, tenure, complaints and plan. */
const syntheticBase = (count: number, seed: number): Synthetic => {
  const random = seededRandom(seed);
  const rows: FeatureRow[] = [];
  const labels: boolean[] = [];
  const ids: string[] = [];
  const truth: number[] = [];
  for (let i = 0; i < count; i++) {
    const dropped = Math.floor(Math.exp(random.normal() * 0.9) - 0.3);
    const tenure = random.int(1, 120);
    const complaints = random.chance(0.1) ? random.int(1, 4) : 0;
    const data = random.chance(0.1) ? null : Math.exp(random.normal() + 1);
    const plan = random.weighted(['prepaid', 'postpaid', 'business'], [0.5, 0.4, 0.1]);
    const roaming = random.chance(0.05);
    const eta =
      -3.4 +
      1.1 * Math.log1p(Math.max(dropped, 0)) -
      0.02 * tenure +
      0.6 * complaints +
      (plan === 'prepaid' ? 0.8 : plan === 'business' ? -0.5 : 0) +
      (data === null ? 0.4 : -0.1 * Math.log1p(data));
    rows.push({
      dropped_calls_30d: Math.max(dropped, 0),
      tenure_months: tenure,
      complaints_90d: complaints,
      data_gb_30d: data,
      plan,
      roaming,
    });
    truth.push(sigmoid(eta));
    labels.push(random.next() < sigmoid(eta));
    ids.push(`line-${seed}-${i}`);
  }
  return { rows, labels, ids, truth };
};

const BASE = syntheticBase(30_000, 1);
const TRAINED_AT = '2024-07-05T00:00:00.000Z';
const SALT = 'churn-test';
const train = (options: Partial<Parameters<typeof trainChurnModel>[3]> = {}): ChurnModel =>
  trainChurnModel(BASE.rows, BASE.labels, BASE.ids, { featureSpec: SPEC, trainedAt: TRAINED_AT, splitSalt: SALT, ...options });
const MODEL = train();

describe('trainChurnModel', () => {
  it('learns the risk and reports held-out metrics', () => {
    const { metrics } = MODEL;
    expect(metrics.positives / (metrics.trainRows + metrics.testRows)).toBeGreaterThan(0.02);
    expect(metrics.positives / (metrics.trainRows + metrics.testRows)).toBeLessThan(0.06);
    expect(metrics.trainRows + metrics.testRows).toBe(30_000);
    expect(metrics.testRows / 30_000).toBeCloseTo(0.2, 1);
    expect(metrics.auc).toBeGreaterThan(0.75);
    // As good on held-out rows as the model that generated them (the best any model can do).
    const heldOut = BASE.ids.flatMap((id, i) => (isHeldOut(id, { salt: SALT, testFraction: 0.2 }) ? [i] : []));
    expect(heldOut).toHaveLength(metrics.testRows);
    const oracle = auc(
      heldOut.map((i) => BASE.truth[i]!),
      heldOut.map((i) => (BASE.labels[i] ? 1 : 0)),
    );
    expect(metrics.auc).toBeGreaterThan(oracle - 0.01);
    expect(metrics.topDecileLift).toBeGreaterThan(2.5);
    expect(metrics.brier).toBeLessThan(0.05);
    expect(MODEL.calibration).toHaveLength(10);
    expect(MODEL.training.converged).toBe(true);
    expect(MODEL.coefficients['dropped_calls_30d']).toBeGreaterThan(0);
    expect(MODEL.coefficients['tenure_months']).toBeLessThan(0);
    expect(MODEL.coefficients['plan=prepaid']).toBeGreaterThan(MODEL.coefficients['plan=business']!);
  });

  it('is versioned by its content: the same data give the same version, other data another', () => {
    expect(MODEL.version).toMatch(/^churn-[0-9a-f]{16}$/);
    expect(train().version).toBe(MODEL.version);
    expect(train({ l2: 0.1 }).version).not.toBe(MODEL.version);
    expect(train({ version: '2024-07-05' }).version).toBe('2024-07-05');
  });

  it('keeps probabilities calibrated to the base rate when classes are weighted', () => {
    const weighted = train({ classWeights: 'balanced' });
    const scorer = createChurnScorer(weighted);
    const mean = BASE.rows.reduce((sum, row) => sum + scorer.probability(row), 0) / BASE.rows.length;
    const rate = BASE.labels.filter(Boolean).length / BASE.labels.length;
    expect(Math.abs(mean - rate) / rate).toBeLessThan(0.25);
    expect(weighted.metrics.auc).toBeGreaterThan(0.75);
  });

  it('refuses data without churners on a side, and mismatched inputs', () => {
    const noChurn = BASE.labels.map(() => false);
    expect(() => trainChurnModel(BASE.rows, noChurn, BASE.ids, { featureSpec: SPEC, trainedAt: TRAINED_AT })).toThrow(AppError);
    expect(() => trainChurnModel(BASE.rows, BASE.labels.slice(1), BASE.ids, { featureSpec: SPEC, trainedAt: TRAINED_AT })).toThrow(
      /one label/,
    );
  });
});

describe('scoreChurn', () => {
  const risky: FeatureRow = { dropped_calls_30d: 12, tenure_months: 3, complaints_90d: 2, data_gb_30d: 1, plan: 'prepaid', roaming: false };

  it('explains a risky customer with the factors that raise the risk most, in words', () => {
    const { probability, reasons } = scoreChurn(MODEL, risky);
    expect(probability).toBeGreaterThan(0.2);
    expect(reasons).toHaveLength(3);
    expect(reasons.map((r) => r.feature)).toContain('dropped_calls_30d');
    const dropped = reasons.find((r) => r.feature === 'dropped_calls_30d')!;
    expect(dropped.text).toMatch(/^many dropped calls in the last 30 days \(12, typical \d+(\.\d+)?\)$/);
    expect(reasons.find((r) => r.feature === 'tenure_months')?.text).toMatch(/^few months as a customer \(3, typical 6\d(\.\d)?\)$/);
    for (let k = 1; k < reasons.length; k++) expect(reasons[k]!.contribution).toBeLessThanOrEqual(reasons[k - 1]!.contribution);
  });

  it('gives each reason its coefficients × standardised values, and only positive ones', () => {
    const encoded = compileEncoder(MODEL.encoder).encode(risky);
    const byFeature = new Map<string, number>();
    MODEL.encoder.columns.forEach((column, j) => {
      byFeature.set(column.feature, (byFeature.get(column.feature) ?? 0) + MODEL.coefficients[column.name]! * encoded[j]!);
    });
    const logit = MODEL.intercept + [...byFeature.values()].reduce((a, b) => a + b, 0);
    const { probability, reasons } = scoreChurn(MODEL, risky);
    expect(probability).toBeCloseTo(sigmoid(logit), 12);
    const expected = [...byFeature.entries()].filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]);
    expect(reasons.map((r) => [r.feature, r.contribution])).toEqual(expected.slice(0, 3));
  });

  it('names categories and missing values in words', () => {
    const row: FeatureRow = {
      dropped_calls_30d: 0,
      tenure_months: 100,
      complaints_90d: 0,
      data_gb_30d: null,
      plan: 'prepaid',
      roaming: true,
    };
    const texts = scoreChurn(MODEL, row).reasons.map((r) => r.text);
    expect(texts).toContain('plan: prepaid');
    expect(texts).toContain('data used in the last 30 days (GB) not known');
  });

  it('does not give a safe customer the factors that make them safe as reasons', () => {
    const safe: FeatureRow = {
      dropped_calls_30d: 0,
      tenure_months: 120,
      complaints_90d: 0,
      data_gb_30d: 20,
      plan: 'business',
      roaming: false,
    };
    const { probability, reasons } = scoreChurn(MODEL, safe);
    expect(probability).toBeLessThan(0.01);
    for (const feature of ['dropped_calls_30d', 'tenure_months', 'complaints_90d', 'data_gb_30d', 'plan']) {
      expect(reasons.map((r) => r.feature)).not.toContain(feature);
    }
  });

  it('keeps probabilities in [0, 1] whatever the row holds', () => {
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.string({ maxLength: 6 }),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.constantFrom(1e308, -1e308, NaN),
    );
    const row = fc.record({
      dropped_calls_30d: value,
      tenure_months: value,
      complaints_90d: value,
      data_gb_30d: value,
      plan: value,
      roaming: value,
    });
    fc.assert(
      fc.property(row, (r) => {
        const { probability, reasons } = scoreChurn(MODEL, r);
        expect(probability).toBeGreaterThanOrEqual(0);
        expect(probability).toBeLessThanOrEqual(1);
        expect(reasons.length).toBeLessThanOrEqual(3);
      }),
    );
  });

  it('scores the same after the model goes through JSON', () => {
    const restored = parseChurnModel(JSON.parse(JSON.stringify(MODEL)));
    expect(restored).toEqual(MODEL);
    for (const row of BASE.rows.slice(0, 500)) expect(scoreChurn(restored, row)).toEqual(scoreChurn(MODEL, row));
  });

  it('refuses JSON that is not a usable churn model', () => {
    const json = JSON.parse(JSON.stringify(MODEL)) as Record<string, unknown>;
    expect(() => parseChurnModel({ ...json, kind: 'ltv' })).toThrow(/kind/);
    expect(() => parseChurnModel({ ...json, coefficients: { tenure_months: 1 } })).toThrow(/no valid coefficient/);
    expect(() => parseChurnModel('{}')).toThrow(AppError);
  });

  it('keeps scoring fast: well under 50 µs a row with reasons', () => {
    const scorer = createChurnScorer(MODEL);
    const rows = BASE.rows.slice(0, 20_000);
    for (const row of rows.slice(0, 2_000)) scorer.score(row); // warm up
    const started = performance.now();
    let sum = 0;
    for (const row of rows) sum += scorer.score(row).probability;
    const perRow = ((performance.now() - started) * 1000) / rows.length;
    expect(sum).toBeGreaterThan(0);
    expect(perRow).toBeLessThan(50); // measured at a few µs; generous for a busy machine
  });
});

describe('training speed', () => {
  it('fits 100 k rows × 40 columns in seconds', () => {
    const random = seededRandom(21);
    const spec: FeatureSpec = [
      ...Array.from({ length: 20 }, (_, k) => ({ kind: 'numeric' as const, name: `x${k}`, label: `x${k}` })),
      ...Array.from({ length: 4 }, (_, k) => ({ kind: 'categorical' as const, name: `c${k}`, label: `c${k}` })),
    ];
    const rows: FeatureRow[] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 100_000; i++) {
      const row: Record<string, number | string> = {};
      let eta = -3.5;
      for (let k = 0; k < 20; k++) {
        const x = random.normal();
        row[`x${k}`] = x;
        eta += (k % 3 === 0 ? 0.3 : 0) * x;
      }
      for (let k = 0; k < 4; k++) row[`c${k}`] = `level-${random.int(0, 3)}`;
      rows.push(row);
      labels.push(random.next() < sigmoid(eta));
    }
    const ids = rows.map((_, i) => `id-${i}`);
    const started = performance.now();
    const model = trainChurnModel(rows, labels, ids, { featureSpec: spec, trainedAt: TRAINED_AT });
    const seconds = (performance.now() - started) / 1000;
    expect(model.encoder.columns).toHaveLength(40);
    expect(model.training.converged).toBe(true);
    expect(seconds).toBeLessThan(20); // measured near 1 s; generous for a busy machine
  });
});

describe('formatNumber', () => {
  it('writes short numbers without locale', () => {
    expect([12, 1.4, 0.346, 1250.4, 33.333, -2.5].map(formatNumber)).toEqual(['12', '1.4', '0.35', '1250', '33.3', '-2.5']);
  });
});

describe('crossValidateChurn', () => {
  it('scores every row once, by a model that did not see it, as well as a single held-out split', () => {
    const cv = crossValidateChurn(BASE.rows, BASE.labels, BASE.ids, { featureSpec: SPEC, folds: 5, splitSalt: SALT });
    expect(cv.rows).toBe(30_000);
    expect(cv.positives).toBe(BASE.labels.filter(Boolean).length);
    expect(cv.foldAuc).toHaveLength(5);
    // Fold 0 is the held-out side of the same salt: the same model, the same AUC.
    expect(cv.foldAuc[0]).toBeCloseTo(MODEL.metrics.auc, 10);
    expect(Math.abs(cv.auc - MODEL.metrics.auc)).toBeLessThan(0.02);
    const oracle = auc(
      BASE.truth,
      BASE.labels.map((l) => (l ? 1 : 0)),
    );
    expect(cv.auc).toBeGreaterThan(oracle - 0.01);
    expect(cv.topDecileLift).toBeGreaterThan(2.5);
  });

  it('refuses folds that leave one class out', () => {
    const few = BASE.labels.map((_, i) => i === 0);
    expect(() => crossValidateChurn(BASE.rows, few, BASE.ids, { featureSpec: SPEC, folds: 5 })).toThrow(AppError);
  });
});
