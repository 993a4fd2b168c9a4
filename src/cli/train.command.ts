import type { Command } from 'commander';
import { trainChurnFromLog } from '../profiles/churn-training.js';
import { modelsStore } from '../profiles/models.store.js';
import { createTessera } from '../server/app.js';
import type { ChurnCrossValidation } from '../scores/index.js';
import { withConfigOption } from './command-options.js';
import { loadConfigOrExit } from './load-config.js';

/** One line: the pooled out-of-fold AUC and lift, and how far the per-fold AUC moves. */
export const formatCrossValidation = (cv: ChurnCrossValidation): string =>
  `${cv.folds}-fold cross-validation: ${cv.rows} profiles (${cv.positives} churners), each scored once — ` +
  `AUC ${cv.auc.toFixed(3)} (folds ${Math.min(...cv.foldAuc).toFixed(3)}–${Math.max(...cv.foldAuc).toFixed(3)}), top-decile lift ${cv.topDecileLift.toFixed(2)}`;

/**
 * `tessera train churn`: trains the churn scorecard on the event history (labels from
 * terminations and port-outs), prints its held-out quality, and stores it as the active model,
 * which the pipeline applies from its next start.
 */
export const registerTrainCommand = (program: Command): void => {
  const train = program.command('train').description('Train models on the event history');
  withConfigOption(
    train
      .command('churn')
      .description('Train the churn-risk scorecard (logistic regression with reason codes) and make it the active model'),
  )
    .option('--cutoff <time>', 'features as of this time, labels from the 30 days after it (default: 30 days before the last event)')
    .option('--dry-run', 'report the quality without storing the model')
    .action(async (options: { config?: string; cutoff?: string; dryRun?: boolean }) => {
      const config = loadConfigOrExit(options.config);
      const tessera = await createTessera(config);
      try {
        const { db } = tessera.storage;
        const result = await trainChurnFromLog(
          { db, eventLog: tessera.eventLog, profiles: tessera.services.profiles },
          { trainedAt: new Date().toISOString(), crossValidationFolds: 5, ...(options.cutoff ? { cutoff: options.cutoff } : {}) },
        );
        const m = result.model.metrics;
        process.stdout.write(
          [
            `churn model ${result.model.version}: features as of ${result.cutoff}, ${result.profiles} profiles, ${result.churners} churned within 30 days`,
            `held out: ${m.testRows} profiles (${m.testPositives} churners) — AUC ${m.auc.toFixed(3)}, top-decile lift ${m.topDecileLift.toFixed(2)}, log loss ${m.logLoss.toFixed(4)}`,
            ...(result.crossValidation ? [formatCrossValidation(result.crossValidation)] : []),
            options.dryRun ? 'dry run: not stored' : 'stored as the active churn model (applied by the pipeline from its next start)',
            '',
          ].join('\n'),
        );
        if (!options.dryRun) await modelsStore.activate(db, result.model);
      } finally {
        await tessera.close();
      }
    });
};
