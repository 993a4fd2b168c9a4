import { describe, expect, it } from 'vitest';
import { breakdownAudience, overlapAudiences, previewAudience } from './audience-analysis.js';
import type { AudienceInput } from './audience-input.js';
import { scanAudience } from './bulk-evaluate.js';
import { columnsFromInputs } from './columns-from-inputs.js';
import { compileAudience } from './evaluate.js';
import { DEFAULT_CATALOGUE } from './field-catalogue.js';
import { nextDown, nextUp } from './scan-kernels.js';
import { and, audienceOf, daysAgo, NOW, occurrence, person } from './test-fixtures.js';
import type { DependencySet } from './dependencies.js';

/** 60 people: plan by i % 2, region by i % 3, i % 5 top-ups in the last 30 days. */
const people: AudienceInput[] = Array.from({ length: 60 }, (_, i) =>
  person({
    id: `p${String(i).padStart(2, '0')}`,
    fields: {
      'traits.planType': i % 2 === 0 ? 'prepaid' : 'postpaid',
      'traits.homeRegion': ['RU-MOW', 'RU-SPE', 'RU-KDA'][i % 3] as string,
    },
    events: { 'billing/topup': Array.from({ length: i % 5 }, (_, k) => occurrence(daysAgo(k * 7 + 1))) },
  }),
);

const all: DependencySet = {
  fields: new Set(['traits.planType', 'traits.homeRegion']),
  eventTypes: new Set(['billing/topup']),
  consents: new Set(),
  consentPurposes: new Set(),
  audiences: new Set(),
};
const store = columnsFromInputs(people, 'person', { own: all, members: null }, DEFAULT_CATALOGUE);

const prepaid = { field: 'traits.planType', operator: '=', value: 'prepaid' } as const;
const moscow = { field: 'traits.homeRegion', operator: '=', value: 'RU-MOW' } as const;
const toppers = {
  field: 'event',
  operator: 'performed',
  eventType: 'billing/topup',
  count: { op: 'atLeast', n: 3 },
  window: { lastDays: 30 },
} as const;

describe('preview, breakdown and overlap', () => {
  it('preview counts exactly what the incremental evaluator materialises, with a sample', () => {
    const audience = audienceOf(and(prepaid, moscow, toppers));
    const materialised = people.filter((p) => compileAudience(audience).isMember(p, NOW)).map((p) => p.id);
    const preview = previewAudience(audience, store, NOW, 3);
    // i even, i % 3 = 0, i % 5 ≥ 3: i ≡ 0 (mod 6) with i % 5 in {3, 4}: 18, 24, 48, 54.
    expect(materialised).toEqual(['p18', 'p24', 'p48', 'p54']);
    expect(preview).toEqual({ count: 4, total: 60, sample: ['p18', 'p24', 'p48'] });
  });

  it('tells how many each top-level condition keeps, alone and in turn', () => {
    const breakdown = breakdownAudience(audienceOf(and(prepaid, moscow, toppers)), store, NOW);
    expect(breakdown.conditions.map((c) => [c.path, c.alone, c.cumulative])).toEqual([
      ['/rule/rules/0', 30, 30],
      ['/rule/rules/1', 20, 10],
      ['/rule/rules/2', 24, 4],
    ]);
    expect(breakdown.count).toBe(4);
    expect(breakdown.conditions[2]?.text).toBe('who topped up at least 3 times in the last 30 days');
  });

  it('applies the top group’s not to the count, not to the conditions', () => {
    const breakdown = breakdownAudience(audienceOf({ combinator: 'or', not: true, rules: [prepaid, moscow] }), store, NOW);
    expect(breakdown.conditions.map((c) => c.cumulative)).toEqual([30, 40]);
    expect(breakdown.count).toBe(20);
  });

  it('overlaps two audiences', () => {
    expect(overlapAudiences(audienceOf(and(prepaid)), audienceOf(and(moscow)), store, NOW)).toEqual({
      a: 30,
      b: 20,
      both: 10,
      onlyA: 20,
      onlyB: 10,
      either: 40,
    });
  });

  it('scans an empty store and absent columns', () => {
    const empty = columnsFromInputs([], 'person', { own: all, members: null }, DEFAULT_CATALOGUE);
    expect(scanAudience(audienceOf(and(prepaid)), empty, NOW)).toHaveLength(0);
    const noColumns = columnsFromInputs(
      people.slice(0, 3),
      'person',
      { own: { ...all, fields: new Set() }, members: null },
      DEFAULT_CATALOGUE,
    );
    expect([...scanAudience(audienceOf(and({ field: 'aggregates.topup_count.30d', operator: '=', value: 0 })), noColumns, NOW)]).toEqual([
      1, 1, 1,
    ]);
  });
});

describe('interval ends', () => {
  it('nextUp and nextDown step to the adjacent double', () => {
    for (const x of [0, -0, 1, -1, 0.1, 1e300, -1e-300, Number.MIN_VALUE, -Number.MAX_VALUE, 1717243200000]) {
      expect(nextUp(x)).toBeGreaterThan(x);
      expect(nextDown(x)).toBeLessThan(x);
      // Nothing lies between: the midpoint rounds to one end or the other.
      const mid = x + (nextUp(x) - x) / 2;
      expect(mid === x || mid === nextUp(x)).toBe(true);
    }
    expect(nextUp(-Infinity)).toBe(-Number.MAX_VALUE);
    expect(nextDown(Infinity)).toBe(Number.MAX_VALUE);
  });
});
