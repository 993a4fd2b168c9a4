import { BUILTIN_CONTRACTS } from '../src/contracts/index.js';

let counter = 0;

/**
 * A valid event of a built-in type: the contract's first example with the given overrides. The
 * example's mapped identifier fields are dropped: they would add identifiers of another person.
 */
export const builtinEvent = (
  source: string,
  type: string,
  at: string,
  identifiers: Record<string, string>,
  overrides: Record<string, unknown> = {},
) => {
  const contract = BUILTIN_CONTRACTS.find((c) => c.source.id === source)?.eventTypes.find((t) => t.type === type);
  const example = { ...(contract?.examples?.[0] ?? {}) };
  for (const path of Object.keys(contract?.identifierMappings ?? {})) delete example[path.split('.')[0] as string];
  return { source, type, eventId: `${type}-${++counter}`, occurredAt: at, identifiers, properties: { ...example, ...overrides } };
};
