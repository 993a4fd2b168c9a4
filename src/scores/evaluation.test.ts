import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { auc, brierScore, calibrationTable, foldOf, isHeldOut, logLoss, splitByHash, topDecileLift } from './evaluation.js';

/** AUC by definition: over every (positive, negative) pair, 1 if ordered right, ½ if tied. */
const pairwiseAuc = (scores: readonly number[], labels: readonly number[]): number => {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((t, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
};

describe('auc', () => {
  it('matches hand-computed examples', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // Pairs (0.5, 0.1) (0.5, 0.5) (0.9, 0.1) (0.9, 0.5): 1 + ½ + 1 + 1 of 4.
    expect(auc([0.1, 0.5, 0.5, 0.9], [0, 1, 0, 1])).toBe(0.875);
    expect(auc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(auc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
  });

  it('is one half for constant scores, NaN with one class only', () => {
    expect(auc([0.3, 0.3, 0.3, 0.3, 0.3], [1, 0, 0, 1, 0])).toBe(0.5);
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('equals the pairwise definition, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 60 }),
        (rows) => {
          const scores = rows.map(([s]) => s);
          const labels = rows.map(([, l]) => l);
          fc.pre(labels.includes(0) && labels.includes(1));
          expect(auc(scores, labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
        },
      ),
    );
  });
});

describe('topDecileLift', () => {
  it('compares the top tenth with the overall rate', () => {
    // 20 rows, 4 positives (rate 0.2); the top 2 by score are both positive: 1.0 / 0.2.
    const scores = Array.from({ length: 20 }, (_, i) => i);
    const labels = scores.map((i) => (i >= 18 || i === 3 || i === 5 ? 1 : 0));
    expect(topDecileLift(scores, labels)).toBe(5);
    // Only one of the top two is positive: 0.5 / 0.2.
    labels[18] = 0;
    labels[7] = 1;
    expect(topDecileLift(scores, labels)).toBeCloseTo(2.5, 12);
  });

  it('counts a tie across the cut in proportion', () => {
    expect(topDecileLift([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 1, 0, 0, 0, 0, 0])).toBeCloseTo(1, 12);
    // The top row is a sure positive; the second slot goes to a 4-way tie with 1 positive in 4.
    const lift = topDecileLift(
      [9, 5, 5, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
      [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    expect(lift).toBeCloseTo(1.25 / 2 / (2 / 20), 12);
  });
});

describe('logLoss and brierScore', () => {
  it('match hand-computed values', () => {
    expect(logLoss([0.5, 0.5], [0, 1])).toBeCloseTo(Math.LN2, 12);
    expect(logLoss([0.9, 0.2], [1, 0])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
    expect(brierScore([0.9, 0.2, 0.5], [1, 0, 1])).toBeCloseTo((0.01 + 0.04 + 0.25) / 3, 12);
  });
});

describe('calibrationTable', () => {
  it('bins by ascending prediction into equal counts', () => {
    const probabilities = Array.from({ length: 25 }, (_, i) => i / 25);
    const labels = probabilities.map((p) => (p >= 0.6 ? 1 : 0));
    const table = calibrationTable(probabilities, labels, 5);
    expect(table.map((bin) => bin.count)).toEqual([5, 5, 5, 5, 5]);
    expect(table.map((bin) => bin.observedRate)).toEqual([0, 0, 0, 1, 1]);
    expect(table[0]).toMatchObject({ bin: 1, minPredicted: 0, maxPredicted: 0.16 });
    expect(table[4]!.meanPredicted).toBeCloseTo(0.88, 12);
    expect(calibrationTable([0.1, 0.2], [0, 1]).length).toBe(2);
  });
});

describe('splitByHash', () => {
  const anId = fc.string({ minLength: 1, maxLength: 20 });

  it('puts an id on the same side whatever else is in the list', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anId, { minLength: 1, maxLength: 40 }), fc.uniqueArray(anId, { maxLength: 40 }), (ids, others) => {
        const alone = splitByHash(ids);
        const mixed = splitByHash([...others.filter((id) => !ids.includes(id)), ...ids]);
        const testedAlone = new Set(alone.test.map((i) => ids[i]));
        const all = [...others.filter((id) => !ids.includes(id)), ...ids];
        const testedMixed = new Set(mixed.test.map((i) => all[i]));
        for (const id of ids) expect(testedMixed.has(id)).toBe(testedAlone.has(id));
      }),
    );
  });

  it('holds out about the asked share, differently for another salt', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `line-${i}`);
    const split = splitByHash(ids, { testFraction: 0.2 });
    expect(split.train.length + split.test.length).toBe(ids.length);
    expect(Math.abs(split.test.length / ids.length - 0.2)).toBeLessThan(0.01);
    const other = new Set(splitByHash(ids, { testFraction: 0.2, salt: 'another' }).test);
    const overlap = split.test.filter((i) => other.has(i)).length / split.test.length;
    expect(overlap).toBeGreaterThan(0.15);
    expect(overlap).toBeLessThan(0.25); // independent splits overlap by about the fraction itself
    expect(isHeldOut('line-1', { testFraction: 0 })).toBe(false);
    expect(isHeldOut('line-1', { testFraction: 1 })).toBe(true);
  });
});

describe('foldOf', () => {
  it('puts every id in one of k folds of about equal size, the first fifth being the held-out side', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `line-${i}`);
    const sizes = [0, 0, 0, 0, 0];
    for (const id of ids) sizes[foldOf(id, 5, 'salt')]!++;
    for (const size of sizes) expect(Math.abs(size / ids.length - 0.2)).toBeLessThan(0.01);
    // The same hash as the split: fold 0 of 5 is exactly what a 20 % split holds out.
    for (const id of ids.slice(0, 2000)) expect(foldOf(id, 5, 'salt') === 0).toBe(isHeldOut(id, { testFraction: 0.2, salt: 'salt' }));
    expect(() => foldOf('line-1', 1)).toThrow(RangeError);
  });
});
