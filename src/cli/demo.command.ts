import { join } from 'node:path';
import type { Command } from 'commander';
import { ContractFileError } from '../contracts/index.js';
import { AppError } from '../core/errors.js';
import { identityStore } from '../identity/index.js';
import { createTessera, type Tessera } from '../server/app.js';
import {
  DEMO_VOLUMES,
  createWorld,
  estimateEvents,
  formatLoadSummary,
  resolveOptions,
  type SimulationOptions,
} from '../simulator/index.js';
import { apiKeyForUrl, integerOption, seedOf } from './command-options.js';
import { exitOnConfigError, loadConfig } from './load-config.js';
import { progressBar, streamWorldToServer } from './simulate.command.js';

interface DemoOptions {
  url?: string;
  apiKey?: string;
  seed: string;
  subscribers: string;
  days: string;
  port: string;
  dataDir: string;
  config?: string;
  fullVolumes?: boolean;
  truth: boolean;
  exit?: boolean;
  progress: boolean;
}

const DAY_MS = 86_400_000;

/**
 * `tessera demo`: an embedded server (or --url) loaded with a synthetic operator big enough to
 * explore — thousands of lines, weeks of history, every scenario — with network records thinned to
 * the demo rate so loading takes a minute or two. Simulated time ends at today's UTC midnight, so
 * nothing lies in the future and the freshest data is recent.
 */
export const registerDemoCommand = (program: Command): void => {
  program
    .command('demo')
    .description('Start Tessera with a synthetic operator loaded (or load one into --url) and print where to look')
    .option('--url <url>', 'load into this running server instead of starting one')
    .option('--api-key <key>', 'API key for --url (default: TESSERA_ADMIN_KEY)')
    .option('--seed <seed>', 'seed of the world', 'demo')
    .option('--subscribers <n>', 'lines in the population', '3000')
    .option('--days <n>', 'days of history', '21')
    .option('-p, --port <port>', 'HTTP port of the embedded server', '8080')
    .option('--data-dir <dir>', 'data directory of the embedded server', './data/demo')
    .option('-c, --config <file>', 'JSON file with TESSERA_* keys for the embedded server')
    .option('--full-volumes', 'do not thin network records (about 65 events per line and day; slow to load)')
    .option('--no-truth', 'do not write the ground truth to <data-dir>/simulation')
    .option('--exit', 'stop after loading instead of serving until Ctrl-C')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: DemoOptions) => {
      const days = integerOption('demo', 'days', opts.days, 1);
      const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
      const options: SimulationOptions = resolveOptions({
        seed: seedOf(opts.seed),
        subscribers: integerOption('demo', 'subscribers', opts.subscribers, 1),
        days,
        start: today - days * DAY_MS,
        ...(opts.fullVolumes ? {} : { volumes: DEMO_VOLUMES }),
      });

      let tessera: Tessera | undefined;
      let url = opts.url;
      let apiKey = opts.apiKey;
      if (!url) {
        try {
          const config = loadConfig(opts.config, { TESSERA_PORT: opts.port, TESSERA_DATA_DIR: opts.dataDir });
          tessera = await createTessera(config);
          const address = await tessera.http.listen({ port: config.port, host: config.host });
          tessera.startBackground();
          url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
          apiKey = (await tessera.services.apiKeys.create('demo', ['admin'])).key;
        } catch (err) {
          if (err instanceof ContractFileError || err instanceof AppError) {
            process.stderr.write(`tessera demo: cannot start: ${err.message}\n`);
            process.exit(2);
          }
          exitOnConfigError(err);
          throw err;
        }
      } else apiKey = apiKeyForUrl('demo', apiKey, opts.config);

      const world = createWorld(options);
      process.stderr.write(`tessera demo: loading ${options.subscribers} subscribers × ${days} days (seed ${options.seed}) into ${url}\n`);
      const bar = progressBar(opts.progress, estimateEvents(options));
      const truthDir = join(opts.dataDir, 'simulation');
      const { load, summary } = await streamWorldToServer(
        world,
        {
          url: url as string,
          apiKey: apiKey as string,
          concurrency: 4,
          batchSize: 500,
          ...(opts.truth ? { out: truthDir, truth: true } : {}),
        },
        (n) => bar.update(n),
      );
      bar.stop();
      if (tessera) {
        const started = Date.now();
        process.stderr.write('tessera demo: resolving identities (the pipeline is catching up with the loaded events)…\n');
        await tessera.services.pipeline.caughtUp();
        const profiles = await identityStore.liveProfileCount(tessera.storage.db);
        process.stderr.write(
          `tessera demo: ${profiles} profiles resolved in ${Math.round((Date.now() - started) / 100) / 10} s after the load\n`,
        );
      }
      const c = summary.counts;
      process.stdout.write(
        `\n${formatLoadSummary(load)}\n\n` +
          `  World: ${c.lines ?? 0} lines, ${c.persons ?? 0} people, ${c['accounts.family'] ?? 0} family and ${c['accounts.b2b'] ?? 0} corporate accounts; ` +
          `${c.churned ?? 0} churned, ${c.recycledInWindow ?? 0} numbers recycled, ${c.simSwaps ?? 0} SIM swaps, ${c.roamingTrips ?? 0} roaming trips, ` +
          `${c['injected.broken'] ?? 0} broken events and ${c['injected.drift'] ?? 0} drifted app events in quarantine.\n` +
          (opts.truth ? `  Ground truth and event files: ${truthDir}\n` : '') +
          `\n  API:      ${url}/v1\n  API docs: ${url}/docs (user name anything, the API key as password)\n  API key:  ${apiKey}\n` +
          `  Try:      curl -H 'Authorization: Bearer ${apiKey}' ${url}/v1/quarantine\n` +
          `            curl -H 'Authorization: Bearer ${apiKey}' '${url}/v1/identity/findings'\n\n`,
      );
      process.stdout.write(`${JSON.stringify({ demo_load_seconds: Math.round(load.elapsedMs / 100) / 10, ...load, scenarios: c })}\n`);
      if (!tessera) return;
      const server = tessera;
      if (opts.exit) {
        await server.close();
        return;
      }
      process.stdout.write('  Serving until Ctrl-C.\n');
      const stop = (): void => {
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
};
