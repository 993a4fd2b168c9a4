/**
 * Feature specification and the fitted encoder: a declared list of features turned into one
 * standardised numeric vector per row. Fitting reads training rows only (means, deviations,
 * category levels) and yields plain JSON; `compileEncoder` turns that JSON into a fast encoder.
 *
 * Every column is standardised (z-score on the training rows), one-hot columns included, so that
 * one L2 penalty treats all columns alike and a column's contribution to a score, coefficient × z,
 * is measured against the training average (z = 0), which is what reason codes explain.
 */

/** A value as it arrives in an input row. */
export type RawValue = number | string | boolean | null | undefined;
/** An input row: feature name → value; absent keys are missing values. */
export type FeatureRow = Readonly<Record<string, RawValue>>;

/** A number, optionally clipped, log-transformed and with a missing-value indicator. */
export interface NumericFeature {
  readonly kind: 'numeric';
  /** Key in the input row. */
  readonly name: string;
  /** Human-readable, used in reason codes: 'dropped calls in the last 30 days'. */
  readonly label: string;
  /** `log1p` is applied sign-preserving, sign(x)·ln(1 + |x|), so negative values stay defined. */
  readonly transform?: 'none' | 'log1p';
  /** Raw values are clipped to these bounds before the transform. */
  readonly clip?: { readonly min?: number; readonly max?: number };
  /** Raw value used when the input is missing; without it a missing value takes the training mean. */
  readonly missingValue?: number;
  /** Adds a 0/1 column "is missing" so the model can learn what a missing value means. */
  readonly missingIndicator?: boolean;
  /** Words for reason codes when the value is above or below typical; default 'high' and 'low'. */
  readonly highWord?: string;
  readonly lowWord?: string;
}

/** A category, one-hot encoded over the levels seen in training plus "other". */
export interface CategoricalFeature {
  readonly kind: 'categorical';
  readonly name: string;
  readonly label: string;
  /** Levels seen fewer times than this in training are folded into "other"; default 10. */
  readonly minCount?: number;
}

export type FeatureDefinition = NumericFeature | CategoricalFeature;
/** The declared features, in the order their columns take. */
export type FeatureSpec = readonly FeatureDefinition[];

/** Training rows a level needs to get its own column. */
export const DEFAULT_MIN_LEVEL_COUNT = 10;
/** The level a missing categorical value (null, undefined, '') takes. */
export const MISSING_LEVEL = '(missing)';

/** One column of the encoded vector, with its standardisation. */
export interface EncodedColumn {
  /** `tenure`, `tenure:missing`, `contract=Month-to-month`, `contract:other`. */
  readonly name: string;
  readonly feature: string;
  readonly mean: number;
  readonly std: number;
}

/** A numeric feature as fitted. */
export interface FittedNumeric {
  readonly kind: 'numeric';
  readonly name: string;
  readonly label: string;
  readonly transform: 'none' | 'log1p';
  readonly clipMin: number | null;
  readonly clipMax: number | null;
  /** The transformed value a missing input takes. */
  readonly fill: number;
  /** Mean of the observed raw values (after clipping), shown as "typical" in reason codes. */
  readonly typical: number;
  readonly missingRate: number;
  readonly highWord: string;
  readonly lowWord: string;
  /** Index of the value column; the "is missing" column, when asked for, follows it. */
  readonly column: number;
  readonly missingColumn: number | null;
}

/** A categorical feature as fitted. */
export interface FittedCategorical {
  readonly kind: 'categorical';
  readonly name: string;
  readonly label: string;
  /** Levels kept, sorted; level i is column `column + i`, and "other" comes after them. */
  readonly levels: readonly string[];
  readonly column: number;
  readonly otherColumn: number;
}

export type FittedFeature = FittedNumeric | FittedCategorical;

/** The fitted encoder as plain JSON. Each feature's columns are contiguous, in spec order. */
export interface EncoderState {
  readonly features: readonly FittedFeature[];
  readonly columns: readonly EncodedColumn[];
}

/** Reads a numeric input: numbers, booleans (1/0) and numeric strings; NaN when missing or unreadable. */
export const numericValue = (value: RawValue): number => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? NaN : Number(trimmed);
  }
  return NaN;
};

/** Reads a categorical input as its level; null, undefined and '' are MISSING_LEVEL. */
export const categoricalLevel = (value: RawValue): string => {
  if (value === null || value === undefined || value === '') return MISSING_LEVEL;
  return typeof value === 'string' ? value : String(value);
};

const clipAndTransform = (raw: number, clipMin: number | null, clipMax: number | null, transform: 'none' | 'log1p'): number => {
  let x = raw;
  if (clipMin !== null && x < clipMin) x = clipMin;
  if (clipMax !== null && x > clipMax) x = clipMax;
  return transform === 'log1p' ? Math.sign(x) * Math.log1p(Math.abs(x)) : x;
};

