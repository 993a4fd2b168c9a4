import { isMainThread, workerData } from 'node:worker_threads';
import type { Config } from '../core/config.js';
import { BACKGROUND_NICENESS, lowerThreadPriority, ThreadClient, serveThread, WORKER_YOUNG_GENERATION_MB } from './threads.js';

/**
 * The embedded runtime's background work — the pipeline, the timeline indexer, event retention —
 * in a thread of its own (decision 0009), so that a pipeline batch never holds up an HTTP answer.
 * The thread builds the same services from the same configuration, without listening.
 */
export const startBackgroundThread = (config: Config, onFailure: (err: Error) => void): Promise<ThreadClient> =>
  ThreadClient.start(new URL(import.meta.url), { background: config }, onFailure, { youngGenerationMb: WORKER_YOUNG_GENERATION_MB });

const serveBackground = async (config: Config): Promise<void> => {
  // A batch may wait a few milliseconds when the cores are busy; an answer should not.
  lowerThreadPriority(BACKGROUND_NICENESS);
  // Imported here: the composition root imports this module, and the thread needs the root.
  const { createTessera } = await import('./app.js');
  const tessera = await createTessera(config, { migrate: false, routes: false });
  tessera.startBackground();
  serveThread({ close: () => tessera.close() });
};

// Not awaited: the module must finish evaluating, as the composition root it loads imports it back.
// A failure is an unhandled rejection, which ends the thread with an error the HTTP thread sees.
if (!isMainThread && (workerData as { background?: Config } | null)?.background)
  void serveBackground((workerData as { background: Config }).background);
