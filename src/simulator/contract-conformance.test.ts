import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CONTRACTS } from '../contracts/index.js';
import { normaliseIdentifier } from '../identity/index.js';
import { MemoryTruth } from './memory-truth.js';
import { resolveOptions } from './options.js';
import type { SimEvent } from './sim-event.js';
import { createWorld } from './world.js';

const ajv = new Ajv2020({ strict: false, allErrors: false });
addFormats.default(ajv);

const types = BUILTIN_CONTRACTS.flatMap((c) =>
  c.eventTypes.map((t) => ({
    key: `${c.source.id}/${t.type}`,
    validate: ajv.compile(t.schema),
    mappings: Object.entries(t.identifierMappings ?? {}),
  })),
);
const byKey = new Map(types.map((t) => [t.key, t]));

const valueAt = (props: Record<string, unknown>, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (node, part) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
      props,
    );

/** Would the server's identifier rules keep every identifier of the event (no invalid value)? */
const identifierProblems = (event: SimEvent, mappings: [string, string][]): string[] => {
  const problems: string[] = [];
  const candidates: [string, unknown][] = [
    ...Object.entries(event.identifiers ?? {}),
    ...mappings.map(([path, type]) => [type, valueAt(event.properties, path)] as [string, unknown]),
  ];
  for (const [type, raw] of candidates) {
    if (raw === undefined) continue;
    const result = normaliseIdentifier(type as never, String(raw), 'RU');
    if (!result.ok) problems.push(`${type}=${String(raw)}: ${result.code}`);
  }
  return problems;
};

describe('generated events conform to the built-in contracts', () => {
  const truth = new MemoryTruth();
  const world = createWorld(
    resolveOptions({ seed: 11, subscribers: 3000, days: 3, rates: { brokenShare: 0.003, placeholderShare: 0.02 } }),
  );
  const events: SimEvent[] = [];
  for (const batch of world.batches(truth)) events.push(...batch);
  const breakers = truth.contractBreakers();
  const placeholders = new Set(truth.injectedRecords.filter((r) => r.kind === 'placeholder').map((r) => `${r.source}/${r.eventId}`));

  it('produces every kind of event the simulator models', () => {
    const seen = new Set(events.map((e) => `${e.source}/${e.type}`));
    const expected = types.map((t) => t.key).filter((k) => k !== 'network/roaming_ended');
    for (const key of expected) expect(seen, key).toContain(key);
  });

  it('every event not injected to break passes its schema, and has only valid identifiers unless a placeholder was injected', () => {
    const failures: string[] = [];
    for (const event of events) {
      const key = `${event.source}/${event.eventId}`;
      if (breakers.has(key)) continue;
      const type = byKey.get(`${event.source}/${event.type}`);
      if (!type) {
        failures.push(`${event.source}/${event.type}: no contract`);
        continue;
      }
      if (!type.validate(event.properties))
        failures.push(`${event.source}/${event.type} ${event.eventId}: ${ajv.errorsText(type.validate.errors)}`);
      if (!placeholders.has(key)) {
        const problems = identifierProblems(event, type.mappings);
        if (problems.length > 0) failures.push(`${event.source}/${event.type} ${event.eventId}: ${problems.join('; ')}`);
      }
      if (Number.isNaN(Date.parse(event.occurredAt))) failures.push(`${event.eventId}: bad occurredAt`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 120_000); // checks every generated event against its compiled schema: slow on a busy machine

  it('every event injected to break fails its schema', () => {
    expect(breakers.size).toBeGreaterThan(20);
    let checked = 0;
    for (const event of events) {
      if (!breakers.has(`${event.source}/${event.eventId}`)) continue;
      const type = byKey.get(`${event.source}/${event.type}`);
      expect(type?.validate(event.properties), `${event.type} ${JSON.stringify(event.properties)}`).toBe(false);
      checked++;
    }
    expect(checked).toBe(breakers.size);
  });

  it('placeholder identifiers are ones the server drops, beside a real identifier', () => {
    expect(placeholders.size).toBeGreaterThan(5);
    for (const event of events) {
      if (!placeholders.has(`${event.source}/${event.eventId}`) || breakers.has(`${event.source}/${event.eventId}`)) continue;
      const type = byKey.get(`${event.source}/${event.type}`);
      const problems = identifierProblems(event, type?.mappings ?? []);
      expect(problems.length).toBeGreaterThan(0);
      expect(
        problems.every((p) => p.endsWith('PLACEHOLDER_IDENTIFIER')),
        problems.join(),
      ).toBe(true);
    }
  });
});
