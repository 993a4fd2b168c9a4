import { describe, expect, it } from 'vitest';
import { seededRandom } from './fixtures/prng.js';
import { fitLogisticRegression, predictAll, resolveClassWeights, sigmoid, type DesignMatrix } from './logistic-regression.js';

/** Rows drawn from a known logistic model with standard-normal, mildly correlated columns. */
const simulate = (rows: number, intercept: number, beta: readonly number[], seed: number): { design: DesignMatrix; labels: Uint8Array } => {
  const random = seededRandom(seed);
  const cols = beta.length;
  const values = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const shared = random.normal();
    let eta = intercept;
    for (let j = 0; j < cols; j++) {
      const x = 0.8 * random.normal() + 0.6 * shared;
      values[i * cols + j] = x;
      eta += beta[j]! * x;
    }
    labels[i] = random.next() < sigmoid(eta) ? 1 : 0;
  }
  return { design: { values, rows, cols }, labels };
};

/** The penalised gradient, computed independently of the fitting code. */
const gradientAt = (design: DesignMatrix, labels: Uint8Array, intercept: number, beta: readonly number[], l2: number): number[] => {
  const probabilities = predictAll({ intercept, coefficients: beta }, design);
  const gradient = new Array<number>(design.cols + 1).fill(0);
  for (let i = 0; i < design.rows; i++) {
    const r = (probabilities[i]! - labels[i]!) / design.rows;
    gradient[0]! += r;
    for (let j = 0; j < design.cols; j++) gradient[j + 1]! += r * design.values[i * design.cols + j]!;
  }
  return gradient.map((g, j) => (j === 0 ? g : g + l2 * beta[j - 1]!));
};

