import { isMainThread, workerData } from 'node:worker_threads';
import { lowerThreadPriority, serveThread, ThreadClient } from '../server/threads.js';
import { runLoad, type LoadSummary } from '../simulator/index.js';
import { benchBatches } from './bench-events.js';

/** Bench events sent to a server until stopped: from event `from` on, over `lines` lines. */
export interface IngestLoad {
  readonly url: string;
  readonly apiKey: string;
  readonly lines: number;
  readonly from: number;
  readonly prefix: string;
  /** Events a second to keep to; unset sends as fast as the server answers. */
  readonly ratePerSecond?: number;
  /** Events per request (default 500). */
  readonly perRequest?: number;
}

export interface RunningIngestLoad {
  /** Stops sending, waits for the requests in flight, and answers what was sent. */
  readonly stop: () => Promise<LoadSummary>;
}

/**
 * Ingest load from a thread of its own, so that building and serialising its batches never holds
 * up the event loop of a stage that times other requests (the lookup stage's latencies would
 * otherwise include the load driver's own pauses).
 */
export const startIngestLoad = async (load: IngestLoad): Promise<RunningIngestLoad> => {
  let failure: Error | undefined;
  const client = await ThreadClient.start(new URL(import.meta.url), { ingestLoad: load }, (err) => {
    failure = err;
  });
  const done = client.call<LoadSummary>('run');
  return {
    stop: async () => {
      if (failure) throw failure;
      await client.call('stop');
      const summary = await done;
      await client.close();
      return summary;
    },
  };
};

/**
 * The load driver stands for clients on other machines: on the benchmark's own two cores it yields
 * to the server and to the stage's timed requests, as a remote client's CPU would not compete.
 */
const LOAD_DRIVER_NICENESS = 15;

if (!isMainThread && (workerData as { ingestLoad?: IngestLoad } | null)?.ingestLoad) {
  lowerThreadPriority(LOAD_DRIVER_NICENESS);
  const load = (workerData as { ingestLoad: IngestLoad }).ingestLoad;
  let stopped = false;
  serveThread({
    run: () =>
      runLoad({
        url: `${load.url}/v1/events`,
        apiKey: load.apiKey,
        // Paced load may fall behind a slow answer: a second request in flight lets it catch up.
        concurrency: load.ratePerSecond === undefined ? 1 : 2,
        ...(load.ratePerSecond === undefined ? {} : { ratePerSecond: load.ratePerSecond }),
        batches: (function* () {
          const size = load.perRequest ?? 500;
          for (let i = 0; !stopped; i++) yield* benchBatches(load.from + i * size, size, load.lines, load.prefix, size);
        })(),
      }),
    stop: async () => {
      stopped = true;
    },
    close: async () => undefined,
  });
}
