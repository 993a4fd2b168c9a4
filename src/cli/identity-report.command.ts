import type { Command } from 'commander';
import { isIdentifierType, normaliseIdentifier } from '../identity/index.js';
import {
  identityReport,
  occurrencesOf,
  type IdentityReport,
  type Occurrence,
  type PairwiseScores,
  type ResolvedNode,
} from '../identity/index.js';
import {
  DEMO_VOLUMES,
  MemoryTruth,
  createWorld,
  requestBatches,
  resolveOptions,
  type ScenarioRates,
  type ScenarioSummary,
} from '../simulator/index.js';
import {
  onSimulatedWorld,
  worldOf,
  worldReportOptions,
  type EventCounts,
  type SimulatedRunOptions,
  type WorldReportOptions,
} from './simulated-world.js';

const DAY_MS = 86_400_000;

export interface IdentityReportRun extends SimulatedRunOptions {
  readonly seed: number | string;
  readonly subscribers: number;
  readonly days: number;
  /** Scenario rates other than the defaults, to stress one scenario (tests, investigations). */
  readonly rates?: Partial<ScenarioRates>;
}

export interface IdentityReportResult {
  readonly report: IdentityReport;
  /** Every judged identifier period with its true person and profile, for digging into a figure. */
  readonly occurrences: readonly Occurrence[];
  readonly world: ScenarioSummary;
  readonly events: EventCounts;
  /** Nodes no truth period falls into (an identifier the truth does not know, or an extra epoch). */
  readonly unmatchedNodes: readonly ResolvedNode[];
  readonly timings: { readonly ingestMs: number; readonly drainMs: number; readonly totalMs: number };
}

/**
 * Generates a world with its ground truth, loads it into an embedded Tessera (ingest service, no
 * HTTP), drains the pipeline and scores the resolved identity graph against the truth.
 */
export const runIdentityReport = async (run: IdentityReportRun): Promise<IdentityReportResult> => {
  const started = Date.now();
  const options = resolveOptions({
    seed: run.seed,
    subscribers: run.subscribers,
    days: run.days,
    volumes: DEMO_VOLUMES,
    ...(run.rates ? { rates: run.rates } : {}),
  });
  const world = createWorld(options);
  const truth = new MemoryTruth();
  return onSimulatedWorld(
    'identity-report',
    run,
    requestBatches(world.batches(truth), 500),
    50_000,
    async ({ tessera, events, ingestMs, drainMs }) => {
      const rows = await tessera.storage.db
        .selectFrom('identity_nodes')
        .select(['value_key', 'valid_from', 'valid_to', 'profile_id'])
        .execute();
      const nodes: ResolvedNode[] = rows.map((r) => ({
        valueKey: r.value_key,
        validFrom: r.valid_from,
        validTo: r.valid_to,
        profileId: r.profile_id,
      }));
      const profileSizes = new Map<string, number>();
      for (const n of nodes) profileSizes.set(n.profileId, (profileSizes.get(n.profileId) ?? 0) + 1);
      const windowEnd = new Date(options.start + options.days * DAY_MS).toISOString();
      const normalise = (type: string, value: string): string => {
        if (!isIdentifierType(type)) return value;
        const result = normaliseIdentifier(type, value, 'RU');
        return result.ok ? result.value : value;
      };
      const { occurrences, unmatchedNodes } = occurrencesOf(truth, nodes, windowEnd, normalise);
      return {
        report: identityReport(occurrences, { profileSizes }),
        occurrences,
        world: world.summary(),
        events,
        unmatchedNodes,
        timings: { ingestMs, drainMs, totalMs: Date.now() - started },
      };
    },
  );
};

const pct = (x: number): string => (x * 100).toFixed(3).padStart(8);
const row = (name: string, s: PairwiseScores, persons?: number): string =>
  `  ${name.padEnd(16)}${pct(s.precision)}${pct(s.recall)}${pct(s.f1)}${String(s.occurrences).padStart(12)}${persons === undefined ? '' : String(persons).padStart(9)}`;

