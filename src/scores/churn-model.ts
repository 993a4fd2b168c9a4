/**
 * The churn model: a logistic-regression scorecard over declared features, trained on a hash
 * split of the rows and evaluated on the held-out side, kept as a versioned plain-JSON artefact.
 * Scoring gives the probability of churn within the horizon and reason codes in words: the
 * features that raise this customer's risk most compared with the average training customer.
 */
import { AppError } from '../core/errors.js';
import { canonicalJson } from '../core/canonical-json.js';
import { sha256Hex } from '../core/hash.js';
import { auc, brierScore, calibrationTable, foldOf, logLoss, splitByHash, topDecileLift, type CalibrationBin } from './evaluation.js';
import {
  categoricalLevel,
  compileEncoder,
  featureColumnRanges,
  fitEncoder,
  MISSING_LEVEL,
  numericValue,
  type EncoderState,
  type FeatureRow,
  type FeatureSpec,
  type FittedFeature,
} from './features.js';
import { fitLogisticRegression, predictAll, sigmoid, type ClassWeights, type LogisticOptions } from './logistic-regression.js';

/** The artefact's layout; bump it when a stored model could no longer be read the same way. */
export const CHURN_MODEL_FORMAT = 1;
/** Probabilities are of churn within this many days. */
export const CHURN_HORIZON_DAYS = 30;

/** Quality on the held-out rows, and the sizes behind it. */
export interface ChurnMetrics {
  /** On the held-out rows. */
  readonly auc: number;
  readonly topDecileLift: number;
  readonly logLoss: number;
  readonly brier: number;
  readonly trainRows: number;
  readonly testRows: number;
  /** Positives (churners) among all rows, and on each side. */
  readonly positives: number;
  readonly trainPositives: number;
  readonly testPositives: number;
}

/** How the model was fitted, for reproduction and review. */
export interface ChurnTraining {
  readonly l2: number;
  readonly classWeights: ClassWeights;
  readonly iterations: number;
  readonly converged: boolean;
  readonly loss: number;
  readonly testFraction: number;
  readonly splitSalt: string;
}

/** The versioned artefact, plain JSON. Treat it as immutable: scorers are cached per object. */
export interface ChurnModel {
  readonly kind: 'churn';
  readonly format: typeof CHURN_MODEL_FORMAT;
  /** `churn-` and a hash of the fitted content, unless given at training. */
  readonly version: string;
  readonly trainedAt: string;
  readonly horizonDays: typeof CHURN_HORIZON_DAYS;
  readonly featureSpec: FeatureSpec;
  readonly encoder: EncoderState;
  readonly intercept: number;
  /** Per encoded column name (`tenure`, `contract=Month-to-month`, …), on standardised values. */
  readonly coefficients: Readonly<Record<string, number>>;
  readonly metrics: ChurnMetrics;
  /** Held-out calibration by decile of predicted probability. */
  readonly calibration: readonly CalibrationBin[];
  readonly training: ChurnTraining;
}

/** The features, the time of training and, optionally, the regression and split settings. */
export interface TrainChurnOptions extends LogisticOptions {
  readonly featureSpec: FeatureSpec;
  /** When the model was trained (ISO time), passed in: the core reads no clock. */
  readonly trainedAt: string;
  /** Overrides the content-hash version. */
  readonly version?: string;
  /** Share of ids held out for evaluation; default 0.2. */
  readonly testFraction?: number;
  readonly splitSalt?: string;
}

/** A label: churned (true / 1) or not (false / 0). */
export type ChurnLabel = boolean | 0 | 1;

/**
 * Splits by id, fits the encoder and the regression on the training side, and evaluates on the
 * held-out side. The artefact is the model fitted on the training side only, so its metrics
 * describe exactly what is shipped.
 *
 * With class weights the fitted intercept is shifted by ln(w₊ / w₋) — a weighted likelihood
 * over-counts one class by that odds ratio — so it is moved back (prior correction, King and Zeng
 * 2001) and probabilities stay calibrated to the true base rate; the ranking does not change.
 */
