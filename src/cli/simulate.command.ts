import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import {
  DEMO_VOLUMES,
  NdjsonSourceWriter,
  TruthFileWriter,
  createWorld,
  estimateEvents,
  formatLoadSummary,
  requestBatchesAsync,
  resolveOptions,
  runLoad,
  writeWorldToFiles,
  type LoadSummary,
  type ScenarioSummary,
  type SimEvent,
  type SimulationOptions,
  type World,
} from '../simulator/index.js';
import { apiKeyForUrl, integerOption, seedOf } from './command-options.js';

interface SimulateOptions {
  seed: string;
  subscribers: string;
  days: string;
  start: string;
  out?: string;
  gzip?: boolean;
  truth: boolean;
  url?: string;
  apiKey?: string;
  rate?: string;
  concurrency: string;
  batchSize: string;
  demoVolumes?: boolean;
  progress: boolean;
}

const positiveInt = (name: string, value: string, min = 1): number => integerOption('simulate', name, value, min);

/** A progress bar with live events/s, or nothing when output is not a terminal or --no-progress. */
export const progressBar = (enabled: boolean, total: number): { update(done: number): void; stop(): void } => {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: '  {bar} {percentage}% | {value}/{total} events | {rate} events/s | {elapsed}s', stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0, { rate: 0, elapsed: 0 });
  return {
    update: (done) => {
      const seconds = (performance.now() - started) / 1000;
      bar.update(Math.min(done, total), { rate: Math.round(done / Math.max(seconds, 0.001)), elapsed: Math.round(seconds) });
      if (done > total) bar.setTotal(done);
    },
    stop: () => bar.stop(),
  };
};

/**
 * Streams a world into a server: generation is tee'd to files (events and truth) when `out` is
 * given, re-cut into request batches and posted by the load driver.
 */
export const streamWorldToServer = async (
  world: World,
  target: {
    url: string;
    apiKey: string;
    concurrency: number;
    rate?: number;
    batchSize: number;
    out?: string;
    gzip?: boolean;
    truth?: boolean;
  },
  onEvents: (events: number) => void,
): Promise<{ load: LoadSummary; summary: ScenarioSummary }> => {
  const out = target.out;
  const files = out ? new NdjsonSourceWriter(join(out, 'events'), target.gzip ?? false) : undefined;
  if (out) await mkdir(join(out, 'events'), { recursive: true });
  const truth = out && target.truth !== false ? await TruthFileWriter.open(join(out, 'truth')) : undefined;
  async function* generated(): AsyncGenerator<SimEvent[]> {
    for (const batch of world.batches(truth)) {
      await truth?.flush();
      await files?.write(batch);
      yield batch;
    }
  }
  const load = await runLoad({
    url: target.url,
    apiKey: target.apiKey,
    batches: requestBatchesAsync(generated(), target.batchSize),
    concurrency: target.concurrency,
    ...(target.rate !== undefined ? { ratePerSecond: target.rate } : {}),
    onProgress: (p) => onEvents(p.events),
  });
  await files?.close();
  const summary = world.summary();
  await truth?.close(summary);
  return { load, summary };
};

const describeWorld = (options: SimulationOptions): string =>
  `seed ${options.seed}, ${options.subscribers} subscribers, ${options.days} day(s) from ${new Date(options.start).toISOString()}`;

export const registerSimulateCommand = (program: Command): void => {
  program
    .command('simulate')
    .description('Generate a synthetic telecom operator: NDJSON files per source with ground truth, or streamed into a running server')
    .option('--seed <seed>', 'seed (number or text); the same seed gives byte-identical output', '1')
    .option('--subscribers <n>', 'lines in the population', '1000')
    .option('--days <n>', 'days of simulated time (0: the population only)', '1')
    .option('--start <iso>', 'start of simulated time (UTC)', '2026-01-01T00:00:00Z')
    .option('--out <dir>', 'write events/<source>.ndjson and truth/ under this directory')
    .option('--gzip', 'gzip the event files')
    .option('--no-truth', 'do not write the ground truth')
    .option('--url <url>', 'stream into a running server (POST /v1/events) instead of, or as well as, --out')
    .option('--api-key <key>', 'API key with events:write for --url (default: TESSERA_ADMIN_KEY)')
    .option('--rate <eventsPerSecond>', 'aim for this many events per second (default: as fast as the server takes them)')
    .option('--concurrency <n>', 'requests in flight', '4')
    .option('--batch-size <n>', "events per request (at most the server's TESSERA_MAX_BATCH_EVENTS)", '500')
    .option('--demo-volumes', 'thin network records to the demo rate (about 10 events per line and day)')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: SimulateOptions) => {
      if (!opts.out && !opts.url) {
        process.stderr.write('tessera simulate: give --out DIR, --url URL, or both\n');
        process.exit(2);
      }
      let options: SimulationOptions;
      try {
        options = resolveOptions({
          seed: seedOf(opts.seed),
          subscribers: positiveInt('subscribers', opts.subscribers),
          days: positiveInt('days', opts.days, 0),
          start: opts.start,
          ...(opts.demoVolumes ? { volumes: DEMO_VOLUMES } : {}),
        });
      } catch (err) {
        process.stderr.write(`tessera simulate: ${(err as Error).message}\n`);
        process.exit(2);
      }
      const world = createWorld(options);
      process.stderr.write(`tessera simulate: ${describeWorld(options)}\n`);
      const bar = progressBar(opts.progress, estimateEvents(options));
      const started = performance.now();
      if (opts.url) {
        const apiKey = apiKeyForUrl('simulate', opts.apiKey);
        const { load, summary } = await streamWorldToServer(
          world,
          {
            url: opts.url,
            apiKey,
            concurrency: positiveInt('concurrency', opts.concurrency),
            batchSize: positiveInt('batch-size', opts.batchSize),
            ...(opts.rate !== undefined ? { rate: positiveInt('rate', opts.rate) } : {}),
            ...(opts.out ? { out: opts.out } : {}),
            gzip: opts.gzip ?? false,
            truth: opts.truth,
          },
          (n) => bar.update(n),
        );
        bar.stop();
        process.stdout.write(`${formatLoadSummary(load)}\n`);
        process.stdout.write(`${JSON.stringify({ ...load, scenarios: summary.counts })}\n`);
        if (load.failedRequests > 0) process.exitCode = 1;
        return;
      }
      let done = 0;
      const result = await writeWorldToFiles(world, {
        dir: opts.out as string,
        gzip: opts.gzip ?? false,
        truth: opts.truth,
        onBatch: (n) => bar.update((done += n)),
      });
      bar.stop();
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `  wrote ${result.events} events (${(result.bytes / 1e6).toFixed(1)} MB uncompressed) to ${join(opts.out as string, 'events')} ` +
          `in ${seconds.toFixed(1)} s (${Math.round(result.events / seconds)} events/s); sources: ${result.sources.join(', ')}\n`,
      );
      process.stdout.write(
        `${JSON.stringify({ events: result.events, seconds: Math.round(seconds * 10) / 10, eventsPerSecond: Math.round(result.events / seconds), scenarios: result.summary.counts })}\n`,
      );
    });
};
