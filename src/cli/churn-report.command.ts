import type { Command } from 'commander';
import { trainChurnFromLog } from '../profiles/churn-training.js';
import type { ChurnCrossValidation, ChurnModel } from '../scores/index.js';
import {
  DEMO_VOLUMES,
  createWorld,
  requestBatches,
  resolveOptions,
  type ScenarioRates,
  type ScenarioSummary,
  type Volumes,
} from '../simulator/index.js';
import {
  onSimulatedWorld,
  worldOf,
  worldReportOptions,
  type EventCounts,
  type SimulatedRunOptions,
  type WorldReportOptions,
} from './simulated-world.js';
import { formatCrossValidation } from './train.command.js';

const DAY_MS = 86_400_000;

export interface ChurnReportRun extends SimulatedRunOptions {
  readonly seed: number | string;
  readonly subscribers: number;
  readonly days: number;
  /** Start of simulated time (ms); the simulator's default start (2026-01-01) when absent. */
  readonly start?: number;
  /** Scenario rates other than the defaults (tests use a higher churn rate to get churners from a small world). */
  readonly rates?: Partial<ScenarioRates>;
  /** Daily volumes other than the demo's (tests thin them to stay fast). */
  readonly volumes?: Partial<Volumes>;
}

export interface ChurnReportResult {
  readonly model: ChurnModel;
  readonly crossValidation?: ChurnCrossValidation;
  readonly cutoff: string;
  readonly profiles: number;
  readonly churners: number;
  readonly world: ScenarioSummary;
  readonly events: EventCounts;
  readonly timings: { readonly ingestMs: number; readonly drainMs: number; readonly trainMs: number; readonly totalMs: number };
}

/**
 * Generates a world, loads it into an embedded Tessera (ingest service, no HTTP), drains the
 * pipeline and trains the churn scorecard exactly as `tessera train churn --dry-run` does — the
 * same figures as `tessera demo` followed by `tessera train churn`, in a fraction of the time.
 */
export const runChurnReport = async (run: ChurnReportRun): Promise<ChurnReportResult> => {
  const started = Date.now();
  const options = resolveOptions({
    seed: run.seed,
    subscribers: run.subscribers,
    days: run.days,
    volumes: { ...DEMO_VOLUMES, ...run.volumes },
    ...(run.start !== undefined ? { start: run.start } : {}),
    ...(run.rates ? { rates: run.rates } : {}),
  });
  const world = createWorld(options);
  return onSimulatedWorld(
    'churn-report',
    run,
    requestBatches(world.batches(), 500),
    250_000,
    async ({ tessera, events, ingestMs, drainMs }) => {
      const drained = Date.now();
      run.onProgress?.('training the churn scorecard');
      const trained = await trainChurnFromLog(
        { db: tessera.storage.db, eventLog: tessera.eventLog, profiles: tessera.services.profiles },
        // A fixed training time: the same world gives the same model, version included.
        { trainedAt: new Date(options.start + options.days * DAY_MS).toISOString(), crossValidationFolds: 5 },
      );
      return {
        ...trained,
        world: world.summary(),
        events,
        timings: { ingestMs, drainMs, trainMs: Date.now() - drained, totalMs: Date.now() - started },
      };
    },
  );
};

const pct = (part: number, whole: number): string => `${((100 * part) / Math.max(1, whole)).toFixed(1)} %`;

/** The strongest columns of the scorecard by absolute coefficient (on standardised values). */
const strongest = (model: ChurnModel, n: number): string =>
  Object.entries(model.coefficients)
    .sort(([, a], [, b]) => Math.abs(b) - Math.abs(a))
    .slice(0, n)
    .map(([name, weight]) => `${name} ${weight >= 0 ? '+' : ''}${weight.toFixed(2)}`)
    .join(', ');

export const formatChurnReport = (r: ChurnReportResult): string => {
  const m = r.model.metrics;
  return [
    `Churn scorecard on a simulated operator: seed ${r.world.seed}, ${r.world.subscribers} lines × ${r.world.days} days from ${r.world.start.slice(0, 10)}`,
    `  Events: ${r.events.generated} generated, ${r.events.accepted} accepted, ${r.events.duplicate} duplicate, ${r.events.quarantined} quarantined`,
    `  Features as of ${r.cutoff}; label: a termination or port-out in the next ${r.model.horizonDays} days`,
    `  Profiles: ${r.profiles}, of which ${r.churners} churned (${pct(r.churners, r.profiles)})`,
    `  Held out: ${m.testRows} profiles, ${m.testPositives} churners`,
    `  AUC ${m.auc.toFixed(3)}   top-decile lift ${m.topDecileLift.toFixed(2)}   log loss ${m.logLoss.toFixed(4)}   Brier ${m.brier.toFixed(4)}`,
    ...(r.crossValidation ? [`  ${formatCrossValidation(r.crossValidation)}`] : []),
    `  Strongest columns: ${strongest(r.model, 6)}`,
    `  Time: ingest ${(r.timings.ingestMs / 1000).toFixed(1)} s, pipeline ${(r.timings.drainMs / 1000).toFixed(1)} s, training ${(r.timings.trainMs / 1000).toFixed(1)} s`,
    '',
  ].join('\n');
};

/** The one JSON line of `--json`, with the `churn_auc` key BENCHMARKS.md and the bench use. */
export const churnReportJson = (r: ChurnReportResult): Record<string, unknown> => ({
  churn_auc: r.model.metrics.auc,
  churn_top_decile_lift: r.model.metrics.topDecileLift,
  churn_log_loss: r.model.metrics.logLoss,
  churn_profiles: r.profiles,
  churn_churners: r.churners,
  churn_test_rows: r.model.metrics.testRows,
  churn_test_churners: r.model.metrics.testPositives,
  ...(r.crossValidation
    ? {
        churn_cv_auc: r.crossValidation.auc,
        churn_cv_top_decile_lift: r.crossValidation.topDecileLift,
        churn_cv_fold_auc: r.crossValidation.foldAuc,
      }
    : {}),
  world: { seed: r.world.seed, subscribers: r.world.subscribers, days: r.world.days, events: r.events.accepted },
  seconds: Math.round(r.timings.totalMs / 100) / 10,
});

/**
 * `tessera churn-report`: held-out AUC and top-decile lift of the churn scorecard trained on a
 * simulated operator's history, through the whole pipeline (ingest, identity, profiles). The
 * features are taken 30 days before the last event, so the world needs at least 90 days for the
 * 60-day usage comparison to be filled.
 */
export const registerChurnReportCommand = (program: Command): void => {
  worldReportOptions(
    program.command('churn-report').description('Train the churn scorecard on a simulated operator and report its held-out quality'),
    { seed: 'demo', subscribers: '10000', days: '90', daysHelp: 'days of history (at least 31; 90 fills every feature)' },
  ).action(async (opts: WorldReportOptions) => {
    const result = await runChurnReport(worldOf('churn-report', opts, 31));
    process.stdout.write(opts.json ? `${JSON.stringify(churnReportJson(result))}\n` : formatChurnReport(result));
  });
};
