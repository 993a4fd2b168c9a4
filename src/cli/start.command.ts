import { Option, type Command } from 'commander';
import { ContractFileError } from '../contracts/index.js';
import { AppError } from '../core/errors.js';
import { createTessera, type Tessera } from '../server/app.js';
import { limitHeapGrowth } from '../server/threads.js';
import { withConfigOption } from './command-options.js';
import { exitOnConfigError, loadConfig } from './load-config.js';

/** How long a stop waits for the running batch and the threads before it exits anyway. */
const SHUTDOWN_LIMIT_MS = 20_000;

export const registerStartCommand = (program: Command): void => {
  withConfigOption(
    program.command('start').description('Start the Tessera server (embedded SQLite under ./data unless TESSERA_PG_URL is set)'),
  )
    .option('-p, --port <port>', 'HTTP port (overrides TESSERA_PORT)')
    .addOption(
      new Option(
        '--role <role>',
        'all: API, pipeline and background jobs in one process; api: HTTP only; worker: pipeline and jobs (and /health)',
      )
        .choices(['all', 'api', 'worker'])
        .default('all'),
    )
    .action(async (options: { config?: string; port?: string; role: 'all' | 'api' | 'worker' }) => {
      let tessera: Tessera;
      try {
        const config = loadConfig(options.config, options.port !== undefined ? { TESSERA_PORT: options.port } : {});
        limitHeapGrowth(config.heapGrowthPercent);
        // The HTTP thread only reads; ingestion and the pipeline have threads of their own (decision 0009).
        const onFailure = (err: Error): void => {
          process.stderr.write(`tessera: a worker thread failed, stopping: ${err.stack ?? err.message}\n`);
          process.exit(70);
        };
        tessera = await createTessera(config, options.role === 'worker' ? {} : { threads: { onFailure } });
      } catch (err) {
        if (err instanceof ContractFileError || err instanceof AppError) {
          process.stderr.write(`tessera: cannot start: ${err.message}\n`);
          for (const detail of err instanceof AppError ? err.details : [])
            process.stderr.write(`  - ${detail.path ?? ''} ${detail.message}\n`);
          process.exit(2);
        }
        return exitOnConfigError(err);
      }
      const { config, http, log } = tessera;
      const address = await http.listen({ port: config.port, host: config.host });
      if (options.role !== 'api') tessera.startBackground();
      log.info(
        { address, role: options.role, backend: tessera.storage.backend, dataDir: config.pgUrl ? undefined : config.dataDir },
        'tessera started',
      );
      if (tessera.generatedAdminKey) {
        // Printed once, on the start that created it; only its hash is stored.
        process.stdout.write(
          `\n  Admin API key (shown once, store it now): ${tessera.generatedAdminKey}\n` +
            `  Use it as: Authorization: Bearer <key>. API docs: ${address.replace('0.0.0.0', '127.0.0.1')}/docs\n\n`,
        );
      }
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'tessera stopping');
        // Every write is transactional (a kill -9 loses nothing committed), so a shutdown that a long
        // batch holds up is cut short rather than left hanging.
        setTimeout(() => {
          log.error({ afterMs: SHUTDOWN_LIMIT_MS }, 'shutdown took too long; exiting without waiting further');
          process.exit(1);
        }, SHUTDOWN_LIMIT_MS).unref();
        tessera.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
};
