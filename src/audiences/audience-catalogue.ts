import type { ContractRegistry, SourceContract } from '../contracts/index.js';
import type { AggregateDefinition } from '../profiles/aggregates/index.js';
import { eventCatalogueOf } from './event-catalogue.js';
import { buildFieldCatalogue, FIELD_DOMAINS, type ConsentVocabulary, type FieldCatalogue, type FieldDomain } from './field-catalogue.js';
import { DAY_OPERATORS, OPERATORS_BY_TYPE, type FieldType } from './field-types.js';
import { COMBINATORS, COUNT_OPS, ENTITY_TYPES, MEMBER_QUANTIFIERS, type AttributeOperator, type EntityType } from './rule.js';

/*
 * The catalogue a running Tessera validates against: the configured aggregates and the event
 * types of the contract registry as it is now (built-in, file and API contracts, latest versions),
 * rebuilt only when a contract version changes. And the catalogue as the console's query builder
 * reads it (GET /v1/audiences/fields).
 */

/** The registry's latest version of every event type, as contracts (what `eventCatalogueOf` reads). */
const contractsOf = (registry: ContractRegistry): { contracts: SourceContract[]; key: string } => {
  const contracts: SourceContract[] = [];
  const keys: string[] = [];
  for (const source of registry.listSources()) {
    const eventTypes: SourceContract['eventTypes'] = [];
    for (const type of registry.listEventTypes(source.id)) {
      const latest = registry.listVersions(source.id, type.type).find((v) => v.version === type.latestVersion);
      if (!latest) continue;
      eventTypes.push({ type: type.type, description: type.description, schema: latest.schema });
      keys.push(`${source.id}/${type.type}@${type.latestVersion}`);
    }
    const { id, name, owner, description, freshnessSlaSeconds } = source;
    contracts.push({ source: { id, name, owner, description, freshnessSlaSeconds }, eventTypes });
  }
  return { contracts, key: keys.sort().join(' ') };
};

/**
 * The current catalogue, read from the registry at each call and rebuilt when the set of latest
 * contract versions differs from the last build (a new source, a new schema version).
 */
export const registryCatalogue = (
  registry: ContractRegistry,
  options: { readonly aggregates?: readonly AggregateDefinition[]; readonly consent?: ConsentVocabulary } = {},
): (() => FieldCatalogue) => {
  let built: { key: string; catalogue: FieldCatalogue } | undefined;
  return () => {
    const { contracts, key } = contractsOf(registry);
    if (built?.key !== key) built = { key, catalogue: buildFieldCatalogue({ ...options, events: eventCatalogueOf(contracts) }) };
    return built.catalogue;
  };
};

export interface FieldGuideEntry {
  id: string;
  label: string;
  type: FieldType;
  description?: string;
  values?: string[];
  unit?: string;
  operators: AttributeOperator[];
  /** Passing time alone changes it (rolling windows, scores). */
  timeDependent: boolean;
  /** The value a profile with nothing recorded has (0 for counts and sums); otherwise absent means null. */
  whenAbsent?: number;
}

/** Plain JSON for the console (fresh arrays: the catalogue's own stay untouched). */
export interface FieldGuide {
  fields: Record<EntityType, { domain: FieldDomain; fields: FieldGuideEntry[] }[]>;
  events: {
    eventType: string;
    description: string;
    properties: { path: string; type: FieldType; values?: string[]; operators: AttributeOperator[] }[];
  }[];
  consent: { purposes: string[]; channels: string[] };
  combinators: string[];
  memberQuantifiers: string[];
  countOps: string[];
  /** How far back an event window may reach; null when every event is kept. */
  retainedEventDays: number | null;
}

/** The catalogue grouped for the query builder: fields by entity and domain with their operators, events with theirs. */
export const fieldGuide = (catalogue: FieldCatalogue, retainedEventDays: number): FieldGuide => {
  const fields = {} as FieldGuide['fields'];
  for (const entity of ENTITY_TYPES) {
    fields[entity] = FIELD_DOMAINS.map((domain) => ({
      domain,
      fields: catalogue.fields[entity]
        .filter((f) => f.domain === domain)
        .map((f): FieldGuideEntry => ({
          id: f.id,
          label: f.label,
          type: f.type,
          ...(f.description !== undefined ? { description: f.description } : {}),
          ...(f.values !== undefined ? { values: [...f.values] } : {}),
          ...(f.unit !== undefined ? { unit: f.unit } : {}),
          operators: [...OPERATORS_BY_TYPE[f.type]],
          timeDependent: f.timeDependent === true,
          ...(f.whenAbsent !== undefined ? { whenAbsent: f.whenAbsent } : {}),
        })),
    })).filter((group) => group.fields.length > 0);
  }
  const events = [...catalogue.events.values()]
    .sort((a, b) => (a.eventType < b.eventType ? -1 : a.eventType > b.eventType ? 1 : 0))
    .map((e) => ({
      eventType: e.eventType,
      description: e.description,
      // Property filters compare one event's value: relative dates ("within the last N days") belong to the window.
      properties: e.properties.map((p) => ({
        path: p.path,
        type: p.type,
        ...(p.values !== undefined ? { values: [...p.values] } : {}),
        operators: OPERATORS_BY_TYPE[p.type].filter((o) => !DAY_OPERATORS.has(o)),
      })),
    }));
  return {
    fields,
    events,
    consent: { purposes: [...catalogue.consent.purposes], channels: [...catalogue.consent.channels] },
    combinators: [...COMBINATORS],
    memberQuantifiers: [...MEMBER_QUANTIFIERS],
    countOps: [...COUNT_OPS],
    retainedEventDays: Number.isFinite(retainedEventDays) ? retainedEventDays : null,
  };
};
