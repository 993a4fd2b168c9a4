import { describe, expect, it } from 'vitest';
import { MemoryTruth } from './memory-truth.js';
import { DEFAULT_RATES, resolveOptions } from './options.js';
import { createWorld } from './world.js';

/**
 * Every injected scenario is present in the proportion docs/simulator.md states. Counts are
 * binomial, so each check allows five standard deviations around the expectation.
 */
const quiet = { dataRecords: 0.2, voiceCalls: 0.1, locationUpdates: 0.2, appEvents: 0.5, domainVisits: 0.3 };
const days = 10;
const truth = new MemoryTruth();
const world = createWorld(resolveOptions({ seed: 2024, subscribers: 20_000, days, volumes: quiet }));
let events = 0;
for (const batch of world.batches(truth)) events += batch.length;
const { counts } = world.summary();
const c = (key: string): number => counts[key] ?? 0;

const near = (actual: number, p: number, n: number, label: string): void => {
  const mean = p * n;
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(actual - mean), `${label}: ${actual} vs expected ${mean.toFixed(1)} ± ${(5 * sd).toFixed(1)}`).toBeLessThanOrEqual(5 * sd + 1);
};

describe('scenario proportions', () => {
  it('account structure: family, B2B, eSIM beside a SIM, shared devices and e-mails, test lines', () => {
    const accounts = c('accounts');
    near(c('accounts.family'), DEFAULT_RATES.familyAccountShare, accounts, 'family accounts');
    near(c('accounts.b2b'), DEFAULT_RATES.b2bAccountShare, accounts, 'B2B accounts');
    near(c('esimBesideSim'), DEFAULT_RATES.esimBesideSimShare, accounts - c('accounts.b2b'), 'eSIM beside SIM');
    near(c('sharedDevices'), DEFAULT_RATES.sharedDeviceShare, c('accounts.family'), 'shared tablets');
    near(c('sharedFamilyEmails'), DEFAULT_RATES.sharedFamilyEmailShare, c('accounts.family'), 'family e-mails');
    near(c('sharedCorporateEmails'), DEFAULT_RATES.sharedCorporateEmailShare, c('accounts.b2b'), 'it@ e-mails');
    near(c('accounts.test'), DEFAULT_RATES.testLineShare, c('accounts.individual') + c('accounts.test'), 'test lines');
    expect(truth.accounts.filter((a) => a.kind === 'b2b').every((a) => a.msisdns.length >= 5 && a.msisdns.length <= 2000)).toBe(true);
    expect(truth.accounts.filter((a) => a.kind === 'family').every((a) => a.personIds.length >= 2 && a.personIds.length <= 5)).toBe(true);
  });

  it('life events per line and day: SIM swaps, roaming, new lines, port-ins, recycled numbers', () => {
    const lines = c('lines');
    near(c('simSwaps'), DEFAULT_RATES.simSwapPerDay * days, lines, 'SIM swaps');
    near(c('roamingTrips'), DEFAULT_RATES.roamingTripPerDay * days, lines, 'roaming trips');
    near(c('newLines') + c('portIns'), DEFAULT_RATES.newLinePerDay * days, lines - c('testLines'), 'new lines');
    near(c('portIns'), DEFAULT_RATES.portInShareOfNew, c('newLines') + c('portIns'), 'port-ins of new lines');
    near(c('recycledHistory'), DEFAULT_RATES.recycledHistoryShare, lines - c('newLines') - c('portIns') - c('testLines'), 'recycled before the window');
    near(c('portOuts'), DEFAULT_RATES.portOutShareOfChurn, c('churned'), 'port-outs of churn');
    expect(c('recycledInWindow')).toBeGreaterThan(0);
    expect(c('recycledInWindow')).toBeLessThanOrEqual(c('recyclableTerminations'));
  });

  it('churn follows its hidden risk factors', () => {
    const expected = truth.lines.reduce((sum, l) => sum + (l.riskScore * DEFAULT_RATES.baseChurnPerDay * days) / 2.2, 0);
    expect(c('churned')).toBeGreaterThan(expected * 0.7);
    expect(c('churned')).toBeLessThan(expected * 1.3);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const churners = truth.lines.filter((l) => l.churnAt !== null);
    const stayers = truth.lines.filter((l) => l.churnAt === null && l.simType === 'physical');
    expect(mean(churners.map((l) => l.riskScore))).toBeGreaterThan(1.5 * mean(stayers.map((l) => l.riskScore)));
    expect(mean(churners.map((l) => (l.risk.prepaid ? 1 : 0)))).toBeGreaterThan(mean(stayers.map((l) => (l.risk.prepaid ? 1 : 0))));
    expect(mean(churners.map((l) => l.cases))).toBeGreaterThan(mean(stayers.map((l) => l.cases)));
  });

  it('injected faults per event: broken, late, duplicated; drift on one day of one source', () => {
    const faultable = c('faultableEvents');
    expect(faultable).toBeGreaterThan(events * 0.8);
    near(c('injected.broken'), DEFAULT_RATES.brokenShare, faultable, 'broken events');
    // Late and duplicate deliveries are drawn for events that were neither broken nor drifted.
    const delivered = faultable - c('injected.broken') - c('injected.drift');
    near(c('injected.late'), DEFAULT_RATES.lateShare, delivered, 'late events');
    near(c('injected.duplicate'), DEFAULT_RATES.duplicateShare, delivered, 'duplicates');
    expect(c('injected.placeholder')).toBeGreaterThan(0);
    const drift = truth.injectedRecords.filter((r) => r.kind === 'drift');
    expect(drift.length).toBe(c('injected.drift'));
    expect(drift.length).toBeGreaterThan(100);
    expect(new Set(drift.map((r) => `${r.source}/${r.type}`))).toEqual(new Set(['app/app_open']));
    expect(c('nationalFormatMsisdns')).toBeGreaterThan(0);
  });
});
