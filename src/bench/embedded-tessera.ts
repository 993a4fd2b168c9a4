import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../core/config.js';
import { Pipeline } from '../pipeline/index.js';
import { createTessera, type Tessera } from '../server/app.js';

/** Settings of the bench's environment an embedded run does not take: it is always the embedded store, alone. */
const NOT_TAKEN = new Set(['TESSERA_PG_URL', 'TESSERA_NATS_URL', 'TESSERA_DATA_DIR', 'TESSERA_LOG_LEVEL', 'TESSERA_CONTRACTS_DIR']);

/** The tuning settings (`TESSERA_*`) of the bench's environment, so that a stage can be run with another value. */
const tuning = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0].startsWith('TESSERA_') && !NOT_TAKEN.has(entry[0]) && entry[1] !== undefined,
    ),
  );

/**
 * Runs `work` against an embedded Tessera in this process, in a fresh data directory that is
 * removed afterwards: logs silent, no contracts directory (the built-in catalogue only), the
 * environment's tuning settings (`TESSERA_PIPELINE_BATCH_MS=0 npm run bench`, say).
 */
export const withEmbeddedTessera = async <T>(name: string, work: (tessera: Tessera) => Promise<T>): Promise<T> => {
  const dir = mkdtempSync(join(tmpdir(), `tessera-bench-${name}-`));
  const tessera = await createTessera(
    parseConfig({ ...tuning(), TESSERA_DATA_DIR: dir, TESSERA_LOG_LEVEL: 'silent', TESSERA_CONTRACTS_DIR: join(dir, 'none') }),
  );
  try {
    return await work(tessera);
  } finally {
    await tessera.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The identity stage alone: the same pipeline as the embedded one, with a profile stage that does nothing. */
export const identityOnlyPipeline = (tessera: Tessera): Pipeline =>
  new Pipeline({
    db: tessera.storage.db,
    eventLog: tessera.eventLog,
    identity: tessera.services.identity,
    timeline: tessera.services.timeline,
    profiles: { process: async () => undefined, advance: async () => 0, forgetCache: () => undefined },
    clock: { now: () => new Date() },
    log: tessera.log,
    batchSize: tessera.config.pipelineBatchEvents,
  });
