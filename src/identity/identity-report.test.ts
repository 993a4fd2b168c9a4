import { describe, expect, it } from 'vitest';
import type { AccountTruth, IdentifierTruth, LineTruth } from '../simulator/index.js';
import { identityReport, occurrencesOf, scenarioTagsOf, type Occurrence } from './identity-report.js';

const occ = (value: string, truePerson: string, predicted: string | null, extra: Partial<Occurrence> = {}): Occurrence => ({
  type: 'msisdn',
  value,
  truePerson,
  predicted,
  shared: false,
  scenarios: [],
  ...extra,
});

// Two persons of three identifiers each: 3 + 3 true pairs.
const perfect = [
  occ('a1', 'A', 'p1'),
  occ('a2', 'A', 'p1'),
  occ('a3', 'A', 'p1'),
  occ('b1', 'B', 'p2'),
  occ('b2', 'B', 'p2'),
  occ('b3', 'B', 'p2'),
];

describe('identityReport', () => {
  it('scores a perfect clustering 1 / 1 / 1', () => {
    const r = identityReport(perfect);
    expect(r.overall).toMatchObject({ precision: 1, recall: 1, f1: 1, truePairs: 6, predictedPairs: 6, correctPairs: 6, occurrences: 6 });
    expect(r.mergesAcrossRecycle).toBe(0);
    expect(r.worstMerges).toEqual([]);
    expect(r.worstSplits).toEqual([]);
    expect(r.largestComponent).toBe(3);
  });

  it('loses precision by the wrong pairs of a merge: two persons in one profile', () => {
    const r = identityReport(perfect.map((o) => ({ ...o, predicted: 'p1' })));
    // 15 predicted pairs of which 6 are right; every true pair is found.
    expect(r.overall.predictedPairs).toBe(15);
    expect(r.overall.precision).toBeCloseTo(6 / 15, 12);
    expect(r.overall.recall).toBe(1);
    expect(r.overall.f1).toBeCloseTo((2 * 0.4) / 1.4, 12);
    expect(r.worstMerges[0]?.persons.map((p) => p.person)).toEqual(['A', 'B']);
  });

  it('loses precision by exactly the pairs one misplaced identifier adds', () => {
    // b1 wrongly in A's profile: predicted pairs 6 + 1 = 7 (p1 holds 4, p2 holds 2), right 3 + 1 = 4.
    const r = identityReport(perfect.map((o) => (o.value === 'b1' ? { ...o, predicted: 'p1' } : o)));
    expect(r.overall.predictedPairs).toBe(7);
    expect(r.overall.correctPairs).toBe(4);
    expect(r.overall.precision).toBeCloseTo(4 / 7, 12);
    expect(r.overall.recall).toBeCloseTo(4 / 6, 12);
  });

  it('loses recall when a person is split, and keeps precision', () => {
    const r = identityReport(perfect.map((o) => (o.value === 'a3' ? { ...o, predicted: 'p3' } : o)));
    expect(r.overall.precision).toBe(1);
    expect(r.overall.recall).toBeCloseTo(4 / 6, 12);
    expect(r.worstSplits.map((s) => s.person)).toEqual(['A']);
  });

  it('leaves shared and unresolved identifiers out of the pairs but counts them', () => {
    const r = identityReport([
      ...perfect,
      occ('family@x.ru', 'A', 'p1', { type: 'email', shared: true }),
      occ('family@x.ru', 'B', 'p1', { type: 'email', shared: true }),
      occ('never-seen', 'B', null),
    ]);
    expect(r.overall.precision).toBe(1);
    expect(r.overall.recall).toBe(1);
    expect(r.shared).toBe(2);
    expect(r.judgeable).toBe(7);
    expect(r.resolved).toBe(6);
  });

  it('counts a profile holding two holders of one recycled number as a merge across a recycle', () => {
    const recycled = [
      occ('+79160000001', 'OLD', 'p1'),
      occ('passport-old', 'OLD', 'p1'),
      occ('+79160000001', 'NEW', 'p2'),
      occ('passport-new', 'NEW', 'p2'),
    ];
    expect(identityReport(recycled).mergesAcrossRecycle).toBe(0);
    const merged = identityReport(recycled.map((o) => ({ ...o, predicted: 'p1' })));
    expect(merged.mergesAcrossRecycle).toBe(1);
    expect(merged.recycleMerges[0]?.profile).toBe('p1');
    // A merge of two persons who never shared a value is not one across a recycle.
    expect(identityReport(perfect.map((o) => ({ ...o, predicted: 'p1' }))).mergesAcrossRecycle).toBe(0);
  });

  it('scores a scenario on the pairs touching its persons, so a merge with an outsider counts against it', () => {
    const tagged = perfect.map((o) => (o.truePerson === 'A' ? { ...o, scenarios: ['recycled'] } : o));
    const clean = identityReport(tagged);
    expect(clean.perScenario.recycled).toMatchObject({ precision: 1, recall: 1, persons: 1, occurrences: 3 });
    // b1 joins A's profile: a wrong pair for A's scenario too.
    const r = identityReport(tagged.map((o) => (o.value === 'b1' ? { ...o, predicted: 'p1' } : o)));
    // Pairs touching A: true 3 (A's own); predicted in p1 = 6 (4 identifiers), right 3.
    expect(r.perScenario.recycled?.precision).toBeCloseTo(3 / 6, 12);
    expect(r.perScenario.recycled?.recall).toBe(1);
  });

  it('takes the largest component from the stored profile sizes when given', () => {
    expect(
      identityReport(perfect, {
        profileSizes: new Map([
          ['p1', 9],
          ['p2', 2],
        ]),
      }).largestComponent,
    ).toBe(9);
  });

  // Quadratic pair enumeration would take minutes here; counting per cell takes a fraction of a second.
  it('counts per cell, not per pair: 200k occurrences in a few seconds at most', () => {
    const many = Array.from({ length: 200_000 }, (_, i) => occ(`v${i}`, `P${i % 50_000}`, `p${i % 50_000}`));
    const started = performance.now();
    const r = identityReport(many);
    expect(r.overall.truePairs).toBe(50_000 * 6);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

const line = (over: Partial<LineTruth>): LineTruth => ({
  line: 1,
  msisdn: '+79160000001',
  personId: 'P-1',
  accountId: 'A-1',
  simType: 'physical',
  planType: 'prepaid',
  activation: 'existing',
  activatedAt: '2020-01-01T00:00:00.000Z',
  churnAt: null,
  churnKind: null,
  riskScore: 0,
  risk: {},
  simSwapAt: null,
  recycledTo: null,
  previousOwner: null,
  roaming: null,
  cases: 0,
  brokenPromises: 0,
  ...over,
});
const account = (accountId: string, kind: AccountTruth['kind'], personIds: string[]): AccountTruth => ({
  accountId,
  kind,
  holderPersonId: personIds[0] as string,
  personIds,
  msisdns: [],
  householdId: null,
  orgId: null,
});
const id = (
  type: IdentifierTruth['type'],
  value: string,
  personId: string,
  validFrom: string,
  validTo: string | null,
  shared = false,
): IdentifierTruth => ({
  type,
  value,
  personId,
  validFrom,
  validTo,
  ...(shared ? { shared: true as const } : {}),
});

describe('joining the truth with the resolved graph', () => {
  const truth = {
    identifiers: [
      id('msisdn', '+79160000001', 'P-1', '2020-01-01T00:00:00.000Z', '2026-01-02T00:01:00.000Z'),
      id('msisdn', '+79160000001', 'P-R1', '2026-01-03T00:00:00.000Z', null),
      id('passport', '4508 000001', 'P-1', '2020-01-01T00:00:00.000Z', null),
      id('email', 'family@x.ru', 'P-1', '2020-01-01T00:00:00.000Z', null, true),
      id('email', 'family@x.ru', 'P-2', '2020-01-01T00:00:00.000Z', null, true),
      id('imei', '356938035643809', 'P-1', '2020-01-01T00:00:00.000Z', null),
      id('deviceId', 'tablet', 'P-2', '2020-01-01T00:00:00.000Z', null, true),
    ],
    lines: [
      line({
        churnAt: '2026-01-02T00:00:00.000Z',
        churnKind: 'termination',
        recycledTo: { personId: 'P-R1', accountId: 'A-R1', from: '2026-01-03T00:00:00.000Z' },
      }),
      line({ line: 2, msisdn: '+79160000002', personId: 'P-2', accountId: 'A-2', simType: 'esim', simSwapAt: '2026-01-02T00:00:00.000Z' }),
    ],
    accounts: [account('A-1', 'family', ['P-1', 'P-2']), account('A-9', 'b2b', ['P-9'])],
  };

  it('tags persons with their scenarios', () => {
    const tags = scenarioTagsOf(truth);
    expect([...(tags.get('P-1') ?? [])].sort()).toEqual(['family', 'recycled', 'shared_email', 'terminated']);
    expect([...(tags.get('P-R1') ?? [])]).toEqual(['recycled']);
    expect([...(tags.get('P-2') ?? [])].sort()).toEqual(['esim', 'family', 'shared_device', 'shared_email', 'sim_swap']);
    expect([...(tags.get('P-9') ?? [])]).toEqual(['corporate']);
  });

  it('finds the node covering the middle of each truth period, normalised as ingestion does, and skips devices', () => {
    const nodes = [
      { valueKey: 'msisdn:+79160000001', validFrom: null, validTo: '2026-01-02T00:00:00.000Z', profileId: 'p-old' },
      { valueKey: 'msisdn:+79160000001', validFrom: '2026-01-02T00:00:00.000Z', validTo: null, profileId: 'p-new' },
      { valueKey: 'passport:4508000001', validFrom: null, validTo: null, profileId: 'p-old' },
      { valueKey: 'email:stray@x.ru', validFrom: null, validTo: null, profileId: 'p-x' },
    ];
    const { occurrences, unmatchedNodes } = occurrencesOf(truth, nodes, '2026-01-08T00:00:00.000Z', (type, value) =>
      type === 'passport' ? value.replace(/\s+/g, '') : value,
    );
    expect(occurrences.map((o) => [o.type, o.value, o.truePerson, o.predicted, o.shared])).toEqual([
      ['msisdn', '+79160000001', 'P-1', 'p-old', false],
      ['msisdn', '+79160000001', 'P-R1', 'p-new', false],
      ['passport', '4508000001', 'P-1', 'p-old', false],
      ['email', 'family@x.ru', 'P-1', null, true],
      ['email', 'family@x.ru', 'P-2', null, true],
    ]);
    expect(unmatchedNodes.map((n) => n.valueKey)).toEqual(['email:stray@x.ru']);
    expect(identityReport(occurrences).mergesAcrossRecycle).toBe(0);
  });
});
