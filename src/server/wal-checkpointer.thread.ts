import { isMainThread, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { WalCheckpoints, type WalCheckpointPolicy } from '../storage/index.js';
import { BACKGROUND_NICENESS, lowerThreadPriority, serveThread, ThreadClient, type ThreadHeap } from './threads.js';

interface CheckpointerData {
  readonly file: string;
  readonly policy: WalCheckpointPolicy;
}

/** What the checkpointer has done since it started. */
export interface CheckpointerStats {
  readonly passive: number;
  readonly truncated: number;
  /** Checkpoints that could not finish (a reader held an older snapshot, or a truncation timed out): retried. */
  readonly busy: number;
  /** At the last look: the frames in the log, and those of them not yet copied into the database file. */
  readonly logFrames: number;
  readonly behindFrames: number;
}

/**
 * The embedded store's write-ahead log checkpointed by a thread of its own (`WalCheckpoints`), so
 * that no ingest batch, pipeline batch or merge waits for a checkpoint's copy and fsync. Started
 * by the composition root of `tessera start` (and by the benchmarks, which run as it does); the
 * connections of that process then open with `autoCheckpoint: false`.
 */
export class WalCheckpointer {
  readonly #client: ThreadClient;

  private constructor(client: ThreadClient) {
    this.#client = client;
  }

  static async start(file: string, policy: WalCheckpointPolicy, onFailure: (err: Error) => void): Promise<WalCheckpointer> {
    const data: CheckpointerData = { file, policy };
    return new WalCheckpointer(await ThreadClient.start(new URL(import.meta.url), { walCheckpointer: data }, onFailure));
  }

  stats(): Promise<CheckpointerStats> {
    return this.#client.call<CheckpointerStats>('stats');
  }

  heap(): Promise<ThreadHeap> {
    return this.#client.heap();
  }

  /** Runs a last checkpoint and ends the thread. */
  close(): Promise<void> {
    return this.#client.close();
  }
}

const serveCheckpointer = (data: CheckpointerData): void => {
  // Copying pages can wait; the threads that answer and write should not wait for it.
  lowerThreadPriority(BACKGROUND_NICENESS);
  const database = new SQLite(data.file, { fileMustExist: true });
  database.pragma('busy_timeout = 5000');
  const checkpoints = new WalCheckpoints(database, data.file, data.policy);
  const stats = { passive: 0, truncated: 0, busy: 0, logFrames: 0, behindFrames: 0 };
  const run = (): void => {
    try {
      const outcome = checkpoints.run();
      if (outcome.kind === 'none') return;
      stats[outcome.kind === 'truncate' ? 'truncated' : 'passive']++;
      stats.logFrames = Math.max(0, outcome.frames);
      stats.behindFrames = Math.max(0, outcome.frames - outcome.copied);
      if (outcome.busy) stats.busy++;
    } catch (err) {
      // A truncation that waited past the busy timeout for readers: the next look tries again.
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      stats.busy++;
    }
  };
  const timer = setInterval(run, data.policy.everyMs);
  serveThread({
    stats: async () => ({ ...stats }),
    close: async () => {
      clearInterval(timer);
      run();
      database.close();
    },
  });
};

if (!isMainThread && (workerData as { walCheckpointer?: CheckpointerData } | null)?.walCheckpointer)
  serveCheckpointer((workerData as { walCheckpointer: CheckpointerData }).walCheckpointer);