describe('fitLogisticRegression', () => {
  it('recovers the coefficients of the model that generated the data', () => {
    const truth = [1.2, -0.8, 0.5, 0];
    const { design, labels } = simulate(40_000, -1, truth, 7);
    const fit = fitLogisticRegression(design, labels, { l2: 0 });
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(12);
    expect(fit.intercept).toBeCloseTo(-1, 1);
    fit.coefficients.forEach((b, j) => expect(Math.abs(b - truth[j]!)).toBeLessThan(0.06));
  });

  it('stops at a point where the penalised gradient vanishes', () => {
    const { design, labels } = simulate(5_000, 0.3, [0.7, -0.4, 0.2], 11);
    const fit = fitLogisticRegression(design, labels, { l2: 0.05 });
    for (const g of gradientAt(design, labels, fit.intercept, fit.coefficients, 0.05)) expect(Math.abs(g)).toBeLessThan(1e-8);
    // The penalty shrinks the slopes, never the intercept's role of matching the base rate.
    const unpenalised = fitLogisticRegression(design, labels, { l2: 0 });
    fit.coefficients.forEach((b, j) => expect(Math.abs(b)).toBeLessThan(Math.abs(unpenalised.coefficients[j]!)));
  });

  it('is unaffected by the scale of a column (Newton is affine-invariant)', () => {
    const { design, labels } = simulate(5_000, -0.5, [0.9, -0.6], 3);
    const scaled = Float64Array.from(design.values, (v, k) => (k % 2 === 0 ? v * 1e4 : v * 1e-3));
    const plain = fitLogisticRegression(design, labels, { l2: 0 });
    const fit = fitLogisticRegression({ ...design, values: scaled }, labels, { l2: 0 });
    expect(fit.converged).toBe(true);
    expect(fit.coefficients[0]! * 1e4).toBeCloseTo(plain.coefficients[0]!, 6);
    expect(fit.coefficients[1]! * 1e-3).toBeCloseTo(plain.coefficients[1]!, 6);
  });

  it('converges on a full one-hot encoding with a duplicated column thanks to the penalty', () => {
    // Three levels, every level its own column (collinear with the intercept), plus a copy of one.
    const random = seededRandom(5);
    const rates = [0.05, 0.2, 0.6];
    const rows = 3_000;
    const values = new Float64Array(rows * 4);
    const labels = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      const level = random.int(0, 2);
      values[i * 4 + level] = 1;
      values[i * 4 + 3] = level === 2 ? 1 : 0;
      labels[i] = random.chance(rates[level]!) ? 1 : 0;
    }
    const fit = fitLogisticRegression({ values, rows, cols: 4 }, labels, { l2: 1e-4 });
    expect(fit.converged).toBe(true);
    expect(fit.coefficients.every(Number.isFinite)).toBe(true);
    // The penalty splits an effect evenly between identical columns.
    expect(fit.coefficients[2]).toBeCloseTo(fit.coefficients[3]!, 8);
    const probabilities = predictAll(fit, { values, rows, cols: 4 });
    const observed = [0, 1, 2].map((level) => {
      let count = 0;
      let positives = 0;
      for (let i = 0; i < rows; i++) {
        if (values[i * 4 + level] === 1) {
          count++;
          positives += labels[i]!;
        }
      }
      return { level, rate: positives / count };
    });
    for (const { level, rate } of observed) {
      const i = [...Array(rows).keys()].find((k) => values[k * 4 + level] === 1)!;
      expect(Math.abs(probabilities[i]! - rate)).toBeLessThan(0.01);
    }
  });

  it('converges on separable data with a penalty and stays finite without one', () => {
    const random = seededRandom(9);
    const rows = 500;
    const values = Float64Array.from({ length: rows }, () => random.normal());
    const labels = Uint8Array.from(values, (x) => (x > 0 ? 1 : 0));
    const penalised = fitLogisticRegression({ values, rows, cols: 1 }, labels, { l2: 1e-3 });
    expect(penalised.converged).toBe(true);
    expect(penalised.coefficients[0]).toBeGreaterThan(5);
    const unpenalised = fitLogisticRegression({ values, rows, cols: 1 }, labels, { l2: 0, maxIterations: 50 });
    expect(Number.isFinite(unpenalised.coefficients[0]!)).toBe(true);
    expect(Number.isFinite(unpenalised.loss)).toBe(true);
    expect(unpenalised.loss).toBeLessThan(1e-3);
  });

  it('weights classes: balanced weights make an intercept-only model predict one half', () => {
    const labels = Uint8Array.from({ length: 1_000 }, (_, i) => (i % 25 === 0 ? 1 : 0));
    expect(resolveClassWeights(labels, 'balanced')).toEqual({ positive: 1_000 / 80, negative: 1_000 / 1_920 });
    const design = { values: new Float64Array(0), rows: 1_000, cols: 0 };
    expect(fitLogisticRegression(design, labels).intercept).toBeCloseTo(Math.log(0.04 / 0.96), 8);
    expect(fitLogisticRegression(design, labels, { classWeights: 'balanced' }).intercept).toBeCloseTo(0, 8);
  });

  it('is deterministic', () => {
    const { design, labels } = simulate(3_000, -2, [0.4, 0.3, -0.2, 0.1], 13);
    expect(fitLogisticRegression(design, labels, { classWeights: 'balanced' })).toEqual(
      fitLogisticRegression(design, labels, { classWeights: 'balanced' }),
    );
  });

  it('refuses labels that are not 0 or 1 and mismatched sizes', () => {
    const design = { values: new Float64Array([1, 2]), rows: 2, cols: 1 };
    expect(() => fitLogisticRegression(design, [0, 2])).toThrow(/not 0 or 1/);
    expect(() => fitLogisticRegression(design, [0])).toThrow(/labels/);
  });
});

describe('sigmoid', () => {
  it('does not overflow at the extremes', () => {
    expect(sigmoid(1_000)).toBe(1);
    expect(sigmoid(-1_000)).toBe(0);
    expect(sigmoid(0)).toBe(0.5);
  });
});
