import { CompiledQuery, type Compilable } from 'kysely';
import type { Db } from './tables.js';

/*
 * The pipeline writes and reads thousands of rows a batch. Kysely's builder turns each value into
 * an operation node and compiles the tree again for every statement, which cost more than SQLite's
 * own work on the rows; so a hot statement's shape is compiled once per dialect and row count
 * (counts are powers of two, or a full chunk: a handful of shapes serve every size) and run with
 * fresh parameters.
 */
const templates = new Map<string, string>();
const dialects = new WeakMap<Db, 'sqlite' | 'postgres'>();

/** Which backend a handle (or a transaction of it) talks to: told by its placeholder style (`?` for SQLite, `$1` for PostgreSQL). */
export const dialectOf = (db: Db): 'sqlite' | 'postgres' => {
  let dialect = dialects.get(db);
  if (dialect === undefined) {
    const text = db.selectFrom('profile_state').select('profile_id').where('profile_id', '=', '').compile().sql;
    dialects.set(db, (dialect = text.includes('$1') ? 'postgres' : 'sqlite'));
  }
  return dialect;
};

/** The SQL text of a statement shape, compiled by Kysely the first time it is asked for on this dialect. */
export const compiledOnce = (db: Db, shape: string, build: () => Compilable): string => {
  const key = `${dialectOf(db)}\n${shape}`;
  let text = templates.get(key);
  if (text === undefined) templates.set(key, (text = build().compile().sql));
  return text;
};

/** Splits n into full chunks and powers of two, so that a handful of statement shapes serve every size. */
export const sizesOf = (n: number, chunk: number): number[] => {
  const sizes: number[] = [];
  let left = n;
  while (left >= chunk) {
    sizes.push(chunk);
    left -= chunk;
  }
  for (let size = chunk; size >= 1; size >>= 1) {
    if (left >= size) {
      sizes.push(size);
      left -= size;
    }
  }
  return sizes;
};

/**
 * Runs a multi-row statement over `rows` in chunks: `sqlFor(size)` is the statement for `size`
 * rows (from `compiledOnce`), `parametersOf` appends one row's parameters in the statement's order.
 */
export const runInChunks = async <R>(
  db: Db,
  rows: readonly R[],
  chunk: number,
  sqlFor: (size: number) => string,
  parametersOf: (row: R, into: unknown[]) => void,
): Promise<void> => {
  let at = 0;
  for (const size of sizesOf(rows.length, chunk)) {
    const parameters: unknown[] = [];
    for (let i = at; i < at + size; i++) parametersOf(rows[i] as R, parameters);
    at += size;
    await db.executeQuery(CompiledQuery.raw(sqlFor(size), parameters));
  }
};
