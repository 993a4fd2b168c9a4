import { describe, it, expect } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Value } from '@sinclair/typebox/value';
import { SourceContract, type EventTypeContract } from '../contract.js';
import { BUILTIN_CONTRACTS } from './index.js';

// ajv and ajv-formats are CommonJS; under NodeNext the default import is the module object, whose
// `.default` is the class / plugin (both packages set `exports.default` to themselves).
const Ajv = Ajv2020.default;
const formats = addFormats.default;

const ajv = new Ajv({ strict: true, allErrors: true });
formats(ajv);

interface SchemaNode {
  type?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
  required?: string[];
}

const isObjectNode = (node: SchemaNode): boolean => node.type === 'object';

/** Every declared path (`a`, `a.b`) and which of them are leaves (not an object with properties). */
function declaredPaths(node: SchemaNode, prefix = ''): { all: string[]; leaves: string[] } {
  const all: string[] = [];
  const leaves: string[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    all.push(path);
    if (isObjectNode(child) && child.properties !== undefined) {
      const nested = declaredPaths(child, path);
      all.push(...nested.all);
      leaves.push(...nested.leaves);
    } else {
      leaves.push(path);
    }
  }
  return { all, leaves };
}

/** Every object node of a schema, with its path, so closedness can be checked at every level. */
function objectNodes(node: SchemaNode, path = '(root)'): [string, SchemaNode][] {
  const out: [string, SchemaNode][] = isObjectNode(node) ? [[path, node]] : [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    out.push(...objectNodes(child, path === '(root)' ? name : `${path}.${name}`));
  }
  return out;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * Broken copies of a valid example, each of which the schema must refuse: every required field
 * removed in turn, every present field set to null (no built-in schema admits null), and an
 * undeclared field added at every object level present in the example (the closed content model).
 */
function brokenCopies(example: Record<string, unknown>, schema: SchemaNode): [string, unknown][] {
  const copies: [string, unknown][] = [];
  const visit = (value: Record<string, unknown>, node: SchemaNode, path: string[]): void => {
    const at = (p: string) => [...path, p].join('.');
    const mutate = (label: string, change: (target: Record<string, unknown>) => void): void => {
      const copy = clone(example);
      let target: Record<string, unknown> = copy;
      for (const key of path) target = target[key] as Record<string, unknown>;
      change(target);
      copies.push([label, copy]);
    };
    for (const name of node.required ?? []) mutate(`without required ${at(name)}`, (t) => delete t[name]);
    for (const name of Object.keys(value)) mutate(`${at(name)} = null`, (t) => (t[name] = null));
    mutate(`undeclared ${at('__drift')}`, (t) => (t.__drift = 'x'));
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const nested = value[name];
      if (isObjectNode(child) && typeof nested === 'object' && nested !== null && !Array.isArray(nested)) {
        visit(nested as Record<string, unknown>, child, [...path, name]);
      }
    }
  };
  visit(example, schema, []);
  return copies;
}

describe('the built-in contract catalogue', () => {
  it('has the six sources, each once', () => {
    expect(BUILTIN_CONTRACTS.map((c) => c.source.id).sort()).toEqual(['app', 'billing', 'crm', 'network', 'reference', 'web']);
  });

  it('declares each event type once per source', () => {
    for (const contract of BUILTIN_CONTRACTS) {
      const types = contract.eventTypes.map((t) => t.type);
      expect(new Set(types).size, contract.source.id).toBe(types.length);
    }
  });

  it('marks reference data, and only reference data, as not requiring an identifier', () => {
    for (const contract of BUILTIN_CONTRACTS) {
      for (const eventType of contract.eventTypes) {
        expect(eventType.requiresIdentifier === false, `${contract.source.id}/${eventType.type}`).toBe(contract.source.id === 'reference');
      }
    }
  });
});

for (const contract of BUILTIN_CONTRACTS) {
  describe(`source ${contract.source.id}`, () => {
    it('conforms to the SourceContract schema', () => {
      const errors = [...Value.Errors(SourceContract, contract)].map((e) => `${e.path}: ${e.message}`);
      expect(errors).toEqual([]);
      expect(Value.Check(SourceContract, contract)).toBe(true);
    });

    for (const eventType of contract.eventTypes) {
      describe(`event type ${eventType.type}`, () => checkEventType(eventType));
    }
  });
}

function checkEventType(eventType: EventTypeContract): void {
  const schema = eventType.schema as SchemaNode;
  const { all, leaves } = declaredPaths(schema);

  it('is a draft 2020-12 object schema that compiles under strict ajv', () => {
    expect(eventType.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(() => ajv.compile(eventType.schema)).not.toThrow();
    expect(eventType.compatibility).toBe('BACKWARD');
  });

  it('is closed at every object level', () => {
    for (const [path, node] of objectNodes(schema)) {
      expect(node.additionalProperties, path).toBe(false);
    }
  });

  it('accepts every example, and there is at least one', () => {
    const validate = ajv.compile(eventType.schema);
    expect(eventType.examples?.length ?? 0).toBeGreaterThan(0);
    for (const example of eventType.examples ?? []) {
      const ok = validate(example);
      expect(ok ? [] : validate.errors, JSON.stringify(example)).toEqual([]);
    }
  });

  it('refuses broken copies of every example', () => {
    const validate = ajv.compile(eventType.schema);
    for (const example of eventType.examples ?? []) {
      const copies = brokenCopies(example, schema);
      expect(copies.length).toBeGreaterThan(0);
      for (const [label, copy] of copies) {
        expect(validate(copy), label).toBe(false);
      }
    }
  });

  it('maps and classifies only declared properties', () => {
    for (const path of Object.keys(eventType.identifierMappings ?? {})) {
      expect(all, `identifier mapping ${path}`).toContain(path);
    }
    for (const path of Object.keys(eventType.classifications ?? {})) {
      expect(leaves, `classification ${path}`).toContain(path);
    }
  });

  it('classifies every declared leaf', () => {
    const classified = Object.keys(eventType.classifications ?? {});
    expect(leaves.filter((leaf) => !classified.includes(leaf))).toEqual([]);
  });

  it('classifies every mapped identifier as identifying data', () => {
    for (const path of Object.keys(eventType.identifierMappings ?? {})) {
      expect(['identifier', 'contact', 'pii'], path).toContain(eventType.classifications?.[path]);
    }
  });

  if (eventType.requiresIdentifier !== false) {
    it('maps at least one property to an identifier', () => {
      expect(Object.keys(eventType.identifierMappings ?? {}).length).toBeGreaterThan(0);
    });
  }
}
