import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import pg from 'pg';
import type { Db } from './tables.js';

export type Backend = 'sqlite' | 'postgres';

export interface Storage {
  readonly db: Db;
  readonly backend: Backend;
  /** PostgreSQL: the schema Tessera's tables live in (the search path's, or public). */
  readonly schema?: string;
  close(): Promise<void>;
}

export type StorageOptions =
  | { readonly backend: 'sqlite'; readonly file: string }
  | { readonly backend: 'postgres'; readonly url: string; readonly searchPath?: string; readonly poolSize?: number };

export const SQLITE_FILE_NAME = 'tessera.sqlite';

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
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    database.pragma('cache_size = -65536');
    database.pragma('temp_store = MEMORY');
    const db: Db = new Kysely({ dialect: new ImmediateSqliteDialect({ database }) });
    return { db, backend: 'sqlite', close: () => db.destroy() };
  }
  const schema = options.searchPath ?? searchPathOf(options.url) ?? 'public';
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return { db, backend: 'postgres', schema, close: () => db.destroy() };
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
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