export const trainChurnModel = (
  rows: readonly FeatureRow[],
  labels: readonly ChurnLabel[],
  ids: readonly string[],
  options: TrainChurnOptions,
): ChurnModel => {
  if (labels.length !== rows.length || ids.length !== rows.length) {
    throw new AppError(
      'BAD_REQUEST',
      `churn training needs one label and one id per row (${rows.length} rows, ${labels.length} labels, ${ids.length} ids)`,
    );
  }
  const y = Uint8Array.from(labels, (label) => (label === true || label === 1 ? 1 : 0));
  const testFraction = options.testFraction ?? 0.2;
  const splitSalt = options.splitSalt ?? 'tessera-churn';
  const split = splitByHash(ids, { testFraction, salt: splitSalt });
  const countPositives = (indices: readonly number[]): number => indices.reduce((sum, i) => sum + y[i]!, 0);
  const trainPositives = countPositives(split.train);
  const testPositives = countPositives(split.test);
  for (const [side, indices, positives] of [
    ['training', split.train, trainPositives],
    ['held-out', split.test, testPositives],
  ] as const) {
    if (positives === 0 || positives === indices.length) {
      throw new AppError('BAD_REQUEST', `the ${side} rows need both churners and non-churners (${positives} of ${indices.length} churned)`);
    }
  }

  const trainRows = split.train.map((i) => rows[i]!);
  const encoderState = fitEncoder(options.featureSpec, trainRows);
  const encoder = compileEncoder(encoderState);
  const width = encoder.width;
  const fit = fitLogisticRegression(
    { values: encoder.encodeAll(trainRows), rows: trainRows.length, cols: width },
    Uint8Array.from(split.train, (i) => y[i]!),
    options,
  );
  const intercept = fit.intercept - Math.log(fit.classWeights.positive / fit.classWeights.negative);

  const testLabels = Uint8Array.from(split.test, (i) => y[i]!);
  const testDesign = { values: encoder.encodeAll(split.test.map((i) => rows[i]!)), rows: split.test.length, cols: width };
  const probabilities = predictAll({ intercept, coefficients: fit.coefficients }, testDesign);

  const coefficients: Record<string, number> = {};
  encoderState.columns.forEach((column, j) => {
    coefficients[column.name] = fit.coefficients[j]!;
  });
  const version =
    options.version ??
    `churn-${sha256Hex(canonicalJson({ featureSpec: options.featureSpec, encoder: encoderState, intercept, coefficients })).slice(0, 16)}`;

  return {
    kind: 'churn',
    format: CHURN_MODEL_FORMAT,
    version,
    trainedAt: options.trainedAt,
    horizonDays: CHURN_HORIZON_DAYS,
    featureSpec: options.featureSpec,
    encoder: encoderState,
    intercept,
    coefficients,
    metrics: {
      auc: auc(probabilities, testLabels),
      topDecileLift: topDecileLift(probabilities, testLabels),
      logLoss: logLoss(probabilities, testLabels),
      brier: brierScore(probabilities, testLabels),
      trainRows: split.train.length,
      testRows: split.test.length,
      positives: trainPositives + testPositives,
      trainPositives,
      testPositives,
    },
    calibration: calibrationTable(probabilities, testLabels),
    training: {
      l2: fit.l2,
      classWeights: fit.classWeights,
      iterations: fit.iterations,
      converged: fit.converged,
      loss: fit.loss,
      testFraction,
      splitSalt,
    },
  };
};

/** Quality measured by k-fold cross-validation: every row scored once, by the model that did not see it. */
export interface ChurnCrossValidation {
  readonly folds: number;
  readonly rows: number;
  readonly positives: number;
  /** Over all rows' out-of-fold probabilities. */
  readonly auc: number;
  readonly topDecileLift: number;
  /** Per fold, on that fold's rows alone: how much the figure moves with the split. */
  readonly foldAuc: readonly number[];
}

/**
 * K-fold cross-validation of the scorecard (folds by a hash of the id, so a customer's rows stay in
 * one fold). A single held-out fifth of a few thousand customers holds a few dozen churners, and
 * its AUC moves by ±0.05 or more with the split; scoring every churner once measures the same
 * model class several times more precisely. The shipped model is still the one `trainChurnModel` fits.
 */
