import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../core/errors.js';
import { DAYS_PER_MONTH, lifetimeValue, monthlyHazard, riskBand, scoreChanged } from './lifetime-value.js';

/** The definition, summed month by month. */
const summed = (margin: number, p: number, annual: number, months: number): number => {
  const h = 1 - (1 - p) ** (DAYS_PER_MONTH / 30);
  const r = (1 + annual) ** (1 / 12) - 1;
  let total = 0;
  for (let t = 1; t <= months; t++) total += (margin * (1 - h) ** t) / (1 + r) ** t;
  return total;
};

describe('monthlyHazard', () => {
  it('converts a 30-day probability at a constant hazard', () => {
    expect(monthlyHazard(0)).toBe(0);
    expect(monthlyHazard(1)).toBe(1);
    expect(monthlyHazard(0.2, DAYS_PER_MONTH)).toBeCloseTo(0.2, 14);
    expect(monthlyHazard(0.03)).toBeCloseTo(1 - 0.97 ** (30.4375 / 30), 14);
    expect(monthlyHazard(0.03) / 0.03).toBeLessThan(1.015);
  });
});

describe('lifetimeValue', () => {
  it('equals the month-by-month sum', () => {
    for (const [margin, p, annual, months] of [
      [20, 0.03, 0.1, 36],
      [55.5, 0.2, 0.05, 12],
      [10, 0.001, 0, 60],
      [-5, 0.5, 0.1, 36],
    ] as const) {
      expect(lifetimeValue(margin, p, { annualDiscountRate: annual, horizonMonths: months }).value).toBeCloseTo(
        summed(margin, p, annual, months),
        9,
      );
    }
  });

  it('is the margin times the horizon without churn or discount, and zero for a sure churner', () => {
    const loyal = lifetimeValue(20, 0, { annualDiscountRate: 0 });
    expect(loyal.value).toBe(720);
    expect(loyal.expectedMonthsInHorizon).toBe(36);
    expect(loyal.expectedLifetimeMonths).toBe(Infinity);
    expect(loyal.survivalAtHorizon).toBe(1);
    const leaving = lifetimeValue(20, 1);
    expect(leaving.value).toBe(0);
    expect(leaving.expectedLifetimeMonths).toBe(0);
  });

  it('reports survival and expected months', () => {
    const ltv = lifetimeValue(30, 0.05);
    const h = monthlyHazard(0.05);
    expect(ltv.monthlyHazard).toBe(h);
    expect(ltv.survivalAtHorizon).toBeCloseTo((1 - h) ** 36, 14);
    expect(ltv.expectedLifetimeMonths).toBeCloseTo((1 - h) / h, 12);
    expect(ltv.expectedMonthsInHorizon).toBeLessThan(ltv.expectedLifetimeMonths);
    // Discounting only lowers the value below margin × expected months.
    expect(ltv.value).toBeLessThan(30 * ltv.expectedMonthsInHorizon);
  });

  it('falls as churn risk rises and grows with margin', () => {
    const probability = fc.double({ min: 0, max: 1, noNaN: true });
    const margin = fc.double({ min: 0, max: 10_000, noNaN: true });
    fc.assert(
      fc.property(margin, probability, probability, (m, p, q) => {
        const [low, high] = p <= q ? [p, q] : [q, p];
        expect(lifetimeValue(m, high).value).toBeLessThanOrEqual(lifetimeValue(m, low).value * (1 + 1e-12));
      }),
    );
    fc.assert(
      fc.property(margin, margin, probability, (a, b, p) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(lifetimeValue(high, p).value).toBeGreaterThanOrEqual(lifetimeValue(low, p).value);
      }),
    );
  });

  it('refuses what is not a probability, a margin or a horizon', () => {
    expect(() => lifetimeValue(10, 1.2)).toThrow(AppError);
    expect(() => lifetimeValue(10, NaN)).toThrow(AppError);
    expect(() => lifetimeValue(Infinity, 0.1)).toThrow(AppError);
    expect(() => lifetimeValue(10, 0.1, { horizonMonths: 2.5 })).toThrow(AppError);
  });
});

describe('scoreChanged', () => {
  const at = (churnProbability: number, lifetimeValue: number) => ({ churnProbability, lifetimeValue });

  it('reports a first score', () => {
    expect(scoreChanged(undefined, at(0.1, 100))).toEqual({ changed: true, reasons: [{ kind: 'first-score' }] });
  });

  it('reports a probability move of at least 0.05, despite floating point', () => {
    expect(scoreChanged(at(0.1, 100), at(0.15, 100)).reasons).toEqual([
      { kind: 'probability-moved', from: 0.1, to: 0.15, delta: 0.15 - 0.1 },
    ]);
    expect(scoreChanged(at(0.1, 100), at(0.14, 100)).changed).toBe(false);
    expect(scoreChanged(at(0.2, 100), at(0.12, 100)).reasons.map((r) => r.kind)).toEqual(['probability-moved']);
  });

  it('reports a crossing into another risk band even for a small move', () => {
    expect(riskBand(0.05)).toBe('low');
    expect(riskBand(0.1)).toBe('medium');
    expect(riskBand(0.3)).toBe('high');
    expect(scoreChanged(at(0.28, 100), at(0.31, 100)).reasons).toEqual([{ kind: 'band-crossed', from: 'medium', to: 'high' }]);
    expect(scoreChanged(at(0.28, 100), at(0.31, 100), { bands: { medium: 0.2, high: 0.5 } }).changed).toBe(false);
  });

  it('reports a lifetime value move of at least 10 %, measured against a floor near zero', () => {
    expect(scoreChanged(at(0.02, 100), at(0.02, 110)).reasons).toEqual([
      { kind: 'lifetime-value-moved', from: 100, to: 110, relative: 0.1 },
    ]);
    expect(scoreChanged(at(0.02, 100), at(0.02, 95)).changed).toBe(false);
    expect(scoreChanged(at(0.02, 0.01), at(0.02, 0.05)).changed).toBe(false);
    expect(scoreChanged(at(0.02, 0.01), at(0.02, 0.5), { lifetimeValueFloor: 0.01 }).changed).toBe(true);
  });

  it('lists every reason that applies', () => {
    expect(scoreChanged(at(0.05, 300), at(0.4, 150)).reasons.map((r) => r.kind)).toEqual([
      'probability-moved',
      'band-crossed',
      'lifetime-value-moved',
    ]);
  });
});
