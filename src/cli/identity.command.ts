import type { Command } from 'commander';
import { identityStore } from '../identity/index.js';
import { createTessera } from '../server/app.js';
import { withConfigOption } from './command-options.js';
import { loadConfigOrExit } from './load-config.js';

/**
 * `tessera identity rebuild`: forgets everything identity resolution derived (not the operators'
 * link removals) and replays the event log from the start through the same code as the pipeline.
 * Run it with the server stopped; it answers how many events and profiles it resolved.
 */
export const registerIdentityCommand = (program: Command): void => {
  const identity = program.command('identity').description('Identity resolution maintenance');
  withConfigOption(
    identity
      .command('rebuild')
      .description('Rebuild the identity graph from the event log (stop the server first); link removals are kept'),
  ).action(async (options: { config?: string }) => {
    const config = loadConfigOrExit(options.config);
    const tessera = await createTessera(config);
    try {
      const started = Date.now();
      await tessera.storage.db.transaction().execute((trx) => tessera.services.pipeline.reset(trx));
      const { events } = await tessera.services.pipeline.drain();
      const profiles = await identityStore.liveProfileCount(tessera.storage.db);
      process.stdout.write(
        `rebuilt: ${events} events resolved into ${profiles} profiles in ${Math.round((Date.now() - started) / 100) / 10} s\n`,
      );
    } finally {
      await tessera.close();
    }
  });
};
