import { afterEach, expect, it } from 'vitest';
import { describeEachBackend, type TestStore } from '../../test/backends.js';
import { runChurnReport } from '../cli/churn-report.command.js';
import { createChurnScorer } from '../scores/index.js';
import { CHURN_FEATURES } from './profile-scores.js';

/*
 * The churn scorecard trained through the whole pipeline (ingest, identity, profiles, point-in-time
 * features from the log) on a small world: 800 lines × 70 days, usage thinned to about 2 records a
 * day and churn made about seven times as frequent, so that ~80k events still hold ~80 churners.
 * So few churners measure an AUC only roughly (the default world's figures are in BENCHMARKS.md):
 * the test asks for a clear ranking, cross-validated so that every churner counts (measured 0.74).
 */
const WORLD = {
  seed: 'churn-test',
  subscribers: 800,
  days: 70,
  volumes: { dataRecords: 0.6, voiceCalls: 0.3, locationUpdates: 0, appEvents: 0.3, domainVisits: 0.6 },
  rates: { baseChurnPerDay: 0.004 },
} as const;

describeEachBackend('churn scorecard on a simulated operator', (backend) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.cleanup();
    store = undefined;
  });

  it('ranks churners above the customers who stay, with reasons that name real factors', { timeout: 240_000 }, async () => {
    store = await backend.open();
    const result = await runChurnReport({ ...WORLD, storage: store.storage, throughPipeline: true });
    const cv = result.crossValidation;

    expect(result.churners).toBeGreaterThan(50);
    expect(result.model.metrics.testPositives).toBeGreaterThan(5);
    expect(cv?.positives).toBe(result.churners);
    expect(cv?.auc).toBeGreaterThanOrEqual(0.7);
    expect(cv?.topDecileLift).toBeGreaterThan(2);

    // Reason codes are words about declared features, and the usage trends the simulator's churners
    // show are among the strongest columns.
    const scorer = createChurnScorer(result.model);
    const declared = new Set(CHURN_FEATURES.map((f) => f.name));
    const row = { usageWeekAgainstBefore: -1.5, usageMonthAgainstBefore: -1, brokenPromises: 2, openCases: 1, tariff: 'T-PREMIUM' };
    const score = scorer.score(row);
    expect(score.reasons.length).toBeGreaterThan(0);
    for (const reason of score.reasons) {
      expect(declared.has(reason.feature)).toBe(true);
      expect(reason.text).toMatch(/^[a-z]/);
      expect(reason.text).not.toMatch(/undefined|NaN/);
    }
  });
});
