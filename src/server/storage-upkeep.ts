import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_WAL_CHECKPOINTS, openConfiguredStorage, READER_CACHE_MIB, sqliteFileIn, type Storage } from '../storage/index.js';
import { WalCheckpointer } from './wal-checkpointer.thread.js';

/**
 * Who checkpoints the embedded store's write-ahead log for this composition root:
 * - `connection`: SQLite itself, at the commit that takes the log past 1,000 pages, and
 *   `startStorageMaintenance` truncates it when readers let it grow (tests, the CLI's commands,
 *   `tessera start --role worker`);
 * - `thread`: a thread of its own that this root starts (`WalCheckpointer`; `tessera start`, the
 *   benchmarks): no write of this process waits for a checkpoint;
 * - `external`: another thread of the process runs it (the ingest and background threads of
 *   `tessera start`).
 * PostgreSQL checkpoints by itself: all three mean nothing there.
 */
export type CheckpointMode = 'connection' | 'thread' | 'external';

/** The configured store, with the page cache and checkpointing of this thread's role. */
export const openStorageFor = (config: Config, options: { readonly reader: boolean; readonly checkpoints: CheckpointMode }): Storage =>
  openConfiguredStorage(config, {
    ...(options.reader ? { cacheMiB: READER_CACHE_MIB } : {}),
    autoCheckpoint: options.checkpoints === 'connection',
  });

/** Starts the checkpointer thread when the mode asks for one and the store is SQLite. */
export const startCheckpointerFor = async (
  config: Config,
  storage: Storage,
  mode: CheckpointMode,
  onFailure: (err: Error) => void,
): Promise<WalCheckpointer | undefined> =>
  mode === 'thread' && storage.backend === 'sqlite'
    ? WalCheckpointer.start(sqliteFileIn(config.dataDir), DEFAULT_WAL_CHECKPOINTS, onFailure)
    : undefined;

/** Keeps the embedded store's write-ahead log bounded (see `Storage.maintain`): a look every few seconds. */
export const startStorageMaintenance = (storage: Storage, log: Logger, everyMs = 5000): (() => void) => {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const started = Date.now();
    storage
      .maintain()
      .then((done) => {
        if (done) log.info({ ms: Date.now() - started }, 'write-ahead log checkpointed and truncated');
      })
      .catch((err: unknown) => log.warn({ err }, 'write-ahead log checkpoint failed; retried later'))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};
