import { BUILTIN_CONTRACTS } from '../contracts/index.js';
import { DEFAULT_AGGREGATES, type AggregateDefinition } from '../profiles/aggregates/index.js';
import { eventCatalogueOf, type EventCatalogue } from './event-catalogue.js';
import { OPERATORS_BY_TYPE, type FieldType } from './field-types.js';
import { entityFields } from './entity-fields.js';
import { personFields } from './person-fields.js';
import type { AttributeOperator, EntityType } from './rule.js';

/*
 * What a rule may name: typed fields grouped by domain, per entity type, plus the event types,
 * consent purposes and channels. One catalogue serves validation, both evaluators, the natural-
 * language rendering and the console's field picker (it is plain data: `JSON.stringify` it).
 */

export const FIELD_DOMAINS = ['state', 'aggregates', 'scores', 'identity', 'firmographics', 'members'] as const;
export type FieldDomain = (typeof FIELD_DOMAINS)[number];

export interface FieldDefinition {
  /** A dot path that mirrors the profile JSON of GET /v1/profiles/{id}, e.g. `traits.planType`, `aggregates.topup_count.30d`. */
  readonly id: string;
  readonly domain: FieldDomain;
  readonly type: FieldType;
  /** Words for the console and the rendering, lower case: "plan type". */
  readonly label: string;
  readonly description?: string;
  /** The allowed values of an enum field. */
  readonly values?: readonly string[];
  readonly unit?: string;
  /**
   * Events that can change the field: `source/type`, `source/*` (any type of the source), a bare
   * `type` (that type from any source) or `*` (any event). The dependency index re-evaluates an
   * audience when one of these arrives.
   */
  readonly fedBy: readonly string[];
  /** The value when a profile has nothing for the field: 0 for counts and sums (no top-up is 0 top-ups). */
  readonly whenAbsent?: number;
  /** The field also changes as time passes (rolling windows): the profile's wake-ups re-evaluate it. */
  readonly timeDependent?: boolean;
}

/** Consent purposes and channels a consent condition may name (the consent registry's, when it exists). */
export interface ConsentVocabulary {
  readonly purposes: readonly string[];
  readonly channels: readonly string[];
}

export interface FieldCatalogue {
  readonly fields: Readonly<Record<EntityType, readonly FieldDefinition[]>>;
  readonly consent: ConsentVocabulary;
  readonly events: EventCatalogue;
}

/** Channels of the CRM `consent_changed` contract (src/contracts/builtin/crm.ts). */
/**
 * The consent ledger's built-in purposes and base channels (src/consent/); an ad partner's channel
 * is `ads:<partner>`.
 */
export const DEFAULT_CONSENT: ConsentVocabulary = {
  purposes: ['marketing', 'profiling', 'third_party_ads', 'analytics', 'service', 'traffic_data', 'location_data'],
  channels: ['sms', 'voice', 'email', 'push', 'app'],
};

/** An ad partner's channel: `ads:` and the partner's name (as the consent ledger takes it). */
export const AD_CHANNEL = /^ads:[a-z0-9][a-z0-9_.-]{0,63}$/;

export interface CatalogueOptions {
  readonly aggregates?: readonly AggregateDefinition[];
  readonly consent?: ConsentVocabulary;
  readonly events?: EventCatalogue;
}

export const buildFieldCatalogue = (options: CatalogueOptions = {}): FieldCatalogue => ({
  fields: {
    person: personFields(options.aggregates ?? DEFAULT_AGGREGATES),
    account: entityFields('account'),
    organisation: entityFields('organisation'),
  },
  consent: options.consent ?? DEFAULT_CONSENT,
  events: options.events ?? eventCatalogueOf(BUILTIN_CONTRACTS),
});

export const DEFAULT_CATALOGUE: FieldCatalogue = buildFieldCatalogue();

const indexes = new WeakMap<FieldCatalogue, Map<EntityType, Map<string, FieldDefinition>>>();

/** A field by entity and id (indexed once per catalogue). */
export const findField = (catalogue: FieldCatalogue, entity: EntityType, id: string): FieldDefinition | undefined => {
  let index = indexes.get(catalogue);
  if (!index) {
    index = new Map();
    for (const [name, fields] of Object.entries(catalogue.fields) as [EntityType, readonly FieldDefinition[]][])
      index.set(name, new Map(fields.map((f) => [f.id, f])));
    indexes.set(catalogue, index);
  }
  return index.get(entity)?.get(id);
};

export const operatorsFor = (type: FieldType): readonly AttributeOperator[] => OPERATORS_BY_TYPE[type];
