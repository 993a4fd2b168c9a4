import type { AttributeClass, ContractRegistry } from '../contracts/index.js';
import type { AggregateDefinition } from '../profiles/aggregates/index.js';
import { buildAttributeCatalogue, type AttributeCatalogue, type EventClassifications } from './attribute-catalogue.js';

/**
 * The attribute catalogue that follows the contract registry: built from the latest version of
 * every event type, and rebuilt when a version is added (the registry's types and latest versions
 * are compared on each call, a few dozen entries).
 */
export const registryAttributeCatalogue = (
  registry: ContractRegistry,
  options: { readonly aggregates: readonly AggregateDefinition[]; readonly purposeOverrides?: Readonly<Record<string, readonly string[]>> },
): (() => AttributeCatalogue) => {
  let built: { key: string; catalogue: AttributeCatalogue } | undefined;
  return () => {
    const types = registry.listSources().flatMap((s) => registry.listEventTypes(s.id));
    const key = types.map((t) => `${t.sourceId}/${t.type}@${t.latestVersion}`).join(',');
    if (built?.key === key) return built.catalogue;
    const events: EventClassifications[] = types.map((t) => ({
      event: `${t.sourceId}/${t.type}`,
      classifications: (registry.listVersions(t.sourceId, t.type).find((v) => v.version === t.latestVersion)?.classifications ??
        {}) as Readonly<Record<string, AttributeClass>>,
    }));
    built = {
      key,
      catalogue: buildAttributeCatalogue({
        events,
        aggregates: options.aggregates,
        ...(options.purposeOverrides ? { purposeOverrides: options.purposeOverrides } : {}),
      }),
    };
    return built.catalogue;
  };
};
