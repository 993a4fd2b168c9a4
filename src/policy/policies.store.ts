import type { Selectable } from 'kysely';
import type { Db, PolicyVersionTable } from '../storage/index.js';

/* Kysely queries over `policy_versions` (append-only). */

export interface PolicyVersion {
  readonly version: number;
  /** Cedar text. */
  readonly policies: string;
  readonly description: string;
  readonly fingerprint: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export const policyRowToVersion = (row: Selectable<PolicyVersionTable>): PolicyVersion => ({
  version: row.version,
  policies: row.policies,
  description: row.description,
  fingerprint: row.fingerprint,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

export const policiesStore = {
  /** Appends a version; false when the number is taken (another writer came first). */
  async insert(db: Db, version: PolicyVersion): Promise<boolean> {
    const result = await db
      .insertInto('policy_versions')
      .values({
        version: version.version,
        policies: version.policies,
        description: version.description,
        fingerprint: version.fingerprint,
        created_at: version.createdAt,
        created_by: version.createdBy,
      })
      .onConflict((oc) => oc.column('version').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  async latest(db: Db): Promise<PolicyVersion | undefined> {
    const row = await db.selectFrom('policy_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row ? policyRowToVersion(row) : undefined;
  },

  async get(db: Db, version: number): Promise<PolicyVersion | undefined> {
    const row = await db.selectFrom('policy_versions').selectAll().where('version', '=', version).executeTakeFirst();
    return row ? policyRowToVersion(row) : undefined;
  },

  /** Every version, newest first, without the policy text. */
  async list(db: Db): Promise<Omit<PolicyVersion, 'policies'>[]> {
    const rows = await db
      .selectFrom('policy_versions')
      .select(['version', 'description', 'fingerprint', 'created_at', 'created_by'])
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => ({
      version: r.version,
      description: r.description,
      fingerprint: r.fingerprint,
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
  },
};
