import { statSync } from 'node:fs';
import type SQLite from 'better-sqlite3';
import { WAL_LIMIT_BYTES } from './database.js';

/** When the embedded store's write-ahead log is checkpointed from a connection of its own. */
export interface WalCheckpointPolicy {
  /** A passive checkpoint this often (ms): it copies what was committed since the last one. */
  readonly everyMs: number;
  /** Above this size the log is checkpointed and truncated (which waits for the readers of older snapshots). */
  readonly truncateAboveBytes: number;
}

export const DEFAULT_WAL_CHECKPOINTS: WalCheckpointPolicy = { everyMs: 200, truncateAboveBytes: WAL_LIMIT_BYTES };

export type CheckpointOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'passive' | 'truncate'; readonly frames: number; readonly copied: number; readonly busy: boolean };

/**
 * The checkpoints of one SQLite file, run from a connection that does nothing else (in a thread of
 * its own: `src/server/wal-checkpointer.thread.ts`). A checkpoint copies the pages committed to the
 * write-ahead log back into the database file and syncs it; left to SQLite, the connection whose
 * commit takes the log past 1,000 pages does it there and then, so an ingest batch or a pipeline
 * batch waited for the copy and its fsync, and a merge's p99 was a checkpoint's time. The writers'
 * connections then never checkpoint (`autoCheckpoint: false`), and this one copies what they wrote
 * every `everyMs`; a page written again before the next checkpoint is copied once. A passive
 * checkpoint never waits for a reader or a writer; when the log has grown past
 * `truncateAboveBytes` anyway (readers kept old snapshots open), it is truncated, waiting for them.
 */
export class WalCheckpoints {
  readonly #database: SQLite.Database;
  readonly #walFile: string;
  readonly #policy: WalCheckpointPolicy;

  constructor(database: SQLite.Database, file: string, policy: WalCheckpointPolicy = DEFAULT_WAL_CHECKPOINTS) {
    this.#database = database;
    this.#walFile = `${file}-wal`;
    this.#policy = policy;
  }

  get policy(): WalCheckpointPolicy {
    return this.#policy;
  }

  /** One look: a passive checkpoint, or a truncating one when the log is too large. */
  run(): CheckpointOutcome {
    let size: number;
    try {
      size = statSync(this.#walFile).size;
    } catch {
      return { kind: 'none' };
    }
    const kind = size > this.#policy.truncateAboveBytes ? 'truncate' : 'passive';
    const [result] = this.#database.pragma(`wal_checkpoint(${kind === 'truncate' ? 'TRUNCATE' : 'PASSIVE'})`) as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    if (result === undefined) return { kind: 'none' };
    return { kind, frames: result.log, copied: result.checkpointed, busy: result.busy !== 0 };
  }
}
