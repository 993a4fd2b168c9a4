export {
  openStorage,
  READER_CACHE_MIB,
  sqliteFileIn,
  SQLITE_FILE_NAME,
  type Backend,
  type Storage,
  type StorageOptions,
} from './database.js';
export { compiledOnce, dialectOf, runInChunks, sizesOf } from './compiled-statements.js';
export { openConfiguredStorage, storeKeyOf } from './configured.js';
export { migrateTo, migrateToLatest, MigrationError } from './migrator.js';
export type * from './tables.js';
