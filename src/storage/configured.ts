import { resolve } from 'node:path';
import type { Config } from '../core/config.js';
import { openStorage, sqliteFileIn, type Storage } from './database.js';

/** The store the configuration names: PostgreSQL when `TESSERA_PG_URL` is set, else SQLite in the data directory. */
export const openConfiguredStorage = (
  config: Pick<Config, 'pgUrl' | 'dataDir'> & Partial<Pick<Config, 'sqliteWalAutocheckpoint'>>,
  options: { readonly cacheMiB?: number } = {},
): Storage =>
  config.pgUrl
    ? openStorage({ backend: 'postgres', url: config.pgUrl })
    : openStorage({
        backend: 'sqlite',
        file: sqliteFileIn(config.dataDir),
        ...options,
        ...(config.sqliteWalAutocheckpoint === undefined ? {} : { walAutocheckpoint: config.sqliteWalAutocheckpoint }),
      });

/** Names the configured store, the same in every thread of a process (for signals between them). */
export const storeKeyOf = (config: Pick<Config, 'pgUrl' | 'dataDir'>): string => config.pgUrl ?? resolve(config.dataDir);
