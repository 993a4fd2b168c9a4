import { describe, expect, it } from 'vitest';
import { compileEncoder, fitEncoder, MISSING_LEVEL, numericValue, type FeatureRow, type FeatureSpec } from './features.js';

const SPEC: FeatureSpec = [
  { kind: 'numeric', name: 'dropped_calls_30d', label: 'dropped calls in the last 30 days', transform: 'log1p' },
  { kind: 'numeric', name: 'arpu', label: 'monthly spend', clip: { min: 0, max: 100 }, missingIndicator: true },
  { kind: 'categorical', name: 'plan', label: 'plan', minCount: 2 },
];

const ROWS: FeatureRow[] = [
  { dropped_calls_30d: 0, arpu: 20, plan: 'prepaid' },
  { dropped_calls_30d: 3, arpu: 250, plan: 'prepaid' },
  { dropped_calls_30d: 1, arpu: null, plan: 'postpaid' },
  { dropped_calls_30d: 12, arpu: '40', plan: 'postpaid' },
  { dropped_calls_30d: 0, arpu: 60, plan: 'business' },
];

describe('fitEncoder', () => {
  const state = fitEncoder(SPEC, ROWS);
  const encoder = compileEncoder(state);

  it('lays out columns per feature, in spec order', () => {
    expect(state.columns.map((c) => c.name)).toEqual([
      'dropped_calls_30d',
      'arpu',
      'arpu:missing',
      'plan=postpaid',
      'plan=prepaid',
      'plan:other',
    ]);
  });

  it('standardises every column to mean 0 and deviation 1 on the training rows', () => {
    const matrix = encoder.encodeAll(ROWS);
    for (let j = 0; j < encoder.width; j++) {
      const column = ROWS.map((_, i) => matrix[i * encoder.width + j]!);
      const mean = column.reduce((a, b) => a + b, 0) / column.length;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(1, 12);
    }
  });

  it('applies log1p after clipping, and clips before computing the typical value', () => {
    const dropped = state.columns[0]!;
    expect(encoder.encode({ dropped_calls_30d: 12 })[0]).toBeCloseTo((Math.log1p(12) - dropped.mean) / dropped.std, 12);
    const arpu = state.features[1]!;
    expect(arpu.kind === 'numeric' && arpu.typical).toBe((20 + 100 + 40 + 60) / 4);
    expect(encoder.encode({ arpu: 250 })[1]).toBe(encoder.encode({ arpu: 100 })[1]);
  });

  it('fills a missing number with the training mean and sets its indicator', () => {
    const missing = encoder.encode({ arpu: undefined });
    expect(missing[1]).toBeCloseTo(0, 12);
    expect(missing[2]).toBeGreaterThan(0);
    expect(encoder.encode({ arpu: 'n/a' })).toEqual(missing);
    expect(encoder.encode({ arpu: 50 })[2]).toBeLessThan(0);
  });

  it('uses a declared missing value instead of the mean', () => {
    const withDefault = compileEncoder(fitEncoder([{ kind: 'numeric', name: 'x', label: 'x', missingValue: 0 }], [{ x: 4 }, { x: 8 }, {}]));
    expect(withDefault.state.columns[0]!.mean).toBeCloseTo(4, 12);
    expect(withDefault.encode({})[0]).toBe(withDefault.encode({ x: 0 })[0]);
  });

  it('folds rare levels into "other", where unseen and rare levels go at scoring', () => {
    const other = encoder.encode({ plan: 'business' });
    expect(other[5]).toBeGreaterThan(0);
    expect(other[3]).toBeLessThan(0);
    expect(encoder.encode({ plan: 'never-seen' })).toEqual(other);
    expect(encoder.encode({ plan: 'prepaid' })[4]).toBeGreaterThan(0);
  });

  it('treats a missing category as a level of its own', () => {
    const state = fitEncoder([{ kind: 'categorical', name: 'c', label: 'c', minCount: 1 }], [{ c: 'a' }, { c: null }, { c: '' }]);
    expect(state.columns.map((c) => c.name)).toEqual(['c=(missing)', 'c=a', 'c:other']);
    expect(state.features[0]!.kind === 'categorical' && state.features[0]!.levels).toEqual([MISSING_LEVEL, 'a']);
  });

  it('encodes the same after a JSON round trip', () => {
    const restored = compileEncoder(JSON.parse(JSON.stringify(state)));
    for (const row of [...ROWS, { plan: 'x' }, {}]) expect(restored.encode(row)).toEqual(encoder.encode(row));
  });

  it('refuses a feature declared twice', () => {
    expect(() => fitEncoder([SPEC[0]!, SPEC[0]!], ROWS)).toThrow(/declared twice/);
  });
});

describe('numericValue', () => {
  it('reads numbers, booleans and numeric text; everything else is missing', () => {
    expect(numericValue(' 12.5 ')).toBe(12.5);
    expect(numericValue(true)).toBe(1);
    expect(numericValue(false)).toBe(0);
    for (const missing of ['', ' ', 'abc', null, undefined, NaN, Infinity]) expect(numericValue(missing)).toBeNaN();
  });
});
