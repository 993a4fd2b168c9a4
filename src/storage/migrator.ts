import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import type { Storage } from './database.js';
import { foundation } from './migrations/0001-foundation.js';
import { identity } from './migrations/0002-identity.js';
import { timelineIndex } from './migrations/0003-timeline-index.js';
import { profiles } from './migrations/0004-profiles.js';

/** Migrations in order; names are stable once landed. */
const migrationsFor = (storage: Storage): Record<string, Migration> => ({
  '0001-foundation': foundation(storage.backend),
  '0002-identity': identity(),
  '0003-timeline-index': timelineIndex(storage.backend),
  '0004-profiles': profiles(),
});

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export const migrateToLatest = async (storage: Storage): Promise<MigrationResultSet> => {
  const migrator = new Migrator({
    db: storage.db,
    // Kysely looks for its bookkeeping tables by name in every schema; naming ours keeps another
    // schema's tables (another app, or a parallel test suite) from being taken for them.
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
    provider: { getMigrations: async () => migrationsFor(storage) },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed`, { cause: result.error });
  }
  return result;
};
