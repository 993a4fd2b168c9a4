import type { Command } from 'commander';
import { IdentifierNormaliser } from '../identity/index.js';
import { trainChurnFromLog, trainOnChurnRows } from '../profiles/churn-training.js';
import { CHURN_HORIZON_DAYS, type ChurnCrossValidation, type ChurnModel } from '../scores/index.js';
import {
  DEMO_VOLUMES,
  MemoryTruth,
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
import { churnRowsFromHistory, truthAttribution } from './churn-history.js';
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
  /**
   * Load the world through ingestion and the pipeline, and train from the log, as `tessera train
   * churn` does (slow: the default world takes tens of minutes). Otherwise the rows are built from
   * the history directly (see `churn-history.ts`), in a few minutes.
   */
  readonly throughPipeline?: boolean;
}

export interface ChurnReportResult {
  readonly model: ChurnModel;
  readonly crossValidation?: ChurnCrossValidation;
  readonly cutoff: string;
  readonly profiles: number;
  readonly churners: number;
  readonly world: ScenarioSummary;
  readonly events: EventCounts;
  /** `pipeline`: ingested, resolved and read back from the log; `history`: rows built from the events directly. */
  readonly path: 'pipeline' | 'history';
  /** Accepted events no person was found for (the history path only). */
  readonly unattributed?: number;
  /** Ingest and pipeline for the pipeline path; `ingestMs` is generating and building the rows on the history path. */
  readonly timings: { readonly ingestMs: number; readonly drainMs: number; readonly trainMs: number; readonly totalMs: number };
}

/**
 * Generates a world and trains the churn scorecard on its history, with 5-fold cross-validation.
 * By default the feature rows are built from the events directly (`churnRowsFromHistory`), as of
 * 30 days before the world's end; with `throughPipeline` the world is loaded into an embedded
 * Tessera (ingest service, no HTTP), the pipeline drained, and the scorecard trained exactly as
 * `tessera train churn --dry-run` does.
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
  // A fixed training time: the same world gives the same model, version included.
  const trainedAt = new Date(options.start + options.days * DAY_MS).toISOString();
  if (run.throughPipeline !== true) {
    // An empty Tessera for its contracts and profile stage; nothing is ingested, so no progress to tell of.
    const store = { ...(run.dataDir !== undefined ? { dataDir: run.dataDir } : {}), ...(run.storage ? { storage: run.storage } : {}) };
    return onSimulatedWorld('churn-report', store, [], 1, async ({ tessera }) => {
      const truth = new MemoryTruth();
      run.onProgress?.('generating the world and building the features from its history');
      const history = churnRowsFromHistory(
        world.batches(truth),
        {
          registry: tessera.services.registry,
          normaliser: new IdentifierNormaliser(tessera.config.defaultRegion),
          identifierTypes: tessera.config.identity.types,
          profiles: tessera.services.profiles,
          partitions: tessera.config.partitions,
        },
        truthAttribution(truth),
        { cutoff: options.start + (options.days - CHURN_HORIZON_DAYS) * DAY_MS, horizonDays: CHURN_HORIZON_DAYS },
      );
      const built = Date.now();
      run.onProgress?.('training the churn scorecard');
      const trained = trainOnChurnRows(history, { trainedAt, crossValidationFolds: 5 });
      return {
        ...trained,
        world: world.summary(),
        events: history.events,
        path: 'history' as const,
        unattributed: history.unattributed,
        timings: { ingestMs: built - started, drainMs: 0, trainMs: Date.now() - built, totalMs: Date.now() - started },
      };
    });
  }
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
        { trainedAt, crossValidationFolds: 5 },
      );
      return {
        ...trained,
        world: world.summary(),
        events,
        path: 'pipeline' as const,
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
    r.path === 'pipeline'
      ? `  Time: ingest ${(r.timings.ingestMs / 1000).toFixed(1)} s, pipeline ${(r.timings.drainMs / 1000).toFixed(1)} s, training ${(r.timings.trainMs / 1000).toFixed(1)} s`
      : `  Time: generating the world and building features from its history ${(r.timings.ingestMs / 1000).toFixed(1)} s (${r.unattributed ?? 0} events with no person), training ${(r.timings.trainMs / 1000).toFixed(1)} s`,
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
  path: r.path,
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
  )
    .option('--through-pipeline', 'load the world through ingestion and the pipeline and train from the log (slow)')
    .action(async (opts: WorldReportOptions & { throughPipeline?: boolean }) => {
      const result = await runChurnReport({ ...worldOf('churn-report', opts, 31), throughPipeline: opts.throughPipeline === true });
      process.stdout.write(opts.json ? `${JSON.stringify(churnReportJson(result))}\n` : formatChurnReport(result));
    });
};
