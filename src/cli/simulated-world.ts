import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../core/config.js';
import { createTessera, type Tessera } from '../server/app.js';
import type { SimEvent } from '../simulator/index.js';
import type { Storage } from '../storage/index.js';
import { integerOption, seedOf } from './command-options.js';

/** Where a report on a simulated world runs: its own embedded database unless told otherwise. */
export interface SimulatedRunOptions {
  /** Directory for the embedded database; a temporary one (removed afterwards) when absent. */
  readonly dataDir?: string;
  /** A store of the caller's instead (tests run the reports on every backend); closed at the end. */
  readonly storage?: Storage;
  readonly onProgress?: (message: string) => void;
}

export interface EventCounts {
  readonly generated: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly quarantined: number;
}

export interface LoadedWorld {
  readonly tessera: Tessera;
  readonly events: EventCounts;
  readonly ingestMs: number;
  readonly drainMs: number;
}

/**
 * Loads a generated world into an embedded Tessera (the ingest service, no HTTP; the built-in
 * contracts only, which describe the simulator's sources), drains the pipeline, and runs `work`
 * on the loaded store; then closes it and removes a temporary data directory.
 */
export const onSimulatedWorld = async <T>(
  name: string,
  run: SimulatedRunOptions,
  batches: Iterable<SimEvent[]>,
  progressEvery: number,
  work: (loaded: LoadedWorld) => Promise<T>,
): Promise<T> => {
  const started = Date.now();
  const progress = run.onProgress ?? (() => undefined);
  const dataDir = run.dataDir ?? (await mkdtemp(join(tmpdir(), `tessera-${name}-`)));
  const tessera = await createTessera(
    parseConfig({
      TESSERA_DATA_DIR: dataDir,
      TESSERA_LOG_LEVEL: 'silent',
      TESSERA_PORT: '0',
      TESSERA_DEFAULT_REGION: 'RU',
      TESSERA_CONTRACTS_DIR: join(dataDir, 'no-contracts'),
    }),
    run.storage ? { storage: run.storage } : {},
  );
  try {
    const events = { generated: 0, accepted: 0, duplicate: 0, quarantined: 0 };
    for (const batch of batches) {
      const result = await tessera.services.ingest.ingest(batch, { channel: 'native' });
      events.generated += batch.length;
      events.accepted += result.accepted;
      events.duplicate += result.duplicate;
      events.quarantined += result.quarantined;
      if (events.generated % progressEvery < batch.length) progress(`ingested ${events.generated} events`);
    }
    const ingested = Date.now();
    progress(`draining the pipeline (${events.accepted} events)`);
    await tessera.services.pipeline.drain();
    return await work({ tessera, events, ingestMs: ingested - started, drainMs: Date.now() - ingested });
  } finally {
    await tessera.close();
    if (run.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  }
};

/** The options of a report command on a simulated world, as given. */
export interface WorldReportOptions {
  readonly seed: string;
  readonly subscribers: string;
  readonly days: string;
  readonly dataDir?: string;
  readonly json?: boolean;
}

/** The world options every report command on a simulated world takes, with its defaults. */
export const worldReportOptions = (
  command: Command,
  defaults: { readonly seed: string; readonly subscribers: string; readonly days: string; readonly daysHelp?: string },
): Command =>
  command
    .option('--seed <seed>', 'seed of the world', defaults.seed)
    .option('--subscribers <n>', 'lines in the population', defaults.subscribers)
    .option('--days <n>', defaults.daysHelp ?? 'days of history', defaults.days)
    .option('--data-dir <dir>', 'keep the embedded database here (default: a temporary directory, removed)')
    .option('--json', 'print one JSON line instead of the table');

/** The world and run options of a report command, checked (an exit, code 2, names a bad one). */
export const worldOf = (
  command: string,
  options: WorldReportOptions,
  minDays: number,
): { seed: number | string; subscribers: number; days: number; dataDir?: string; onProgress: (message: string) => void } => ({
  seed: seedOf(options.seed),
  subscribers: integerOption(command, 'subscribers', options.subscribers, 1),
  days: integerOption(command, 'days', options.days, minDays),
  ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  onProgress: (message) => process.stderr.write(`tessera ${command}: ${message}\n`),
});
