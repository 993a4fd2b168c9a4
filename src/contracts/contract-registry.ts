import type { Clock } from '../core/clock.js';
import { canonicalJson } from '../core/canonical-json.js';
import { AppError, type ErrorDetail } from '../core/errors.js';
import { randomToken, sha256Hex } from '../core/hash.js';
import type { Db } from '../storage/index.js';
import type { CompatibilityMode, EventTypeContract, IdentifierTypeName, SourceContract, SourceDeclaration } from './contract.js';
import { contractsStore, type EventType, type SchemaVersion, type Source, type SourceOrigin } from './contracts.store.js';
import { createSchemaCompiler, type ValidateFunction } from './json-schema-validator.js';
import { checkCompatibility } from './schema-compat.js';
import { declaredTree, hasDeclaredPath, type DeclaredTree } from './schema-paths.js';

/** A contract version ready for the hot path: compiled validator and pre-split identifier paths. */
export interface CompiledContract {
  readonly sourceId: string;
  readonly type: string;
  readonly version: number;
  readonly requiresIdentifier: boolean;
  readonly validate: ValidateFunction;
  readonly mappings: readonly { readonly path: readonly string[]; readonly idType: IdentifierTypeName }[];
  readonly tree: DeclaredTree;
  /** True when some object level of the schema is open, so undeclared fields pass validation. */
  readonly hasOpenObjects: boolean;
}

export interface VersionOutcome {
  readonly sourceId: string;
  readonly type: string;
  readonly version: number;
  readonly created: boolean;
}

const key = (sourceId: string, type: string): string => `${sourceId}/${type}`;

const anyOpen = (tree: DeclaredTree): boolean =>
  (!tree.closed && tree.children.size > 0) ||
  [...tree.children.values()].some(anyOpen) ||
  (tree.items !== undefined && anyOpen(tree.items));

const fingerprintOf = (input: EventTypeContract): string =>
  sha256Hex(canonicalJson({ schema: input.schema, m: input.identifierMappings ?? {}, c: input.classifications ?? {} }));

/**
 * The contract registry: sources, event types and their versioned schemas, persisted through the
 * store and held in memory for ingestion. Every change is checked (schema compiles, mapped and
 * classified paths exist, the new version is compatible under the event type's mode) before it is
 * written, and the whole declaration of a source is written in one transaction.
 */
export class ContractRegistry {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #compiler = createSchemaCompiler();
  #sources = new Map<string, Source>();
  #eventTypes = new Map<string, EventType>();
  #versions = new Map<string, SchemaVersion[]>();
  #compiled = new Map<string, CompiledContract>();
  #writeKeys = new Map<string, string>();
  #reloaded: () => Promise<void> = async () => undefined;

  constructor(deps: { db: Db; clock: Clock }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
  }

