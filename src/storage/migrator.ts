import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import type { Storage } from './database.js';
import { foundation } from './migrations/0001-foundation.js';
import { identity } from './migrations/0002-identity.js';
import { timelineIndex } from './migrations/0003-timeline-index.js';
import { profiles } from './migrations/0004-profiles.js';
import { profileRows } from './migrations/0005-profile-rows.js';
import { audiences } from './migrations/0006-audiences.js';
import { entities } from './migrations/0007-entities.js';
import { audienceMembership } from './migrations/0008-audience-membership.js';
import { consent } from './migrations/0009-consent.js';
import { policy } from './migrations/0010-policy.js';
import { privacy } from './migrations/0011-privacy.js';
import { delivery } from './migrations/0012-delivery.js';
import { exports } from './migrations/0013-exports.js';
import { operations } from './migrations/0014-operations.js';
import { profileChanges } from './migrations/0015-profile-changes.js';
import { consentLapses } from './migrations/0016-consent-lapses.js';
import { residentInputs } from './migrations/0017-resident-inputs.js';
import { membersByMember } from './migrations/0018-members-by-member.js';

/** Migrations in order; names are stable once landed. */
const migrationsFor = (storage: Storage): Record<string, Migration> => ({
  '0001-foundation': foundation(storage.backend),
  '0002-identity': identity(),
  '0003-timeline-index': timelineIndex(storage.backend),
  '0004-profiles': profiles(),
  '0005-profile-rows': profileRows(),
  '0006-audiences': audiences(),
  '0007-entities': entities(),
  '0008-audience-membership': audienceMembership(),
  '0009-consent': consent(),
  '0010-policy': policy(),
  '0011-privacy': privacy(),
  '0012-delivery': delivery(),
  '0013-exports': exports(),
  '0014-operations': operations(),
  '0015-profile-changes': profileChanges(storage.backend),
  '0016-consent-lapses': consentLapses(),
  '0017-resident-inputs': residentInputs(storage.backend),
  '0018-members-by-member': membersByMember(),
});

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const migratorFor = (storage: Storage): Migrator =>
  new Migrator({
    db: storage.db,
    // Kysely looks for its bookkeeping tables by name in every schema; naming ours keeps another
    // schema's tables (another app, or a parallel test suite) from being taken for them.
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
    provider: { getMigrations: async () => migrationsFor(storage) },
  });

const checked = (result: MigrationResultSet): MigrationResultSet => {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed`, { cause: result.error });
  }
  return result;
};

export const migrateToLatest = async (storage: Storage): Promise<MigrationResultSet> =>
  checked(await migratorFor(storage).migrateToLatest());

/** Runs the migrations up to and including `name`: a test of a migration starts from the schema before it. */
export const migrateTo = async (storage: Storage, name: string): Promise<MigrationResultSet> =>
  checked(await migratorFor(storage).migrateTo(name));