export const crossValidateChurn = (
  rows: readonly FeatureRow[],
  labels: readonly ChurnLabel[],
  ids: readonly string[],
  options: Omit<TrainChurnOptions, 'trainedAt' | 'version' | 'testFraction'> & { readonly folds?: number },
): ChurnCrossValidation => {
  if (labels.length !== rows.length || ids.length !== rows.length) {
    throw new AppError(
      'BAD_REQUEST',
      `cross-validation needs one label and one id per row (${rows.length} rows, ${labels.length} labels, ${ids.length} ids)`,
    );
  }
  const folds = options.folds ?? 5;
  const salt = options.splitSalt ?? 'tessera-churn';
  const y = Uint8Array.from(labels, (label) => (label === true || label === 1 ? 1 : 0));
  const foldOfRow = ids.map((id) => foldOf(id, folds, salt));
  const probabilities = new Float64Array(rows.length);
  const foldAuc: number[] = [];
  for (let k = 0; k < folds; k++) {
    const train: number[] = [];
    const test: number[] = [];
    foldOfRow.forEach((f, i) => (f === k ? test : train).push(i));
    const trainLabels = Uint8Array.from(train, (i) => y[i]!);
    const positives = trainLabels.reduce((sum, v) => sum + v, 0);
    if (test.length === 0 || positives === 0 || positives === train.length) {
      throw new AppError('BAD_REQUEST', `fold ${k + 1} of ${folds} leaves no churners or no non-churners to train on`);
    }
    const trainRows = train.map((i) => rows[i]!);
    const encoder = compileEncoder(fitEncoder(options.featureSpec, trainRows));
    const fit = fitLogisticRegression(
      { values: encoder.encodeAll(trainRows), rows: train.length, cols: encoder.width },
      trainLabels,
      options,
    );
    const intercept = fit.intercept - Math.log(fit.classWeights.positive / fit.classWeights.negative);
    const predicted = predictAll(
      { intercept, coefficients: fit.coefficients },
      { values: encoder.encodeAll(test.map((i) => rows[i]!)), rows: test.length, cols: encoder.width },
    );
    test.forEach((i, j) => (probabilities[i] = predicted[j]!));
    foldAuc.push(
      auc(
        predicted,
        Uint8Array.from(test, (i) => y[i]!),
      ),
    );
  }
  return {
    folds,
    rows: rows.length,
    positives: y.reduce((sum, v) => sum + v, 0),
    auc: auc(probabilities, y),
    topDecileLift: topDecileLift(probabilities, y),
    foldAuc,
  };
};

/** One factor that raises a customer's risk above the training average. */
export interface ChurnReason {
  /** The feature's name in the input row. */
  readonly feature: string;
  readonly label: string;
  /** Its addition to the log-odds against the training average; always positive. */
  readonly contribution: number;
  /** In words: "many dropped calls in the last 30 days (12, typical 1.4)", "contract: Month-to-month". */
  readonly text: string;
}

/** A customer's churn probability and why it is high. */
export interface ChurnScore {
  readonly probability: number;
  /** Up to three features that raise the risk most, largest first. */
  readonly reasons: readonly ChurnReason[];
}

/** A compiled model: precomputed coefficients and buffers for scoring many rows. */
export interface ChurnScorer {
  readonly model: ChurnModel;
  /** The probability alone, for batch scoring. */
  probability(row: FeatureRow): number;
  /** The probability with reason codes. */
  score(row: FeatureRow): ChurnScore;
}

const REASON_COUNT = 3;

/**
 * Compiles a model (fresh or parsed from JSON) into a scorer. The scorer reuses one buffer for the
 * encoded row, so a call allocates only its result; it is not re-entrant, which synchronous
 * JavaScript never asks of it.
 */
