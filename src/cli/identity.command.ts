import type { Command } from 'commander';
import { createTessera } from '../server/app.js';
import { configHelp, loadConfigOrExit } from './load-config.js';

/**
 * `tessera identity rebuild`: forgets everything identity resolution derived (not the operators'
 * link removals) and replays the event log from the start through the same code as the pipeline.
 * Run it with the server stopped; it answers how many events and profiles it resolved.
 */
export const registerIdentityCommand = (program: Command): void => {
  const identity = program.command('identity').description('Identity resolution maintenance');
  identity
    .command('rebuild')
    .description('Rebuild the identity graph from the event log (stop the server first); link removals are kept')
    .option('-c, --config <file>', 'JSON file with TESSERA_* keys (the environment wins)')
    .addHelpText('after', configHelp())
    .action(async (options: { config?: string }) => {
      const config = loadConfigOrExit(options.config);
      const tessera = await createTessera(config);
      try {
        const started = Date.now();
        await tessera.storage.db.transaction().execute((trx) => tessera.services.pipeline.reset(trx));
        const { events } = await tessera.services.pipeline.drain();
        const profiles = await tessera.storage.db
          .selectFrom('profiles')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('merged_into', 'is', null)
          .executeTakeFirstOrThrow();
        process.stdout.write(
          `rebuilt: ${events} events resolved into ${Number(profiles.n)} profiles in ${Math.round((Date.now() - started) / 100) / 10} s\n`,
        );
      } finally {
        await tessera.close();
      }
    });
};