/** A deviation of zero (a constant column) standardises by 1: the column is then always 0. */
const safeStd = (variance: number): number => (variance > 1e-24 ? Math.sqrt(variance) : 1);

/** Fits the encoder on training rows: standardisation, fills for missing values, category levels. */
export const fitEncoder = (spec: FeatureSpec, rows: readonly FeatureRow[]): EncoderState => {
  assertSpec(spec);
  const n = rows.length;
  if (n === 0) throw new RangeError('fitEncoder needs at least one training row');
  // One pass over the rows, reading every feature of a row together (rows are scattered objects;
  // visiting each once is what keeps this fast), into one buffer or counter per feature.
  const raws = spec.map((feature) => (feature.kind === 'numeric' ? new Float64Array(n) : null));
  const counts = spec.map((feature) => (feature.kind === 'categorical' ? new Map<string, number>() : null));
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    for (let f = 0; f < spec.length; f++) {
      const value = row[spec[f]!.name];
      const raw = raws[f];
      if (raw) raw[i] = numericValue(value);
      else {
        const levels = counts[f]!;
        const level = categoricalLevel(value);
        levels.set(level, (levels.get(level) ?? 0) + 1);
      }
    }
  }
  const features: FittedFeature[] = [];
  const columns: EncodedColumn[] = [];
  spec.forEach((feature, f) => {
    if (feature.kind === 'numeric') fitNumeric(feature, raws[f]!, features, columns);
    else fitCategorical(feature, counts[f]!, n, features, columns);
  });
  return { features, columns };
};

/** `values` holds the raw inputs (NaN when missing); it is overwritten with transformed values. */
const fitNumeric = (feature: NumericFeature, values: Float64Array, features: FittedFeature[], columns: EncodedColumn[]): void => {
  const clipMin = feature.clip?.min ?? null;
  const clipMax = feature.clip?.max ?? null;
  const transform = feature.transform ?? 'none';
  const n = values.length;
  let observed = 0;
  let rawSum = 0;
  let transformedSum = 0;
  for (let i = 0; i < n; i++) {
    const raw = values[i]!;
    if (Number.isNaN(raw)) continue;
    const x = clipAndTransform(raw, clipMin, clipMax, transform);
    values[i] = x;
    observed++;
    rawSum += clipAndTransform(raw, clipMin, clipMax, 'none');
    transformedSum += x;
  }
  const missing = n - observed;
  const observedMean = observed > 0 ? transformedSum / observed : 0;
  const fill = feature.missingValue === undefined ? observedMean : clipAndTransform(feature.missingValue, clipMin, clipMax, transform);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]!)) values[i] = fill;
    sum += values[i]!;
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;

  const column = columns.length;
  columns.push({ name: feature.name, feature: feature.name, mean, std: safeStd(squares / n) });
  let missingColumn: number | null = null;
  if (feature.missingIndicator === true) {
    const rate = missing / n;
    missingColumn = columns.length;
    columns.push({ name: `${feature.name}:missing`, feature: feature.name, mean: rate, std: safeStd(rate * (1 - rate)) });
  }
  features.push({
    kind: 'numeric',
    name: feature.name,
    label: feature.label,
    transform,
    clipMin,
    clipMax,
    fill,
    typical: observed > 0 ? rawSum / observed : 0,
    missingRate: missing / n,
    highWord: feature.highWord ?? 'high',
    lowWord: feature.lowWord ?? 'low',
    column,
    missingColumn,
  });
};

const fitCategorical = (
  feature: CategoricalFeature,
  counts: ReadonlyMap<string, number>,
  n: number,
  features: FittedFeature[],
  columns: EncodedColumn[],
): void => {
  const minCount = feature.minCount ?? DEFAULT_MIN_LEVEL_COUNT;
  // Sorted by code unit, not locale, so the column order is the same on every machine.
  const levels = [...counts.keys()].filter((level) => counts.get(level)! >= minCount).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const column = columns.length;
  let kept = 0;
  for (const level of levels) {
    const count = counts.get(level)!;
    kept += count;
    const rate = count / n;
    columns.push({ name: `${feature.name}=${level}`, feature: feature.name, mean: rate, std: safeStd(rate * (1 - rate)) });
  }
  const otherRate = (n - kept) / n;
  const otherColumn = columns.length;
  columns.push({ name: `${feature.name}:other`, feature: feature.name, mean: otherRate, std: safeStd(otherRate * (1 - otherRate)) });
  features.push({ kind: 'categorical', name: feature.name, label: feature.label, levels, column, otherColumn });
};

