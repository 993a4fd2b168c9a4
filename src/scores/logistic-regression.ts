/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) with a backtracking line
 * search and Levenberg–Marquardt damping when the Hessian is not numerically positive definite.
 *
 * The objective is the weighted mean log loss plus (l2 / 2)·‖β‖², the intercept unpenalised:
 *
 *   f(b, β) = Σᵢ wᵢ [log(1 + e^ηᵢ) − yᵢ ηᵢ] / Σᵢ wᵢ + (l2 / 2) Σⱼ βⱼ²,   ηᵢ = b + xᵢ·β
 *
 * Newton is affine-invariant, so badly scaled or nearly collinear columns do not slow it the way
 * they slow gradient methods; the penalty makes the Hessian positive definite even for a full
 * one-hot encoding (whose columns are exactly collinear) and for separable data, where the
 * unpenalised optimum lies at infinity. The mean (not the sum) keeps `l2` independent of the
 * number of rows. Arithmetic runs in a fixed order, so a fit is bit-for-bit deterministic.
 */

/** A dense row-major matrix: row i is `values[i * cols .. (i + 1) * cols)`. */
export interface DesignMatrix {
  readonly values: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** Weight of each row of a class in the loss. */
export interface ClassWeights {
  readonly positive: number;
  readonly negative: number;
}

/** Fitting settings; every field has a default. */
export interface LogisticOptions {
  /** Penalty on the coefficients (not the intercept); default 1e-3. */
  readonly l2?: number;
  /** Weights per class, or 'balanced' (each class weighs half of the total); default 1 and 1. */
  readonly classWeights?: ClassWeights | 'balanced';
  /** Newton iterations at most; default 100. */
  readonly maxIterations?: number;
  /** Converged when every component of the gradient is at most this; default 1e-8. */
  readonly tolerance?: number;
}

/** What prediction needs: intercept and one coefficient per column. */
export interface LinearModel {
  readonly intercept: number;
  readonly coefficients: ArrayLike<number>;
}

/** A fitted model with the diagnostics of its fit. */
export interface LogisticFit extends LinearModel {
  readonly coefficients: number[];
  readonly iterations: number;
  readonly converged: boolean;
  /** The objective at the solution (penalised mean log loss). */
  readonly loss: number;
  /** Largest absolute component of the gradient at the solution. */
  readonly gradientNorm: number;
  readonly classWeights: ClassWeights;
  readonly l2: number;
}

/**
 * Small enough to barely shrink real effects on standardised columns, large enough to make
 * collinear and separable data well-posed.
 */
export const DEFAULT_L2 = 1e-3;

/** The logistic function, computed without overflow for large |z|. */
export const sigmoid = (z: number): number => {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
};

/** log(1 + e^z) without overflow. */
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** The probability the model gives the row starting at `x[offset]`. */
export const predictProbability = (model: LinearModel, x: ArrayLike<number>, offset = 0): number => {
  const beta = model.coefficients;
  let eta = model.intercept;
  for (let j = 0; j < beta.length; j++) eta += beta[j]! * x[offset + j]!;
  return sigmoid(eta);
};

/** Probabilities for every row of a design matrix. */
export const predictAll = (model: LinearModel, design: DesignMatrix): Float64Array => {
  const out = new Float64Array(design.rows);
  for (let i = 0; i < design.rows; i++) out[i] = predictProbability(model, design.values, i * design.cols);
  return out;
};

/** Resolves 'balanced' (n / (2 · n_class)) or explicit weights against the labels. */
export const resolveClassWeights = (labels: ArrayLike<number>, classWeights: LogisticOptions['classWeights']): ClassWeights => {
  if (classWeights === undefined) return { positive: 1, negative: 1 };
  if (classWeights !== 'balanced') {
    if (!(classWeights.positive > 0 && classWeights.negative > 0)) throw new RangeError('class weights must be positive');
    return classWeights;
  }
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return { positive: 1, negative: 1 };
  return { positive: labels.length / (2 * positives), negative: labels.length / (2 * negatives) };
};

/** Fits the model; `labels` are 0 or 1, one per row. */
export const fitLogisticRegression = (design: DesignMatrix, labels: ArrayLike<number>, options: LogisticOptions = {}): LogisticFit => {
  const { rows: n, cols: p, values: x } = design;
  if (labels.length !== n) throw new RangeError(`expected ${n} labels, got ${labels.length}`);
  if (x.length !== n * p) throw new RangeError('design matrix size does not match rows × cols');
  if (n === 0) throw new RangeError('cannot fit on zero rows');
  for (let i = 0; i < n; i++) if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} is not 0 or 1`);
  const l2 = options.l2 ?? DEFAULT_L2;
  if (!(l2 >= 0)) throw new RangeError('l2 must be non-negative');
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-8;
  const classWeights = resolveClassWeights(labels, options.classWeights);

  const d = p + 1; // index 0 is the intercept
  const w = new Float64Array(n);
  let totalWeight = 0;
  let weightedPositives = 0;
  for (let i = 0; i < n; i++) {
    w[i] = labels[i] === 1 ? classWeights.positive : classWeights.negative;
    totalWeight += w[i]!;
    weightedPositives += labels[i]! * w[i]!;
  }
  for (let i = 0; i < n; i++) w[i] = w[i]! / totalWeight;

  // Start from the intercept-only model: the base rate, kept away from 0 and 1.
  const beta = new Float64Array(d);
  const rate = Math.min(Math.max(weightedPositives / totalWeight, 1e-6), 1 - 1e-6);
  beta[0] = Math.log(rate / (1 - rate));

  const eta = new Float64Array(n);
  const trialEta = new Float64Array(n);
  const curvature = new Float64Array(n);
  const gradient = new Float64Array(d);
  const hessian = new Float64Array(d * d);
  const factor = new Float64Array(d * d);
  const step = new Float64Array(d);
  const trial = new Float64Array(d);

  computeEta(x, n, p, beta, eta);
  let loss = objective(eta, labels, w, beta, l2);
  let iterations = 0;
  let converged = false;
  let gradientNorm = Infinity;

  for (;;) {
    const wantHessian = iterations < maxIterations;
    gradientNorm = gradientAndHessian(x, n, p, eta, labels, w, beta, l2, gradient, curvature, wantHessian ? hessian : null);
    if (gradientNorm <= tolerance) {
      converged = true;
      break;
    }
    if (!wantHessian) break;
    iterations++;

    newtonStep(hessian, gradient, d, factor, step);
    let slope = 0; // directional derivative gᵀΔ, negative for a descent direction
    for (let j = 0; j < d; j++) slope += gradient[j]! * step[j]!;
    // The Newton decrement: when the predicted decrease is below round-off, nothing is left to gain.
    if (-slope / 2 <= 1e-15 * Math.max(1, Math.abs(loss))) {
      converged = true;
      break;
    }

    let t = 1;
    let accepted = false;
    for (let halvings = 0; halvings < 60; halvings++) {
      for (let j = 0; j < d; j++) trial[j] = beta[j]! + t * step[j]!;
      computeEta(x, n, p, trial, trialEta);
      const trialLoss = objective(trialEta, labels, w, trial, l2);
      if (trialLoss <= loss + 1e-4 * t * slope) {
        beta.set(trial);
        eta.set(trialEta);
        loss = trialLoss;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) break; // stalled at round-off: report the gradient norm as it is
  }

  return {
    intercept: beta[0]!,
    coefficients: Array.from(beta.subarray(1)),
    iterations,
    converged,
    loss,
    gradientNorm,
    classWeights,
    l2,
  };
};

const computeEta = (x: Float64Array, n: number, p: number, beta: Float64Array, eta: Float64Array): void => {
  const b0 = beta[0]!;
  for (let i = 0, base = 0; i < n; i++, base += p) {
    let s = b0;
    for (let j = 0; j < p; j++) s += x[base + j]! * beta[j + 1]!;
    eta[i] = s;
  }
};

const objective = (eta: Float64Array, labels: ArrayLike<number>, w: Float64Array, beta: Float64Array, l2: number): number => {
  let loss = 0;
  for (let i = 0; i < eta.length; i++) loss += w[i]! * (softplus(eta[i]!) - labels[i]! * eta[i]!);
  let penalty = 0;
  for (let j = 1; j < beta.length; j++) penalty += beta[j]! * beta[j]!;
  return loss + (l2 / 2) * penalty;
};

/**
 * Writes the gradient (and, when asked, the Hessian) of the objective at the current η and
 * returns the gradient's largest absolute component.
 *
 * The Hessian XᵀSX dominates the cost (n·d²/2 multiply-adds). Only its upper triangle is
 * accumulated, then mirrored, and rows are taken four at a time so each Hessian cell is loaded and
 * stored once per four rows instead of once per row: memory traffic, not arithmetic, is the limit.
 */
const gradientAndHessian = (
  x: Float64Array,
  n: number,
  p: number,
  eta: Float64Array,
  labels: ArrayLike<number>,
  w: Float64Array,
  beta: Float64Array,
  l2: number,
  gradient: Float64Array,
  curvature: Float64Array,
  hessian: Float64Array | null,
): number => {
  const d = p + 1;
  gradient.fill(0);
  for (let i = 0, base = 0; i < n; i++, base += p) {
    const prob = sigmoid(eta[i]!);
    const residual = w[i]! * (prob - labels[i]!);
    curvature[i] = w[i]! * prob * (1 - prob);
    gradient[0] = gradient[0]! + residual;
    for (let a = 0; a < p; a++) gradient[a + 1] = gradient[a + 1]! + residual * x[base + a]!;
  }
  let norm = Math.abs(gradient[0]!);
  for (let j = 1; j < d; j++) {
    gradient[j] = gradient[j]! + l2 * beta[j]!;
    norm = Math.max(norm, Math.abs(gradient[j]!));
  }
  if (hessian === null) return norm;

  hessian.fill(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const s0 = curvature[i]!;
    const s1 = curvature[i + 1]!;
    const s2 = curvature[i + 2]!;
    const s3 = curvature[i + 3]!;
    const r0 = i * p;
    const r1 = r0 + p;
    const r2 = r1 + p;
    const r3 = r2 + p;
    hessian[0] = hessian[0]! + s0 + s1 + s2 + s3;
    for (let a = 0; a < p; a++) {
      const a0 = s0 * x[r0 + a]!;
      const a1 = s1 * x[r1 + a]!;
      const a2 = s2 * x[r2 + a]!;
      const a3 = s3 * x[r3 + a]!;
      hessian[a + 1] = hessian[a + 1]! + a0 + a1 + a2 + a3; // row 0: intercept × column a
      const rowStart = (a + 1) * d + 1;
      for (let b = a; b < p; b++) {
        hessian[rowStart + b] = hessian[rowStart + b]! + a0 * x[r0 + b]! + a1 * x[r1 + b]! + a2 * x[r2 + b]! + a3 * x[r3 + b]!;
      }
    }
  }
  for (; i < n; i++) {
    const s = curvature[i]!;
    const r = i * p;
    hessian[0] = hessian[0]! + s;
    for (let a = 0; a < p; a++) {
      const sa = s * x[r + a]!;
      hessian[a + 1] = hessian[a + 1]! + sa;
      const rowStart = (a + 1) * d + 1;
      for (let b = a; b < p; b++) hessian[rowStart + b] = hessian[rowStart + b]! + sa * x[r + b]!;
    }
  }
  for (let a = 1; a < d; a++) hessian[a * d + a] = hessian[a * d + a]! + l2;
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) hessian[b * d + a] = hessian[a * d + b]!;
  return norm;
};

/**
 * Solves (H + μI)Δ = −g by Cholesky, μ = 0 first; if H is not numerically positive definite
 * (no penalty and collinear columns, or every row saturated), μ grows until it is.
 */
const newtonStep = (hessian: Float64Array, gradient: Float64Array, d: number, factor: Float64Array, step: Float64Array): void => {
  let trace = 0;
  for (let j = 0; j < d; j++) trace += hessian[j * d + j]!;
  let mu = 0;
  for (let attempt = 0; attempt < 60; attempt++) {
    factor.set(hessian);
    for (let j = 0; j < d; j++) factor[j * d + j] = factor[j * d + j]! + mu;
    if (cholesky(factor, d)) {
      solveCholesky(factor, d, gradient, step);
      for (let j = 0; j < d; j++) step[j] = -step[j]!;
      return;
    }
    mu = mu === 0 ? Math.max(1e-12, (1e-10 * trace) / d) : mu * 10;
  }
  // Unreachable in practice (μ ends far above any curvature); fall back to steepest descent.
  for (let j = 0; j < d; j++) step[j] = -gradient[j]!;
};

/** In-place lower Cholesky factor of a symmetric matrix; false when not positive definite. */
const cholesky = (a: Float64Array, d: number): boolean => {
  for (let j = 0; j < d; j++) {
    let diagonal = a[j * d + j]!;
    for (let k = 0; k < j; k++) diagonal -= a[j * d + k]! ** 2;
    if (!(diagonal > 1e-14 * Math.max(1, Math.abs(a[j * d + j]!)))) return false;
    const l = Math.sqrt(diagonal);
    a[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= a[i * d + k]! * a[j * d + k]!;
      a[i * d + j] = s / l;
    }
  }
  return true;
};

/** Solves L Lᵀ z = rhs with the factor from `cholesky`. */
const solveCholesky = (l: Float64Array, d: number, rhs: Float64Array, out: Float64Array): void => {
  for (let i = 0; i < d; i++) {
    let s = rhs[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * out[k]!;
    out[i] = s / l[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = out[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * out[k]!;
    out[i] = s / l[i * d + i]!;
  }
};
