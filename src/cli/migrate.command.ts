import type { Command } from 'commander';
import { openConfiguredStorage } from '../storage/index.js';
import { migrateToLatest } from '../storage/index.js';
import { withConfigOption } from './command-options.js';
import { loadConfigOrExit } from './load-config.js';

export const registerMigrateCommand = (program: Command): void => {
  withConfigOption(program.command('migrate').description('Apply database migrations and exit (`start` also migrates)')).action(
    async (options: { config?: string }) => {
      const config = loadConfigOrExit(options.config);
      const storage = openConfiguredStorage(config);
      try {
        const result = await migrateToLatest(storage);
        const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
        process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : `${storage.backend}: already up to date\n`);
      } finally {
        await storage.close();
      }
    },
  );
};