export const createChurnScorer = (model: ChurnModel): ChurnScorer => {
  const encoder = compileEncoder(model.encoder);
  const width = encoder.width;
  const beta = new Float64Array(width);
  model.encoder.columns.forEach((column, j) => {
    const weight = model.coefficients[column.name];
    if (weight === undefined || !Number.isFinite(weight)) {
      throw new AppError('VALIDATION_FAILED', `churn model ${model.version} has no valid coefficient for column "${column.name}"`);
    }
    beta[j] = weight;
  });
  const intercept = model.intercept;
  const features = model.encoder.features;
  const ranges = featureColumnRanges(model.encoder);
  const buffer = new Float64Array(width);
  const contributions = new Float64Array(features.length);
  const top = new Int32Array(REASON_COUNT);

  const linear = (row: FeatureRow): number => {
    encoder.encodeInto(row, buffer);
    let eta = intercept;
    for (let j = 0; j < width; j++) eta += beta[j]! * buffer[j]!;
    return eta;
  };

  return {
    model,
    probability: (row) => sigmoid(linear(row)),
    score: (row) => {
      const probability = sigmoid(linear(row));
      // Keep the REASON_COUNT largest positive per-feature contributions, largest first.
      top.fill(-1);
      for (let f = 0; f < features.length; f++) {
        const [start, end] = ranges[f]!;
        let contribution = 0;
        for (let j = start; j < end; j++) contribution += beta[j]! * buffer[j]!;
        contributions[f] = contribution;
        if (!(contribution > 1e-9)) continue;
        let slot = REASON_COUNT;
        while (slot > 0 && (top[slot - 1] === -1 || contributions[top[slot - 1]!]! < contribution)) slot--;
        if (slot === REASON_COUNT) continue;
        for (let k = REASON_COUNT - 1; k > slot; k--) top[k] = top[k - 1]!;
        top[slot] = f;
      }
      const reasons: ChurnReason[] = [];
      for (let k = 0; k < REASON_COUNT && top[k]! >= 0; k++) {
        const feature = features[top[k]!]!;
        reasons.push({
          feature: feature.name,
          label: feature.label,
          contribution: contributions[top[k]!]!,
          text: reasonText(feature, row, buffer),
        });
      }
      return { probability, reasons };
    },
  };
};

const scorers = new WeakMap<ChurnModel, ChurnScorer>();

/** Scores one row, compiling the model on first use and caching the scorer by model object. */
export const scoreChurn = (model: ChurnModel, row: FeatureRow): ChurnScore => {
  let scorer = scorers.get(model);
  if (scorer === undefined) {
    scorer = createChurnScorer(model);
    scorers.set(model, scorer);
  }
  return scorer.score(row);
};

const reasonText = (feature: FittedFeature, row: FeatureRow, encoded: Float64Array): string => {
  if (feature.kind === 'categorical') {
    const level = categoricalLevel(row[feature.name]);
    return `${feature.label}: ${level === MISSING_LEVEL ? 'not known' : level}`;
  }
  const raw = numericValue(row[feature.name]);
  if (Number.isNaN(raw)) return `${feature.label} not known`;
  const word = encoded[feature.column]! >= 0 ? feature.highWord : feature.lowWord;
  return `${word} ${feature.label} (${formatNumber(raw)}, typical ${formatNumber(feature.typical)})`;
};

/** Short, locale-free numbers for reason codes: 12, 1.4, 0.35, 1250. */
export const formatNumber = (value: number): string => {
  const magnitude = Math.abs(value);
  const decimals = Number.isInteger(value) || magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return String(Number(value.toFixed(decimals)));
};

/**
 * Checks that parsed JSON is a churn model this code can score, and compiles it once to prove it.
 * Throws VALIDATION_FAILED naming what is wrong.
 */
export const parseChurnModel = (json: unknown): ChurnModel => {
  const fail = (message: string): never => {
    throw new AppError('VALIDATION_FAILED', `not a churn model: ${message}`);
  };
  if (json === null || typeof json !== 'object') return fail('expected an object');
  const candidate = json as Partial<Record<keyof ChurnModel, unknown>>;
  if (candidate.kind !== 'churn') fail('kind is not "churn"');
  if (candidate.format !== CHURN_MODEL_FORMAT) fail(`format ${String(candidate.format)} is not ${CHURN_MODEL_FORMAT}`);
  if (candidate.horizonDays !== CHURN_HORIZON_DAYS) fail(`horizonDays is not ${CHURN_HORIZON_DAYS}`);
  if (typeof candidate.version !== 'string' || candidate.version === '') fail('version is missing');
  if (typeof candidate.intercept !== 'number' || !Number.isFinite(candidate.intercept)) fail('intercept is not a finite number');
  if (candidate.coefficients === null || typeof candidate.coefficients !== 'object') fail('coefficients are missing');
  const encoder = candidate.encoder as Partial<EncoderState> | undefined;
  if (encoder === undefined || !Array.isArray(encoder.columns) || !Array.isArray(encoder.features)) fail('encoder is missing');
  const model = json as ChurnModel;
  try {
    scorers.set(model, createChurnScorer(model));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('VALIDATION_FAILED', `not a churn model: ${(err as Error).message}`, [], { cause: err });
  }
  return model;
};
