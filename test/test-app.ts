import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../src/core/clock.js';
import { parseConfig } from '../src/core/config.js';
import { createTessera, type Tessera } from '../src/server/app.js';
import type { Storage } from '../src/storage/index.js';
import type { TestBackend, TestStore } from './backends.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const bearer = (key: string = ADMIN_KEY) => ({ authorization: `Bearer ${key}` });
export const basic = (user: string, password = '') => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

export interface TestApp {
  readonly tessera: Tessera;
  readonly store: TestStore;
  /** Closes the app (not the store) and starts a new one on the same database: a restart. */
  restart(): Promise<TestApp>;
  close(): Promise<void>;
}

export const testConfig = (env: Record<string, string> = {}) =>
  parseConfig({
    TESSERA_ADMIN_KEY: ADMIN_KEY,
    TESSERA_LOG_LEVEL: 'silent',
    TESSERA_PORT: '0',
    TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-data-')),
    TESSERA_CONTRACTS_DIR: join(tmpdir(), 'tessera-no-contracts'),
    ...env,
  });

/** A running app (not listening; use `tessera.http.inject`) on a fresh store of the backend. */
export const startTestApp = async (
  backend: TestBackend,
  options: { env?: Record<string, string>; clock?: Clock; store?: TestStore; storage?: Storage } = {},
): Promise<TestApp> => {
  const store = options.store ?? (await backend.open());
  const storage = options.storage ?? store.storage;
  const tessera = await createTessera(testConfig(options.env), { storage, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    tessera,
    store,
    restart: async () => {
      await tessera.http.close();
      await storage.close();
      return startTestApp(backend, { ...options, store, storage: backend.reopen(store) });
    },
    close: async () => {
      await tessera.http.close();
      await storage.close().catch(() => undefined);
      await store.cleanup();
    },
  };
};