/** The report as a table for a terminal. */
export const formatIdentityReport = (r: IdentityReportResult): string => {
  const { report } = r;
  const lines = [
    `Identity quality: ${r.world.subscribers} subscribers × ${r.world.days} days (seed ${r.world.seed}); ` +
      `${r.events.accepted} events accepted, ${r.events.quarantined} quarantined, ${r.events.duplicate} duplicates`,
    `  ${''.padEnd(16)}${'precision'.padStart(8)}${'recall'.padStart(8)}${'F1'.padStart(8)}${'occurrences'.padStart(12)}${'persons'.padStart(9)}`,
    row('overall', report.overall, report.persons),
    ...Object.entries(report.perScenario).map(([name, s]) => row(name, s, s.persons)),
    '',
    `  Resolved ${report.resolved} of ${report.judgeable} judgeable identifier periods (${report.shared} shared values not judged); ` +
      `${r.unmatchedNodes.length} nodes match no truth period`,
    `  Profiles ${report.profiles} for ${report.persons} true persons; largest component ${report.largestComponent} identifiers`,
    `  Merges across a recycle: ${report.mergesAcrossRecycle}`,
    `  Time: ingest ${(r.timings.ingestMs / 1000).toFixed(1)} s, pipeline ${(r.timings.drainMs / 1000).toFixed(1)} s, total ${(r.timings.totalMs / 1000).toFixed(1)} s`,
  ];
  const show = (title: string, examples: IdentityReport['worstMerges']): void => {
    if (examples.length === 0) return;
    lines.push('', `  ${title}:`);
    for (const m of examples)
      lines.push(`    ${m.profile}: ${m.persons.map((p) => `${p.person} [${p.identifiers.join(', ')}]`).join(' + ')}`);
  };
  show('Merges across a recycle', report.recycleMerges);
  show('Profiles mixing the most persons', report.worstMerges);
  if (report.worstSplits.length > 0) {
    lines.push('', '  Persons split the most:');
    for (const s of report.worstSplits)
      lines.push(`    ${s.person}: ${s.profiles.map((p) => `${p.profile} [${p.identifiers.join(', ')}]`).join(' | ')}`);
  }
  return `${lines.join('\n')}\n`;
};

/** The one JSON line of `--json`, for CI and dashboards. */
export const identityReportJson = (r: IdentityReportResult): Record<string, unknown> => ({
  identity_precision: r.report.overall.precision,
  identity_recall: r.report.overall.recall,
  identity_f1: r.report.overall.f1,
  identity_largest_component: r.report.largestComponent,
  identity_merges_across_recycle: r.report.mergesAcrossRecycle,
  identity_resolved: r.report.resolved,
  identity_judgeable: r.report.judgeable,
  identity_unmatched_nodes: r.unmatchedNodes.length,
  per_scenario: Object.fromEntries(
    Object.entries(r.report.perScenario).map(([name, s]) => [
      name,
      { precision: s.precision, recall: s.recall, f1: s.f1, occurrences: s.occurrences, persons: s.persons },
    ]),
  ),
  seconds: Math.round(r.timings.totalMs / 100) / 10,
});

/**
 * `tessera identity-report`: pairwise precision, recall and F1 of identity resolution against the
 * simulator's ground truth, overall and per scenario, the largest component and the merges across a
 * recycled number. Targets on the default world: precision ≥ 0.999, recall ≥ 0.99, no merge across a recycle.
 */
export const registerIdentityReportCommand = (program: Command): void => {
  worldReportOptions(
    program.command('identity-report').description('Score identity resolution against the ground truth of a simulated operator'),
    { seed: '42', subscribers: '2000', days: '7' },
  ).action(async (opts: WorldReportOptions) => {
    const result = await runIdentityReport(worldOf('identity-report', opts, 1));
    process.stdout.write(opts.json ? `${JSON.stringify(identityReportJson(result))}\n` : formatIdentityReport(result));
  });
};