const assertSpec = (spec: FeatureSpec): void => {
  const names = new Set<string>();
  for (const feature of spec) {
    if (names.has(feature.name)) throw new RangeError(`feature "${feature.name}" is declared twice`);
    names.add(feature.name);
    if (
      feature.kind === 'numeric' &&
      feature.clip?.min !== undefined &&
      feature.clip.max !== undefined &&
      feature.clip.min > feature.clip.max
    ) {
      throw new RangeError(`feature "${feature.name}": clip.min is above clip.max`);
    }
  }
};

/** A compiled encoder: turns rows into standardised vectors without allocating. */
export interface Encoder {
  readonly state: EncoderState;
  /** Number of columns. */
  readonly width: number;
  /** Writes the encoded row into `out[offset .. offset + width)`. */
  encodeInto(row: FeatureRow, out: Float64Array, offset?: number): void;
  encode(row: FeatureRow): Float64Array;
  /** Encodes many rows into one row-major matrix (rows × width). */
  encodeAll(rows: readonly FeatureRow[]): Float64Array;
}

interface CompiledNumeric {
  readonly kind: 'numeric';
  readonly name: string;
  readonly transform: 'none' | 'log1p';
  readonly clipMin: number | null;
  readonly clipMax: number | null;
  readonly column: number;
  readonly mean: number;
  readonly invStd: number;
  readonly missingZ: number;
  /** -1 when there is no "is missing" column. */
  readonly missingColumn: number;
  /** z of the "is missing" column when the value is missing. */
  readonly missingPresentZ: number;
}

interface CompiledCategorical {
  readonly kind: 'categorical';
  readonly name: string;
  readonly columnOf: ReadonlyMap<string, number>;
  readonly otherColumn: number;
}

/** Compiles fitted state (fresh from `fitEncoder` or parsed from JSON) into an encoder. */
export const compileEncoder = (state: EncoderState): Encoder => {
  const width = state.columns.length;
  // Every column starts at its "absent" value (0 for a one-hot level not taken, the missing
  // indicator not set); encoding then overwrites the few columns a row sets.
  const baseline = new Float64Array(width);
  const present = new Float64Array(width);
  state.columns.forEach((column, j) => {
    baseline[j] = -column.mean / column.std;
    present[j] = (1 - column.mean) / column.std;
  });
  const steps: (CompiledNumeric | CompiledCategorical)[] = state.features.map((feature) => {
    if (feature.kind === 'numeric') {
      const column = columnAt(state, feature.column);
      return {
        kind: 'numeric',
        name: feature.name,
        transform: feature.transform,
        clipMin: feature.clipMin,
        clipMax: feature.clipMax,
        column: feature.column,
        mean: column.mean,
        invStd: 1 / column.std,
        missingZ: (feature.fill - column.mean) / column.std,
        missingColumn: feature.missingColumn ?? -1,
        missingPresentZ: feature.missingColumn === null ? 0 : present[feature.missingColumn]!,
      };
    }
    columnAt(state, feature.otherColumn);
    return {
      kind: 'categorical',
      name: feature.name,
      columnOf: new Map(feature.levels.map((level, i) => [level, feature.column + i])),
      otherColumn: feature.otherColumn,
    };
  });

  const encodeInto = (row: FeatureRow, out: Float64Array, offset = 0): void => {
    out.set(baseline, offset);
    for (const step of steps) {
      if (step.kind === 'numeric') {
        const raw = numericValue(row[step.name]);
        if (Number.isNaN(raw)) {
          out[offset + step.column] = step.missingZ;
          if (step.missingColumn >= 0) out[offset + step.missingColumn] = step.missingPresentZ;
        } else {
          out[offset + step.column] = (clipAndTransform(raw, step.clipMin, step.clipMax, step.transform) - step.mean) * step.invStd;
        }
      } else {
        const column = step.columnOf.get(categoricalLevel(row[step.name])) ?? step.otherColumn;
        out[offset + column] = present[column]!;
      }
    }
  };

  return {
    state,
    width,
    encodeInto,
    encode: (row) => {
      const out = new Float64Array(width);
      encodeInto(row, out);
      return out;
    },
    encodeAll: (rows) => {
      const out = new Float64Array(rows.length * width);
      for (let i = 0; i < rows.length; i++) encodeInto(rows[i]!, out, i * width);
      return out;
    },
  };
};

const columnAt = (state: EncoderState, index: number): EncodedColumn => {
  const column = state.columns[index];
  if (column === undefined || !(column.std > 0)) throw new RangeError(`encoder state has no valid column ${index}`);
  return column;
};

/** The column range [start, end) of each feature, in spec order. */
export const featureColumnRanges = (state: EncoderState): readonly (readonly [number, number])[] =>
  state.features.map((feature) =>
    feature.kind === 'numeric'
      ? [feature.column, (feature.missingColumn ?? feature.column) + 1]
      : [feature.column, feature.otherColumn + 1],
  );
