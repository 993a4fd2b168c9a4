import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, sql, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import pg from 'pg';
import type { Db } from './tables.js';

export type Backend = 'sqlite' | 'postgres';

export interface Storage {
  readonly db: Db;
  readonly backend: Backend;
  /** PostgreSQL: the schema Tessera's tables live in (the search path's, or public). */
  readonly schema?: string;
  /**
   * SQLite: when the write-ahead log has grown past `limitBytes`, checkpoints it and truncates it
   * (answers whether it did). With several connections (threads, processes) reading and writing
   * without pause, SQLite's automatic checkpoint never finds a moment with no reader, so the log
   * grows without bound and every read slows; the background work calls this between batches.
   * PostgreSQL: nothing to do.
   */
  maintain(limitBytes?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The WAL size past which `maintain` checkpoints and truncates it. */
export const WAL_LIMIT_BYTES = 256 * 2 ** 20;

export type StorageOptions =
  | {
      readonly backend: 'sqlite';
      readonly file: string;
      /** SQLite's page cache for this connection, in MiB (default 32): the pipeline's connection needs it, readers less. */
      readonly cacheMiB?: number;
      /** Pages the write-ahead log may hold before a commit checkpoints it (SQLite's default 1,000). */
      readonly walAutocheckpoint?: number;
    }
  | { readonly backend: 'postgres'; readonly url: string; readonly searchPath?: string; readonly poolSize?: number };

export const SQLITE_FILE_NAME = 'tessera.sqlite';

/**
 * The page cache of the connection that runs the pipeline (and of single-thread commands). It was
 * 64 MiB; at 32 the pipeline ran as fast within the noise of the shared machine, and the file's
 * pages stay in the operating system's cache anyway (BENCHMARKS.md, 2026-12-07).
 */
const DEFAULT_CACHE_MIB = 32;
/** How long a connection waits for another's write lock before answering SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;
/**
 * The page cache of a connection that serves reads and appends (the HTTP and ingest threads of
 * `tessera start`): the operating system caches the file's pages anyway, and each connection's
 * own cache is resident memory of the process.
 */
export const READER_CACHE_MIB = 16;

export const sqliteFileIn = (dataDir: string): string => {
  mkdirSync(dataDir, { recursive: true });
  return join(dataDir, SQLITE_FILE_NAME);
};

// int8 (OID 20) arrives as a string by default; sequence numbers and counts fit a JS number.
const PG_INT8 = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === PG_INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export const openStorage = (options: StorageOptions): Storage => {
  if (options.backend === 'sqlite') {
    const database = new SQLite(options.file);
    // WAL with synchronous=NORMAL: a committed transaction survives a crash of the process
    // (kill -9); only a power loss can lose the last commits. See docs/decisions/0002.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
    database.pragma(`cache_size = -${(options.cacheMiB ?? DEFAULT_CACHE_MIB) * 1024}`);
    database.pragma('temp_store = MEMORY');
    if (options.walAutocheckpoint !== undefined) database.pragma(`wal_autocheckpoint = ${options.walAutocheckpoint}`);
    // After a checkpoint resets the log, the file is cut back to this size rather than kept at its peak.
    database.pragma(`journal_size_limit = ${64 * 2 ** 20}`);
    keepPreparedStatements(database);
    const db: Db = new Kysely({ dialect: new ImmediateSqliteDialect({ database }) });
    const walFile = `${options.file}-wal`;
    const maintain = async (limitBytes = WAL_LIMIT_BYTES): Promise<boolean> => {
      let size = 0;
      try {
        size = statSync(walFile).size;
      } catch {
        return false;
      }
      if (size <= limitBytes) return false;
      // Through Kysely's connection, so it waits its turn behind this connection's transactions;
      // TRUNCATE waits (busy timeout) for other connections' readers of the log to finish.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
      return true;
    };
    return { db, backend: 'sqlite', maintain, close: () => db.destroy() };
  }
  const schema = options.searchPath ?? searchPathOf(options.url) ?? 'public';
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return { db, backend: 'postgres', schema, maintain: async () => false, close: () => db.destroy() };
};

/** Statements kept prepared per connection (least recently used out first). */
const PREPARED_STATEMENTS = 256;

/**
 * Kysely's SQLite driver prepares every statement it runs, and better-sqlite3 parses the SQL text
 * again each time: for the pipeline's multi-row statements (up to thousands of parameters) the
 * parse cost about as much as the work. The connection keeps its prepared statements by SQL text
 * instead. Safe because the driver runs each statement to completion (`all` or `run`, never an
 * open `iterate`), one at a time on the connection; SQLite re-prepares a kept statement itself
 * when the schema changes.
 */
const keepPreparedStatements = (database: SQLite.Database): void => {
  const prepare = database.prepare.bind(database);
  const kept = new Map<string, SQLite.Statement>();
  database.prepare = ((source: string) => {
    let statement = kept.get(source);
    if (statement === undefined) {
      statement = prepare(source);
      if (kept.size >= PREPARED_STATEMENTS) kept.delete(kept.keys().next().value as string);
    } else kept.delete(source);
    kept.set(source, statement);
    return statement;
  }) as typeof database.prepare;
};

/** The first schema of a `search_path` given in the URL's `options` parameter, if any. */
const searchPathOf = (url: string): string | undefined => {
  const options = new URL(url).searchParams.get('options') ?? '';
  return /search_path=([A-Za-z0-9_]+)/.exec(options)?.[1];
};

/**
 * SQLite transactions begin IMMEDIATE: the write lock is taken at BEGIN, where the busy timeout
 * waits for it. A DEFERRED transaction that reads first and writes later fails at once with
 * SQLITE_BUSY when another connection — another thread or process — committed in between.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];

  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  /**
   * SQLite's busy handler normally waits out the other writer, but measured under load (a writer
   * thread and a profiler) BEGIN IMMEDIATE once answered SQLITE_BUSY after 66 ms with the
   * 5-second timeout set, and an API write failed with 500. Nothing has happened at BEGIN, so it is
   * tried again, with short pauses, until the busy timeout has passed.
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const started = performance.now();
    for (let pause = 1; ; pause = Math.min(2 * pause, 50)) {
      try {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || performance.now() - started + pause > BUSY_TIMEOUT_MS) throw err;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}
