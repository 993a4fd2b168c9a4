import type { SourceContract } from '../contracts/index.js';
import { expressionPaths, type AggregateDefinition } from '../profiles/aggregates/index.js';
import { CLASS_PURPOSES, mostSensitive, type AttributeClass } from './attribute-classes.js';
import {
  DEFAULT_OCCURRENCE_CLASS,
  OCCURRENCE_CLASSES,
  STATE_ORIGINS,
  TRAIT_ORIGINS,
  type AttributeOrigin,
} from './profile-attribute-origins.js';

/*
 * The attribute catalogue (issue 7): every profile attribute and every classified event property
 * with its class and the purposes it may serve. Event properties take the class their contract
 * gives them; profile attributes take the most sensitive class of the properties that feed them
 * (profile-attribute-origins.ts). Pure: the service builds it from the contract registry's
 * current versions and rebuilds it when they change.
 */

export type AttributeKind = 'profile' | 'event';

export interface CatalogueAttribute {
  /** Profile: a path of the profile JSON (`traits.name`, `aggregates.topup_count`); event: `source/type:path`. */
  readonly id: string;
  readonly kind: AttributeKind;
  readonly class: AttributeClass;
  readonly purposes: readonly string[];
  /** The contract properties (`source/type:path`) or fixed reasons the class was derived from. */
  readonly derivedFrom: readonly string[];
  /**
   * True when an origin named a property that no contract classifies: the attribute is then
   * treated as `special` (it serves the service only) until its contract classifies it.
   */
  readonly unclassified?: boolean;
}

export interface AttributeCatalogue {
  readonly attributes: readonly CatalogueAttribute[];
  readonly byId: ReadonlyMap<string, CatalogueAttribute>;
}

/** The latest classifications of one event type: what the registry or the built-in contracts hold. */
export interface EventClassifications {
  /** `source/type`. */
  readonly event: string;
  readonly classifications: Readonly<Record<string, AttributeClass>>;
}

export interface CatalogueInput {
  readonly events: readonly EventClassifications[];
  readonly aggregates: readonly AggregateDefinition[];
  /** Attribute id → purposes, replacing the class default (an operator's narrower choice). */
  readonly purposeOverrides?: Readonly<Record<string, readonly string[]>>;
}

/** The classifications of every event type of the contracts (their only version each). */
export const classificationsOfContracts = (contracts: readonly SourceContract[]): EventClassifications[] =>
  contracts.flatMap((contract) =>
    contract.eventTypes.map((e) => ({ event: `${contract.source.id}/${e.type}`, classifications: e.classifications ?? {} })),
  );

interface Resolution {
  readonly classes: AttributeClass[];
  readonly from: string[];
  unclassified: boolean;
}

const resolveOrigins = (origins: readonly AttributeOrigin[], events: ReadonlyMap<string, EventClassifications>): Resolution => {
  const out: Resolution = { classes: [], from: [], unclassified: false };
  for (const origin of origins) {
    if ('class' in origin) {
      out.classes.push(origin.class);
      out.from.push(`(${origin.why})`);
      continue;
    }
    const classified = Object.entries(events.get(origin.event)?.classifications ?? {});
    for (const path of origin.paths) {
      const hits = classified.filter(([p, cls]) =>
        path === '*' ? cls !== 'identifier' : p === path || p.startsWith(`${path}.`) || path.startsWith(`${p}.`),
      );
      if (hits.length === 0) out.unclassified = true;
      for (const [p, cls] of hits) {
        out.classes.push(cls);
        out.from.push(`${origin.event}:${p}`);
      }
    }
  }
  return out;
};

const entryOf = (
  id: string,
  kind: AttributeKind,
  resolution: Resolution,
  overrides: Readonly<Record<string, readonly string[]>>,
): CatalogueAttribute => {
  // Fail closed: an origin no contract classifies, or no class at all, counts as special.
  const cls = resolution.unclassified ? 'special' : (mostSensitive(resolution.classes) ?? 'special');
  return {
    id,
    kind,
    class: cls,
    purposes: overrides[id] ?? CLASS_PURPOSES[cls],
    derivedFrom: [...new Set(resolution.from)].sort(),
    ...(resolution.unclassified || resolution.classes.length === 0 ? { unclassified: true } : {}),
  };
};

/** Event types an aggregate names: `network/data_session`, or a bare `data_session` of any source. */
const eventsOfAggregate = (aggregate: AggregateDefinition, events: readonly EventClassifications[]): EventClassifications[] =>
  events.filter((e) => aggregate.eventTypes.some((t) => (t.includes('/') ? e.event === t : e.event.endsWith(`/${t}`))));

const aggregateOrigins = (aggregate: AggregateDefinition, events: readonly EventClassifications[]): AttributeOrigin[] => {
  const paths = [
    ...(aggregate.value === undefined ? [] : expressionPaths(aggregate.value)),
    ...(aggregate.filter === undefined ? [] : expressionPaths(aggregate.filter)),
  ];
  return eventsOfAggregate(aggregate, events).flatMap((e): AttributeOrigin[] => {
    const source = e.event.slice(0, e.event.indexOf('/'));
    const occurrence: AttributeOrigin = {
      class: OCCURRENCE_CLASSES[source] ?? DEFAULT_OCCURRENCE_CLASS,
      why: `occurrences of ${source} events`,
    };
    // A path one event type lacks (a coalesce over alternatives) is simply not read from it.
    const present = paths.filter((p) =>
      Object.keys(e.classifications).some((c) => c === p || c.startsWith(`${p}.`) || p.startsWith(`${c}.`)),
    );
    return present.length > 0 ? [occurrence, { event: e.event, paths: present }] : [occurrence];
  });
};

export const buildAttributeCatalogue = (input: CatalogueInput): AttributeCatalogue => {
  const events = new Map(input.events.map((e) => [e.event, e]));
  const overrides = input.purposeOverrides ?? {};
  const attributes: CatalogueAttribute[] = [];

  const traits = new Map<string, AttributeOrigin[]>();
  for (const [key, origin] of Object.entries(TRAIT_ORIGINS)) {
    const trait = key.slice(key.lastIndexOf(':') + 1);
    traits.set(trait, [...(traits.get(trait) ?? []), origin]);
  }
  for (const [trait, origins] of traits) attributes.push(entryOf(`traits.${trait}`, 'profile', resolveOrigins(origins, events), overrides));
  for (const [id, origins] of Object.entries(STATE_ORIGINS))
    attributes.push(entryOf(id, 'profile', resolveOrigins(origins, events), overrides));
  for (const aggregate of input.aggregates) {
    const origins = aggregateOrigins(aggregate, input.events);
    attributes.push(entryOf(`aggregates.${aggregate.id}`, 'profile', resolveOrigins(origins, events), overrides));
  }
  for (const e of input.events) {
    for (const [path, cls] of Object.entries(e.classifications)) {
      const id = `${e.event}:${path}`;
      attributes.push({ id, kind: 'event', class: cls, purposes: overrides[id] ?? CLASS_PURPOSES[cls], derivedFrom: [id] });
    }
  }
  attributes.sort((a, b) => (a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind === 'profile' ? -1 : 1));
  return { attributes, byId: new Map(attributes.map((a) => [a.id, a])) };
};

/** Every class that occurs in the catalogue, with its attributes: the console's overview. */
export const attributesByClass = (catalogue: AttributeCatalogue): Partial<Record<AttributeClass, string[]>> => {
  const out: Partial<Record<AttributeClass, string[]>> = {};
  for (const a of catalogue.attributes) (out[a.class] ??= []).push(a.id);
  return out;
};
