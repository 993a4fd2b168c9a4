import type { SourceContract } from '../contracts/index.js';
import type { FieldType } from './field-types.js';

/*
 * The events an event condition may name, with the typed properties its filters may use, read
 * from the contracts' JSON Schemas (closed objects, no references in the built-in catalogue).
 * Arrays and open objects are left out: a filter compares one scalar.
 */

export interface PropertyDefinition {
  readonly path: string;
  readonly type: FieldType;
  readonly values?: readonly string[];
}

export interface EventTypeDefinition {
  /** `source/type`, e.g. `billing/topup`. */
  readonly eventType: string;
  readonly description: string;
  readonly properties: readonly PropertyDefinition[];
}

export type EventCatalogue = ReadonlyMap<string, EventTypeDefinition>;

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

const MAX_DEPTH = 6;

const leafType = (schema: Json): Omit<PropertyDefinition, 'path'> | undefined => {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string'))
    return { type: 'enum', values: schema.enum as string[] };
  if (type === 'string') return { type: schema.format === 'date-time' || schema.format === 'date' ? 'date' : 'string' };
  if (type === 'number' || type === 'integer') return { type: 'number' };
  if (type === 'boolean') return { type: 'boolean' };
  return undefined;
};

const leaves = (schema: Json, prefix: string, depth: number, out: PropertyDefinition[]): void => {
  const properties = asObject(schema.properties);
  if (properties === undefined || depth > MAX_DEPTH) return;
  for (const [name, child] of Object.entries(properties)) {
    const childSchema = asObject(child);
    if (childSchema === undefined) continue;
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (asObject(childSchema.properties)) leaves(childSchema, path, depth + 1, out);
    else {
      const leaf = leafType(childSchema);
      if (leaf) out.push({ path, ...leaf });
    }
  }
};

/** The event catalogue of a set of contracts (the built-in ones, or the registry's latest versions). */
export const eventCatalogueOf = (contracts: readonly SourceContract[]): EventCatalogue => {
  const catalogue = new Map<string, EventTypeDefinition>();
  for (const contract of contracts) {
    for (const eventType of contract.eventTypes) {
      const properties: PropertyDefinition[] = [];
      leaves(eventType.schema, '', 0, properties);
      const id = `${contract.source.id}/${eventType.type}`;
      catalogue.set(id, { eventType: id, description: eventType.description ?? '', properties });
    }
  }
  return catalogue;
};
