import type { Selectable } from 'kysely';
import type { Db, EventTypeTable, SchemaVersionTable, SourceTable } from '../storage/index.js';
import type { AttributeClass, CompatibilityMode, IdentifierTypeName } from './contract.js';

/** Domain views of the contract tables; the mappers below are the only place rows are read. */
export interface Source {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly description: string;
  readonly freshnessSlaSeconds: number;
  readonly origin: SourceOrigin;
  readonly hasWriteKey: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastEventAt: string | null;
}
export type SourceOrigin = 'builtin' | 'file' | 'api';

export interface EventType {
  readonly sourceId: string;
  readonly type: string;
  readonly description: string;
  readonly compatibility: CompatibilityMode;
  readonly requiresIdentifier: boolean;
  readonly latestVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SchemaVersion {
  readonly sourceId: string;
  readonly type: string;
  readonly version: number;
  readonly schema: Record<string, unknown>;
  readonly identifierMappings: Readonly<Record<string, IdentifierTypeName>>;
  readonly classifications: Readonly<Record<string, AttributeClass>>;
  readonly fingerprint: string;
  readonly createdAt: string;
}

export const sourceRowToSource = (row: Selectable<SourceTable>): Source => ({
  id: row.id,
  name: row.name,
  owner: row.owner,
  description: row.description,
  freshnessSlaSeconds: row.freshness_sla_seconds,
  origin: row.origin as SourceOrigin,
  hasWriteKey: row.write_key_hash !== null,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  lastEventAt: row.last_event_at,
});

export const eventTypeRowToEventType = (row: Selectable<EventTypeTable>): EventType => ({
  sourceId: row.source_id,
  type: row.event_type,
  description: row.description,
  compatibility: row.compatibility as CompatibilityMode,
  requiresIdentifier: row.requires_identifier === 1,
  latestVersion: row.latest_version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const schemaVersionRowToSchemaVersion = (row: Selectable<SchemaVersionTable>): SchemaVersion => ({
  sourceId: row.source_id,
  type: row.event_type,
  version: row.version,
  schema: JSON.parse(row.json_schema) as Record<string, unknown>,
  identifierMappings: JSON.parse(row.identifier_mappings) as Record<string, IdentifierTypeName>,
  classifications: JSON.parse(row.classifications) as Record<string, AttributeClass>,
  fingerprint: row.fingerprint,
  createdAt: row.created_at,
});

export interface SourceFields {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly description: string;
  readonly freshnessSlaSeconds: number;
}

export const contractsStore = {
  async listSources(db: Db): Promise<Source[]> {
    const rows = await db.selectFrom('sources').selectAll().orderBy('id').execute();
    return rows.map(sourceRowToSource);
  },

  async getSource(db: Db, id: string): Promise<Source | undefined> {
    const row = await db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? sourceRowToSource(row) : undefined;
  },

  async findSourceIdByWriteKeyHash(db: Db, hash: string): Promise<string | undefined> {
    const row = await db.selectFrom('sources').select('id').where('write_key_hash', '=', hash).executeTakeFirst();
    return row?.id;
  },

  async insertSource(db: Db, fields: SourceFields, origin: SourceOrigin, now: string): Promise<void> {
    await db
      .insertInto('sources')
      .values({
        id: fields.id,
        name: fields.name,
        owner: fields.owner,
        description: fields.description,
        freshness_sla_seconds: fields.freshnessSlaSeconds,
        write_key_hash: null,
        origin,
        created_at: now,
        updated_at: now,
        last_event_at: null,
      })
      .execute();
  },

  async updateSource(db: Db, fields: SourceFields, now: string): Promise<void> {
    await db
      .updateTable('sources')
      .set({
        name: fields.name,
        owner: fields.owner,
        description: fields.description,
        freshness_sla_seconds: fields.freshnessSlaSeconds,
        updated_at: now,
      })
      .where('id', '=', fields.id)
      .execute();
  },

  async setWriteKeyHash(db: Db, id: string, hash: string, now: string): Promise<void> {
    await db.updateTable('sources').set({ write_key_hash: hash, updated_at: now }).where('id', '=', id).execute();
  },

  async touchLastEvent(db: Db, id: string, at: string): Promise<void> {
    await db
      .updateTable('sources')
      .set({ last_event_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_event_at', 'is', null), eb('last_event_at', '<', at)]))
      .execute();
  },

  async listEventTypes(db: Db, sourceId?: string): Promise<EventType[]> {
    let query = db.selectFrom('event_types').selectAll();
    if (sourceId !== undefined) query = query.where('source_id', '=', sourceId);
    const rows = await query.orderBy('source_id').orderBy('event_type').execute();
    return rows.map(eventTypeRowToEventType);
  },

  async insertEventType(
    db: Db,
    fields: { sourceId: string; type: string; description: string; compatibility: CompatibilityMode; requiresIdentifier: boolean },
    now: string,
  ): Promise<void> {
    await db
      .insertInto('event_types')
      .values({
        source_id: fields.sourceId,
        event_type: fields.type,
        description: fields.description,
        compatibility: fields.compatibility,
        requires_identifier: fields.requiresIdentifier ? 1 : 0,
        latest_version: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
  },

  async updateEventType(
    db: Db,
    key: { sourceId: string; type: string },
    fields: { description?: string; compatibility?: CompatibilityMode; requiresIdentifier?: boolean; latestVersion?: number },
    now: string,
  ): Promise<void> {
    await db
      .updateTable('event_types')
      .set({
        updated_at: now,
        ...(fields.description !== undefined ? { description: fields.description } : {}),
        ...(fields.compatibility !== undefined ? { compatibility: fields.compatibility } : {}),
        ...(fields.requiresIdentifier !== undefined ? { requires_identifier: fields.requiresIdentifier ? 1 : 0 } : {}),
        ...(fields.latestVersion !== undefined ? { latest_version: fields.latestVersion } : {}),
      })
      .where('source_id', '=', key.sourceId)
      .where('event_type', '=', key.type)
      .execute();
  },

  async insertSchemaVersion(db: Db, version: Omit<SchemaVersion, 'createdAt'>, now: string): Promise<void> {
    await db
      .insertInto('schema_versions')
      .values({
        source_id: version.sourceId,
        event_type: version.type,
        version: version.version,
        json_schema: JSON.stringify(version.schema),
        identifier_mappings: JSON.stringify(version.identifierMappings),
        classifications: JSON.stringify(version.classifications),
        fingerprint: version.fingerprint,
        created_at: now,
      })
      .execute();
  },

  async listSchemaVersions(db: Db, sourceId?: string, type?: string): Promise<SchemaVersion[]> {
    let query = db.selectFrom('schema_versions').selectAll();
    if (sourceId !== undefined) query = query.where('source_id', '=', sourceId);
    if (type !== undefined) query = query.where('event_type', '=', type);
    const rows = await query.orderBy('source_id').orderBy('event_type').orderBy('version').execute();
    return rows.map(schemaVersionRowToSchemaVersion);
  },
};

/** Ingestion records when a source last delivered, for its freshness SLA. */
export const touchSourceLastEvent = (db: Db, id: string, at: string): Promise<void> => contractsStore.touchLastEvent(db, id, at);
