import { sql, type Selectable } from 'kysely';
import type { AudienceTable, AudienceVersionTable, Backend, Db } from '../storage/index.js';
import type {
  Audience,
  AudienceMode,
  AudienceSettings,
  AudienceStatus,
  AudienceVersion,
  Schedule,
  StoredDefinition,
} from './audience-resource.js';
import { holdoutBasisPoints } from './audience-resource.js';
import type { EntityType } from './rule.js';

/*
 * Kysely queries over `audiences` and `audience_versions`; the mappers below are the only place
 * their rows are read. Every function takes the handle it runs on, so the service decides what
 * shares a transaction.
 */

/** A version without its definition: the list under an audience. */
export type VersionSummary = Omit<AudienceVersion, 'definition'>;

/** An audience with its current definition (the validation's lookup, the pipeline's set of audiences). */
export interface CurrentAudience {
  readonly audience: Audience;
  readonly definition: StoredDefinition;
  readonly summary: string;
}

export interface AudienceListFilter {
  readonly status?: AudienceStatus;
  /** Audiences whose id sorts after this one. */
  readonly after?: string;
  readonly limit: number;
}

/** Serialises definition writes (see `lockDefinitions`); a constant of its own beside the event log's. */
const DEFINITIONS_LOCK_ID = 7_245_006;

export const audienceRowToAudience = (row: Selectable<AudienceTable>): Audience => ({
  id: row.id,
  name: row.name,
  description: row.description,
  entity: row.entity as EntityType,
  status: row.status as AudienceStatus,
  mode: row.mode as AudienceMode,
  schedule: row.schedule === null ? null : (JSON.parse(row.schedule) as Schedule),
  holdoutPercent: row.holdout_basis_points / 100,
  version: row.current_version,
  createdAt: row.created_at,
  createdBy: row.created_by,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

export const versionRowToVersion = (row: Selectable<AudienceVersionTable>): AudienceVersion => ({
  audienceId: row.audience_id,
  version: row.version,
  definition: JSON.parse(row.definition) as StoredDefinition,
  summary: row.summary,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

const settingsColumns = (settings: AudienceSettings) => {
  const basisPoints = holdoutBasisPoints(settings.holdoutPercent);
  // Settings reach the store validated (readSettings); anything else is a programming error.
  if (basisPoints === undefined) throw new RangeError(`holdout share ${settings.holdoutPercent} % is not whole basis points`);
  return {
    name: settings.name,
    description: settings.description,
    mode: settings.mode,
    schedule: settings.schedule === null ? null : JSON.stringify(settings.schedule),
    holdout_basis_points: basisPoints,
  };
};

export const audiencesStore = {
  /**
   * Definition writes one at a time, whatever the process: validation reads every current
   * definition (cycles, references), so two edits that each pass alone (A uses B, B uses A) must
   * not commit side by side. SQLite transactions already begin IMMEDIATE (one writer); PostgreSQL
   * takes a transaction-scoped advisory lock. Definition writes are rare; nothing else waits on it.
   */
  async lockDefinitions(trx: Db, backend: Backend): Promise<void> {
    if (backend === 'postgres') await sql`select pg_advisory_xact_lock(${DEFINITIONS_LOCK_ID})`.execute(trx);
  },

  /** Inserts a new audience at version 1; false when the id is taken (by any audience, archived ones too). */
  async insertAudience(db: Db, audience: Audience): Promise<boolean> {
    const result = await db
      .insertInto('audiences')
      .values({
        id: audience.id,
        entity: audience.entity,
        current_version: audience.version,
        status: audience.status,
        ...settingsColumns(audience),
        created_at: audience.createdAt,
        created_by: audience.createdBy,
        updated_at: audience.updatedAt,
        updated_by: audience.updatedBy,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  /**
   * Replaces the settings and moves the current version from `fromVersion` to `toVersion` (the
   * same number for a settings-only change). False when the audience is no longer active at
   * `fromVersion` — another edit committed first.
   */
  async updateAudience(
    db: Db,
    change: { id: string; settings: AudienceSettings; fromVersion: number; toVersion: number; at: string; by: string },
  ): Promise<boolean> {
    const result = await db
      .updateTable('audiences')
      .set({ ...settingsColumns(change.settings), current_version: change.toVersion, updated_at: change.at, updated_by: change.by })
      .where('id', '=', change.id)
      .where('current_version', '=', change.fromVersion)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  async archive(db: Db, id: string, at: string, by: string): Promise<boolean> {
    const result = await db
      .updateTable('audiences')
      .set({ status: 'archived', updated_at: at, updated_by: by })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** Appends a version; versions are never updated or deleted. */
  async insertVersion(db: Db, version: AudienceVersion): Promise<void> {
    await db
      .insertInto('audience_versions')
      .values({
        audience_id: version.audienceId,
        version: version.version,
        definition: JSON.stringify(version.definition),
        summary: version.summary,
        created_at: version.createdAt,
        created_by: version.createdBy,
      })
      .execute();
  },

  async get(db: Db, id: string): Promise<Audience | undefined> {
    const row = await db.selectFrom('audiences').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? audienceRowToAudience(row) : undefined;
  },

  async getVersion(db: Db, id: string, version: number): Promise<AudienceVersion | undefined> {
    const row = await db
      .selectFrom('audience_versions')
      .selectAll()
      .where('audience_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? versionRowToVersion(row) : undefined;
  },

  /** Every version of an audience, oldest first, without the definitions. */
  async listVersions(db: Db, id: string): Promise<VersionSummary[]> {
    const rows = await db
      .selectFrom('audience_versions')
      .select(['audience_id', 'version', 'summary', 'created_at', 'created_by'])
      .where('audience_id', '=', id)
      .orderBy('version')
      .execute();
    return rows.map((row) => ({
      audienceId: row.audience_id,
      version: row.version,
      summary: row.summary,
      createdAt: row.created_at,
      createdBy: row.created_by,
    }));
  },

  /** A page of audiences by id, each with the summary of its current version. */
  async list(db: Db, filter: AudienceListFilter): Promise<(Audience & { readonly summary: string })[]> {
    let query = db
      .selectFrom('audiences as a')
      .innerJoin('audience_versions as v', (join) => join.onRef('v.audience_id', '=', 'a.id').onRef('v.version', '=', 'a.current_version'))
      .selectAll('a')
      .select('v.summary');
    if (filter.status) query = query.where('a.status', '=', filter.status);
    if (filter.after !== undefined) query = query.where('a.id', '>', filter.after);
    const rows = await query.orderBy('a.id').limit(filter.limit).execute();
    return rows.map(({ summary, ...row }) => ({ ...audienceRowToAudience(row), summary }));
  },

  /** Every active audience with its current definition: a few hundred rows at most, read whole. */
  async currentDefinitions(db: Db): Promise<CurrentAudience[]> {
    const rows = await db
      .selectFrom('audiences as a')
      .innerJoin('audience_versions as v', (join) => join.onRef('v.audience_id', '=', 'a.id').onRef('v.version', '=', 'a.current_version'))
      .selectAll('a')
      .select(['v.definition', 'v.summary'])
      .where('a.status', '=', 'active')
      .orderBy('a.id')
      .execute();
    return rows.map(({ definition, summary, ...row }) => ({
      audience: audienceRowToAudience(row),
      definition: JSON.parse(definition) as StoredDefinition,
      summary,
    }));
  },
};
