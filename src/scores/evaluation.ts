/**
 * Measures of a probabilistic classifier on held-out rows, and the deterministic train/test split.
 * Labels are 0 or 1; scores are any numbers where larger means "more likely positive".
 */
/** Row indices in ascending order of score; ties keep index order, so results are deterministic. */
const ascendingOrder = (scores: ArrayLike<number>): Uint32Array => {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[a]! - scores[b]! || a - b);
};

const assertSameLength = (scores: ArrayLike<number>, labels: ArrayLike<number>): void => {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  for (let i = 0; i < scores.length; i++) if (Number.isNaN(scores[i]!)) throw new RangeError(`score ${i} is NaN`);
};

/**
 * Area under the ROC curve by the rank-sum (Mann–Whitney) formula, tied scores sharing their mean
 * rank: the probability that a random positive scores above a random negative, a tie counting half.
 * NaN when either class is absent.
 */
export const auc = (scores: ArrayLike<number>, labels: ArrayLike<number>): number => {
  assertSameLength(scores, labels);
  const order = ascendingOrder(scores);
  const n = order.length;
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    const meanRank = (start + 1 + end) / 2; // ranks are 1-based: start+1 .. end
    for (let k = start; k < end; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        positiveRankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
};

/**
 * Lift of the top `fraction` (default 10 %) by score: its positive rate over the overall rate.
 * The top holds round(n · fraction) rows (at least one); a group of tied scores straddling the cut
 * counts in proportion, as if the tie were broken at random. NaN when there are no positives.
 */
export const topDecileLift = (scores: ArrayLike<number>, labels: ArrayLike<number>, fraction = 0.1): number => {
  assertSameLength(scores, labels);
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError('fraction must be in (0, 1]');
  const n = scores.length;
  let totalPositives = 0;
  for (let i = 0; i < n; i++) totalPositives += labels[i]!;
  if (n === 0 || totalPositives === 0) return NaN;
  const order = ascendingOrder(scores);
  const size = Math.max(1, Math.round(n * fraction));
  let taken = 0;
  let positivesInTop = 0;
  for (let end = n; end > 0 && taken < size;) {
    let start = end - 1;
    while (start > 0 && scores[order[start - 1]!] === scores[order[end - 1]!]) start--;
    let groupPositives = 0;
    for (let k = start; k < end; k++) groupPositives += labels[order[k]!]!;
    const groupSize = end - start;
    const share = Math.min(groupSize, size - taken);
    positivesInTop += (groupPositives * share) / groupSize;
    taken += share;
    end = start;
  }
  return positivesInTop / size / (totalPositives / n);
};

/** Mean negative log-likelihood; probabilities clipped to [1e-15, 1 − 1e-15]. */
export const logLoss = (probabilities: ArrayLike<number>, labels: ArrayLike<number>): number => {
  assertSameLength(probabilities, labels);
  const eps = 1e-15;
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(Math.max(probabilities[i]!, eps), 1 - eps);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / probabilities.length;
};

/** Mean squared difference between probability and outcome. */
export const brierScore = (probabilities: ArrayLike<number>, labels: ArrayLike<number>): number => {
  assertSameLength(probabilities, labels);
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return sum / probabilities.length;
};

/** One row of a calibration table. */
export interface CalibrationBin {
  /** 1 = lowest predictions. */
  readonly bin: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
  readonly minPredicted: number;
  readonly maxPredicted: number;
}

/**
 * Predicted against observed rates in equal-count bins of ascending prediction (deciles by
 * default). Bins hold ⌊n/bins⌋ or ⌈n/bins⌉ rows; empty bins are left out.
 */
export const calibrationTable = (probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): CalibrationBin[] => {
  assertSameLength(probabilities, labels);
  const order = ascendingOrder(probabilities);
  const n = order.length;
  const table: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const start = Math.floor((b * n) / bins);
    const end = Math.floor(((b + 1) * n) / bins);
    if (end === start) continue;
    let predicted = 0;
    let observed = 0;
    for (let k = start; k < end; k++) {
      predicted += probabilities[order[k]!]!;
      observed += labels[order[k]!]!;
    }
    const count = end - start;
    table.push({
      bin: b + 1,
      count,
      meanPredicted: predicted / count,
      observedRate: observed / count,
      minPredicted: probabilities[order[start]!]!,
      maxPredicted: probabilities[order[end - 1]!]!,
    });
  }
  return table;
};

/** Share and salt of a hash split. */
export interface SplitOptions {
  /** Share of rows held out for testing; default 0.2. */
  readonly testFraction?: number;
  /** Changes which ids are held out, for a second independent split; default 'tessera-scores'. */
  readonly salt?: string;
}

/** The two sides of a split, as row indices. */
export interface Split {
  /** Row indices, ascending. */
  readonly train: number[];
  readonly test: number[];
}

/** The salt of `splitByHash` when none is given. */
export const DEFAULT_SPLIT_SALT = 'tessera-scores';

/**
 * A uniform number in [0, 1) from salt and id: 32-bit FNV-1a over both (a 0 between them), then
 * the murmur3 finaliser, whose avalanche makes the high bits, used for the threshold, uniform.
 */
const unitHash = (salt: string, id: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x01000193);
  h = Math.imul(h, 0x01000193); // the 0 separator: x ^ 0 = x
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
};

const checkFraction = (options: SplitOptions): number => {
  const fraction = options.testFraction ?? 0.2;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError('testFraction must be in [0, 1]');
  return fraction;
};

/** Whether an id is held out for testing: depends on the id (and salt) alone. */
export const isHeldOut = (id: string, options: SplitOptions = {}): boolean =>
  unitHash(options.salt ?? DEFAULT_SPLIT_SALT, id) < checkFraction(options);

/**
 * Splits rows by a hash of their id, so an id lands on the same side in every run and whatever
 * other rows are present (a customer's history never leaks from test into a later training set).
 * The side does not depend on the label, so each class is split in the same proportion: the split
 * is stratified in expectation, exact per-class shares varying by about √n rows.
 */
export const splitByHash = (ids: readonly string[], options: SplitOptions = {}): Split => {
  const fraction = checkFraction(options);
  const salt = options.salt ?? DEFAULT_SPLIT_SALT;
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < ids.length; i++) (unitHash(salt, ids[i]!) < fraction ? test : train).push(i);
  return { train, test };
};

/**
 * The fold (0 … folds − 1) of an id for k-fold cross-validation: the same hash as the split, cut
 * into `folds` equal ranges, so each id lands in exactly one fold, whatever other ids are present.
 */
export const foldOf = (id: string, folds: number, salt: string = DEFAULT_SPLIT_SALT): number => {
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError('folds must be an integer of at least 2');
  return Math.min(folds - 1, Math.floor(unitHash(salt, id) * folds));
};