  async load(): Promise<void> {
    const [sources, eventTypes, versions] = await Promise.all([
      contractsStore.listSources(this.#db),
      contractsStore.listEventTypes(this.#db),
      contractsStore.listSchemaVersions(this.#db),
    ]);
    this.#sources = new Map(sources.map((s) => [s.id, s]));
    this.#eventTypes = new Map(eventTypes.map((t) => [key(t.sourceId, t.type), t]));
    const grouped = new Map<string, SchemaVersion[]>();
    for (const version of versions) {
      const k = key(version.sourceId, version.type);
      grouped.set(k, [...(grouped.get(k) ?? []), version]);
    }
    this.#versions = grouped;
    this.#compiled.clear();
    this.#writeKeys.clear();
    await this.#reloaded();
  }

  /** Runs after every load — every change reloads — so a copy held by another thread can follow. */
  onReload(listener: () => Promise<void>): void {
    this.#reloaded = listener;
  }

  listSources(): Source[] {
    return [...this.#sources.values()];
  }

  getSource(id: string): Source | undefined {
    return this.#sources.get(id);
  }

  requireSource(id: string): Source {
    const source = this.#sources.get(id);
    if (!source) throw new AppError('UNKNOWN_SOURCE', `source '${id}' is not registered`);
    return source;
  }

  listEventTypes(sourceId: string): EventType[] {
    return [...this.#eventTypes.values()].filter((t) => t.sourceId === sourceId);
  }

  getEventType(sourceId: string, type: string): EventType | undefined {
    return this.#eventTypes.get(key(sourceId, type));
  }

  listVersions(sourceId: string, type: string): readonly SchemaVersion[] {
    return this.#versions.get(key(sourceId, type)) ?? [];
  }

  /** The compiled contract of a version (the latest when none is given); undefined when unknown. */
  resolve(sourceId: string, type: string, version?: number): CompiledContract | undefined {
    const eventType = this.#eventTypes.get(key(sourceId, type));
    if (!eventType) return undefined;
    const wanted = version ?? eventType.latestVersion;
    const cacheKey = `${sourceId}/${type}@${wanted}`;
    const cached = this.#compiled.get(cacheKey);
    if (cached) return cached;
    const schemaVersion = this.listVersions(sourceId, type).find((v) => v.version === wanted);
    if (!schemaVersion) return undefined;
    const tree = declaredTree(schemaVersion.schema);
    const compiled: CompiledContract = {
      sourceId,
      type,
      version: wanted,
      requiresIdentifier: eventType.requiresIdentifier,
      validate: this.#compiler.compile(schemaVersion.schema),
      mappings: Object.entries(schemaVersion.identifierMappings).map(([path, idType]) => ({ path: path.split('.'), idType })),
      tree,
      hasOpenObjects: anyOpen(tree),
    };
    this.#compiled.set(cacheKey, compiled);
    return compiled;
  }

  /** Declares a whole source contract (from a file or the built-in catalogue) in one transaction. */
  async declareContract(contract: SourceContract, origin: SourceOrigin): Promise<VersionOutcome[]> {
    for (const eventType of contract.eventTypes) this.#checkEventTypeContract(contract.source.id, eventType);
    const outcomes = await this.#db.transaction().execute(async (trx) => {
      await this.#upsertSource(trx, contract.source, origin);
      const results: VersionOutcome[] = [];
      for (const eventType of contract.eventTypes) results.push(await this.#addVersion(trx, contract.source.id, eventType));
      return results;
    });
    await this.load();
    return outcomes;
  }

  async upsertSource(declaration: SourceDeclaration, origin: SourceOrigin): Promise<{ source: Source; created: boolean }> {
    const created = await this.#db.transaction().execute((trx) => this.#upsertSource(trx, declaration, origin));
    await this.load();
    return { source: this.requireSource(declaration.id), created };
  }

  /** Registers a new schema version of one event type (creating the type at version 1). */
  async addVersion(sourceId: string, input: EventTypeContract): Promise<VersionOutcome> {
    this.requireSource(sourceId);
    this.#checkEventTypeContract(sourceId, input);
    const outcome = await this.#db.transaction().execute((trx) => this.#addVersion(trx, sourceId, input));
    await this.load();
    return outcome;
  }

  async setCompatibility(sourceId: string, type: string, compatibility: CompatibilityMode): Promise<EventType> {
    if (!this.getEventType(sourceId, type)) {
      throw new AppError('UNKNOWN_EVENT_TYPE', `event type '${type}' is not registered for source '${sourceId}'`);
    }
    await contractsStore.updateEventType(this.#db, { sourceId, type }, { compatibility }, this.#now());
    await this.load();
    return this.getEventType(sourceId, type) as EventType;
  }

  /** Issues a new write key for the source's Segment-compatible API; the old one stops working. */
  async rotateWriteKey(sourceId: string): Promise<string> {
    this.requireSource(sourceId);
    const writeKey = `wk_${randomToken(32)}`;
    await contractsStore.setWriteKeyHash(this.#db, sourceId, sha256Hex(writeKey), this.#now());
    await this.load();
    return writeKey;
  }

  async sourceForWriteKey(writeKey: string): Promise<Source | undefined> {
    const hash = sha256Hex(writeKey);
    let sourceId = this.#writeKeys.get(hash);
    if (sourceId === undefined) {
      sourceId = await contractsStore.findSourceIdByWriteKeyHash(this.#db, hash);
      if (sourceId === undefined) return undefined;
      this.#writeKeys.set(hash, sourceId);
    }
    return this.#sources.get(sourceId);
  }

  async #upsertSource(trx: Db, declaration: SourceDeclaration, origin: SourceOrigin): Promise<boolean> {
    const fields = { ...declaration, description: declaration.description ?? '' };
    const existing = await contractsStore.getSource(trx, declaration.id);
    if (!existing) {
      await contractsStore.insertSource(trx, fields, origin, this.#now());
      return true;
    }
    const changed =
      existing.name !== fields.name ||
      existing.owner !== fields.owner ||
      existing.description !== fields.description ||
      existing.freshnessSlaSeconds !== fields.freshnessSlaSeconds;
    if (changed) await contractsStore.updateSource(trx, fields, this.#now());
    return false;
  }

  async #addVersion(trx: Db, sourceId: string, input: EventTypeContract): Promise<VersionOutcome> {
    const now = this.#now();
    const existing = (await contractsStore.listEventTypes(trx, sourceId)).find((t) => t.type === input.type);
    const fingerprint = fingerprintOf(input);
    if (!existing) {
      await contractsStore.insertEventType(
        trx,
        {
          sourceId,
          type: input.type,
          description: input.description ?? '',
          compatibility: input.compatibility ?? 'BACKWARD',
          requiresIdentifier: input.requiresIdentifier ?? true,
        },
        now,
      );
    } else {
      const versions = await contractsStore.listSchemaVersions(trx, sourceId, input.type);
      const latest = versions.at(-1);
      if (latest && latest.fingerprint === fingerprint) {
        return { sourceId, type: input.type, version: latest.version, created: false };
      }
      if (latest) {
        const { compatible, incompatibilities } = checkCompatibility(latest.schema, input.schema, existing.compatibility);
        if (!compatible) {
          throw new AppError(
            'INCOMPATIBLE_SCHEMA',
            `${sourceId}/${input.type}: the new version is not ${existing.compatibility}-compatible with version ${latest.version}`,
            incompatibilities.map((i) => ({ path: i.path, code: i.change, message: i.message, breaks: i.breaks })),
          );
        }
      }
    }
    const version = (existing?.latestVersion ?? 0) + 1;
    await contractsStore.insertSchemaVersion(
      trx,
      {
        sourceId,
        type: input.type,
        version,
        schema: input.schema,
        identifierMappings: input.identifierMappings ?? {},
        classifications: input.classifications ?? {},
        fingerprint,
      },
      now,
    );
    await contractsStore.updateEventType(
      trx,
      { sourceId, type: input.type },
      {
        latestVersion: version,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.requiresIdentifier !== undefined ? { requiresIdentifier: input.requiresIdentifier } : {}),
      },
      now,
    );
    return { sourceId, type: input.type, version, created: true };
  }

  /** Refuses a schema that does not compile or mappings and classifications of undeclared paths. */
  #checkEventTypeContract(sourceId: string, input: EventTypeContract): void {
    const where = `${sourceId}/${input.type}`;
    try {
      this.#compiler.compile(input.schema);
    } catch (err) {
      throw new AppError('INVALID_SCHEMA', `${where}: ${(err as Error).message}`);
    }
    if (input.schema.type !== 'object') {
      throw new AppError('INVALID_SCHEMA', `${where}: the schema of event properties must have type "object"`);
    }
    const tree = declaredTree(input.schema);
    const details: ErrorDetail[] = [];
    for (const path of Object.keys(input.identifierMappings ?? {})) {
      if (!hasDeclaredPath(tree, path)) details.push({ path, message: `identifier mapping '${path}' is not a declared property` });
    }
    for (const path of Object.keys(input.classifications ?? {})) {
      if (!hasDeclaredPath(tree, path)) details.push({ path, message: `classification '${path}' is not a declared property` });
    }
    if (details.length > 0) throw new AppError('INVALID_CONTRACT', `${where}: the contract names undeclared properties`, details);
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }
}
