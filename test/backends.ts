import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { openStorage, type Backend, type Storage } from '../src/storage/index.js';

/**
 * The backends every storage and HTTP integration suite runs against, the way Kysely loops over
 * its dialects: SQLite always, PostgreSQL when TESSERA_TEST_PG_URL is set. Each opened store is
 * isolated: a temporary SQLite file, or a fresh PostgreSQL schema dropped afterwards.
 */
export interface TestStore {
  readonly storage: Storage;
  /** For a child process: the data dir (SQLite) or a URL whose search_path is this store's schema. */
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface TestBackend {
  readonly name: Backend;
  open(): Promise<TestStore>;
  /** Opens the same database again (a restart), without cleaning up. */
  reopen(store: TestStore): Storage;
}

const pgUrl = process.env.TESSERA_TEST_PG_URL;
let counter = 0;

const sqlite: TestBackend = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
    const storage = openStorage({ backend: 'sqlite', file: join(dir, 'tessera.sqlite') });
    return {
      storage,
      env: { TESSERA_DATA_DIR: dir },
      cleanup: async () => {
        await storage.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  reopen(store) {
    return openStorage({ backend: 'sqlite', file: join(store.env.TESSERA_DATA_DIR as string, 'tessera.sqlite') });
  },
};

const withSearchPath = (url: string, schema: string): string => {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
};

const postgres = (url: string): TestBackend => ({
  name: 'postgres',
  async open() {
    const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const storage = openStorage({ backend: 'postgres', url, searchPath: schema, poolSize: 4 });
    return {
      storage,
      env: { TESSERA_PG_URL: withSearchPath(url, schema), PG_SCHEMA: schema },
      cleanup: async () => {
        await storage.close().catch(() => undefined);
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      },
    };
  },
  reopen(store) {
    return openStorage({ backend: 'postgres', url, searchPath: store.env.PG_SCHEMA as string, poolSize: 4 });
  },
});

export const BACKENDS: readonly TestBackend[] = pgUrl ? [sqlite, postgres(pgUrl)] : [sqlite];

/** One suite, every backend: `describeEachBackend('ingest', (backend) => { … })`. */
export const describeEachBackend = (title: string, body: (backend: TestBackend) => void): void => {
  for (const backend of BACKENDS) describe(`${title} [${backend.name}]`, () => body(backend));
};
