import { afterEach, expect, it } from 'vitest';
import { describeEachBackend, type TestStore } from '../../test/backends.js';
import { formatIdentityReport, identityReportJson, runIdentityReport } from '../cli/identity-report.command.js';
import { scenarioTagsOf } from './identity-report.js';
import { DEMO_VOLUMES, MemoryTruth, createWorld, resolveOptions } from '../simulator/index.js';

/*
 * The identity-quality report on a small world (300 lines × 3 days, seed 7), held to the issue's
 * targets: precision ≥ 0.999, recall ≥ 0.99, no merge across a recycle. Measured: 1.000 / 1.000
 * (before eSIM lines carried their KYC record, recall was 0.969).
 */
const WORLD = { seed: 7, subscribers: 300, days: 3 } as const;

describeEachBackend('identity-quality report against the ground truth', (backend) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.cleanup();
    store = undefined;
  });

  it(
    'scores the resolved graph of a small world: precise, nearly complete, never merged across a recycle',
    { timeout: 60_000 },
    async () => {
      store = await backend.open();
      const result = await runIdentityReport({ ...WORLD, storage: store.storage });
      const { report } = result;

      expect(result.events.accepted).toBeGreaterThan(5000);
      expect(report.overall.occurrences).toBeGreaterThan(1000);
      expect(report.overall.precision).toBeGreaterThanOrEqual(0.999);
      expect(report.overall.recall).toBeGreaterThanOrEqual(0.99);
      expect(report.mergesAcrossRecycle).toBe(0);
      expect(report.largestComponent).toBeLessThanOrEqual(50);
      // Almost every identifier period the truth lists was seen and resolved to a node.
      expect(report.resolved / report.judgeable).toBeGreaterThan(0.85);
      expect(result.timings.totalMs).toBeLessThan(60_000);

      // Every scenario the truth holds is scored.
      const truth = new MemoryTruth();
      for (const _ of createWorld(resolveOptions({ ...WORLD, volumes: DEMO_VOLUMES })).batches(truth));
      const present = new Set([...scenarioTagsOf(truth).values()].flatMap((tags) => [...tags]));
      expect(present).toEqual(
        new Set([
          'corporate',
          'esim',
          'family',
          'individual',
          'new_line',
          'ported',
          'recycled',
          'shared_device',
          'shared_email',
          'sim_swap',
          'test',
        ]),
      );
      expect(Object.keys(report.perScenario).sort()).toEqual([...present].sort());
      for (const name of ['corporate', 'family', 'shared_email', 'shared_device', 'sim_swap', 'ported', 'recycled'])
        expect(report.perScenario[name]?.precision, name).toBeGreaterThanOrEqual(0.999);

      const json = identityReportJson(result);
      expect(Object.keys(json)).toEqual(
        expect.arrayContaining([
          'identity_precision',
          'identity_recall',
          'identity_f1',
          'identity_largest_component',
          'identity_merges_across_recycle',
          'per_scenario',
        ]),
      );
      expect(formatIdentityReport(result)).toContain('Merges across a recycle: 0');
    },
  );
});
