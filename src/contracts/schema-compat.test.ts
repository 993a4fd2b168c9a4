import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompatibilityMode } from './contract.js';
import { checkCompatibility, diffSchemas, type Change, type ChangeKind, type Direction, type JsonSchema } from './schema-compat.js';

type Obj = { readonly [keyword: string]: unknown };

const MODES: readonly CompatibilityMode[] = ['BACKWARD', 'FORWARD', 'FULL', 'NONE'];

/** An event schema with the given properties (open unless `extra` closes it). */
const event = (properties: Obj, required: string[] = [], extra: Obj = {}): Obj => ({ type: 'object', properties, required, ...extra });

/** The directions broken by any change in the diff, sorted. */
function broken(previous: JsonSchema, next: JsonSchema): Direction[] {
  return [...new Set(diffSchemas(previous, next).flatMap((c) => c.breaks))].sort();
}

function only(previous: JsonSchema, next: JsonSchema): Change {
  const changes = diffSchemas(previous, next);
  expect(changes).toHaveLength(1);
  return changes[0] as Change;
}

const cdr = event({ servedMSISDN: { type: 'string' }, duration: { type: 'integer', minimum: 0 } }, ['servedMSISDN']);

describe('checkCompatibility: the modes', () => {
  it('BACKWARD refuses a version that removes a required field, and names the field', () => {
    const next = event({ duration: { type: 'integer', minimum: 0 } });
    const result = checkCompatibility(cdr, next, 'BACKWARD');
    expect(result.compatible).toBe(false);
    expect(result.incompatibilities).toEqual([
      {
        path: '/servedMSISDN',
        change: 'REQUIRED_FIELD_REMOVED',
        message: "required field 'servedMSISDN' was removed",
        breaks: ['BACKWARD', 'FORWARD'],
      },
    ]);
  });

  it('BACKWARD accepts a version that adds an optional field', () => {
    const next = event({ ...(cdr['properties'] as Obj), cellId: { type: 'string' } }, ['servedMSISDN']);
    const result = checkCompatibility(cdr, next, 'BACKWARD');
    expect(result).toMatchObject({ compatible: true, incompatibilities: [] });
    expect(result.changes.map((c) => c.change)).toEqual(['OPTIONAL_FIELD_ADDED']);
  });

  it('FULL refuses a change that breaks only BACKWARD and one that breaks only FORWARD', () => {
    const tightened = event({ servedMSISDN: { type: 'string' }, duration: { type: 'integer', minimum: 1 } }, ['servedMSISDN']);
    const loosened = event({ servedMSISDN: { type: 'string' }, duration: { type: 'number', minimum: 0 } }, ['servedMSISDN']);
    expect(checkCompatibility(cdr, tightened, 'FORWARD').compatible).toBe(true);
    expect(checkCompatibility(cdr, tightened, 'FULL').compatible).toBe(false);
    expect(checkCompatibility(cdr, loosened, 'BACKWARD').compatible).toBe(true);
    expect(checkCompatibility(cdr, loosened, 'FULL').incompatibilities.map((c) => c.change)).toEqual(['TYPE_WIDENED']);
    const addedRequired = event({ ...(cdr['properties'] as Obj), imsi: { type: 'string' } }, ['servedMSISDN', 'imsi']);
    expect(checkCompatibility(cdr, addedRequired, 'FULL').incompatibilities[0]?.message).toBe("required field 'imsi' was added");
  });

  it('NONE accepts everything but still reports the diff', () => {
    const next = event({ servedMSISDN: { type: 'integer' } }, [], { additionalProperties: false });
    const result = checkCompatibility(cdr, next, 'NONE');
    expect(result.compatible).toBe(true);
    expect(result.incompatibilities).toEqual([]);
    expect(result.changes.map((c) => c.change).sort()).toEqual([
      'CONTENT_MODEL_CLOSED',
      'FIELD_MADE_OPTIONAL',
      'OPTIONAL_FIELD_REMOVED',
      'TYPE_CHANGED',
    ]);
    expect(checkCompatibility(true, false, 'NONE').compatible).toBe(true);
  });
});

describe('diffSchemas: the rule table of decision 0004', () => {
  const s = { type: 'string' };
  // [rule, previous, next, change kind, path, directions broken]
  const rows: [string, JsonSchema, JsonSchema, ChangeKind, string, Direction[]][] = [
    ['new required field', event({ a: s }), event({ a: s, b: s }, ['b']), 'REQUIRED_FIELD_ADDED', '/b', ['BACKWARD']],
    ['existing field made required', event({ a: s }), event({ a: s }, ['a']), 'FIELD_MADE_REQUIRED', '/a', ['BACKWARD']],
    ['required field removed', event({ a: s }, ['a']), event({}), 'REQUIRED_FIELD_REMOVED', '/a', ['BACKWARD', 'FORWARD']],
    ['required field made optional', event({ a: s }, ['a']), event({ a: s }), 'FIELD_MADE_OPTIONAL', '/a', ['BACKWARD', 'FORWARD']],
    ['optional field added, open model', event({ a: s }), event({ a: s, b: s }), 'OPTIONAL_FIELD_ADDED', '/b', []],
    [
      'optional field added, closed previous model',
      event({ a: s }, [], { additionalProperties: false }),
      event({ a: s, b: s }, [], { additionalProperties: false }),
      'OPTIONAL_FIELD_ADDED',
      '/b',
      ['FORWARD'],
    ],
    ['optional field removed, open new model', event({ a: s, b: s }), event({ a: s }), 'OPTIONAL_FIELD_REMOVED', '/b', []],
    [
      'optional field removed, closed new model',
      event({ a: s, b: s }, [], { additionalProperties: false }),
      event({ a: s }, [], { additionalProperties: false }),
      'OPTIONAL_FIELD_REMOVED',
      '/b',
      ['BACKWARD'],
    ],
    [
      'content model closed',
      event({ a: s }),
      event({ a: s }, [], { additionalProperties: false }),
      'CONTENT_MODEL_CLOSED',
      '/',
      ['BACKWARD'],
    ],
    [
      'content model opened',
      event({ a: s }, [], { additionalProperties: false }),
      event({ a: s }),
      'CONTENT_MODEL_OPENED',
      '/',
      ['FORWARD'],
    ],
    ['additionalProperties schema narrowed', event({}), event({}, [], { additionalProperties: s }), 'TYPE_NARROWED', '/*', ['BACKWARD']],
    ['nullable made non-null', { type: ['string', 'null'] }, s, 'TYPE_NARROWED', '/', ['BACKWARD']],
    ['number to integer', { type: 'number' }, { type: 'integer' }, 'TYPE_NARROWED', '/', ['BACKWARD']],
    ['type introduced', {}, s, 'TYPE_NARROWED', '/', ['BACKWARD']],
    ['integer to number', { type: 'integer' }, { type: 'number' }, 'TYPE_WIDENED', '/', ['FORWARD']],
    ['made nullable', s, { type: ['null', 'string'] }, 'TYPE_WIDENED', '/', ['FORWARD']],
    ['type dropped', s, true, 'TYPE_WIDENED', '/', ['FORWARD']],
    ['unrelated type', s, { type: 'number' }, 'TYPE_CHANGED', '/', ['BACKWARD', 'FORWARD']],
    ['enum value removed', { enum: ['a', 'b'] }, { enum: ['a'] }, 'ENUM_VALUES_REMOVED', '/', ['BACKWARD']],
    ['enum value added', { enum: ['a'] }, { enum: ['a', 'b'] }, 'ENUM_VALUES_ADDED', '/', ['FORWARD']],
    ['enum introduced', s, { ...s, enum: ['a'] }, 'ENUM_INTRODUCED', '/', ['BACKWARD']],
    ['enum dropped', { ...s, enum: ['a'] }, s, 'ENUM_DROPPED', '/', ['FORWARD']],
    ['const introduced', s, { ...s, const: 'a' }, 'ENUM_INTRODUCED', '/', ['BACKWARD']],
    ['const dropped', { const: 1 }, {}, 'ENUM_DROPPED', '/', ['FORWARD']],
    ['const narrows an enum', { enum: ['a', 'b'] }, { const: 'a' }, 'ENUM_VALUES_REMOVED', '/', ['BACKWARD']],
    ['minimum raised', { minimum: 0 }, { minimum: 1 }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['minimum lowered', { minimum: 1 }, { minimum: 0 }, 'CONSTRAINT_LOOSENED', '/', ['FORWARD']],
    ['minimum made exclusive', { minimum: 0 }, { exclusiveMinimum: 0 }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['maximum lowered', { maximum: 10 }, { maximum: 9 }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['exclusiveMaximum removed', { exclusiveMaximum: 10 }, {}, 'CONSTRAINT_LOOSENED', '/', ['FORWARD']],
    ['minLength raised', { minLength: 1 }, { minLength: 2 }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['maxLength lowered', { maxLength: 15 }, { maxLength: 12 }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['maxLength removed', { maxLength: 15 }, {}, 'CONSTRAINT_LOOSENED', '/', ['FORWARD']],
    ['minItems raised', { minItems: 0 }, { minItems: 1 }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['maxItems raised', { maxItems: 3 }, { maxItems: 4 }, 'CONSTRAINT_LOOSENED', '/', ['FORWARD']],
    ['pattern added', s, { ...s, pattern: '^[0-9]+$' }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['pattern removed', { pattern: '^[0-9]+$' }, {}, 'CONSTRAINT_LOOSENED', '/', ['FORWARD']],
    ['pattern changed', { pattern: '^[0-9]+$' }, { pattern: '^\\d{15}$' }, 'CONSTRAINT_CHANGED', '/', ['BACKWARD', 'FORWARD']],
    ['format added', s, { ...s, format: 'date-time' }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['format changed', { format: 'date-time' }, { format: 'date' }, 'CONSTRAINT_CHANGED', '/', ['BACKWARD', 'FORWARD']],
    ['format removed', { format: 'email' }, {}, 'CONSTRAINT_LOOSENED', '/', ['FORWARD']],
    ['multipleOf added', {}, { multipleOf: 0.01 }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['multipleOf to a multiple', { multipleOf: 0.1 }, { multipleOf: 0.3 }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    ['multipleOf to a divisor', { multipleOf: 4 }, { multipleOf: 2 }, 'CONSTRAINT_LOOSENED', '/', ['FORWARD']],
    ['multipleOf unrelated', { multipleOf: 2 }, { multipleOf: 3 }, 'CONSTRAINT_CHANGED', '/', ['BACKWARD', 'FORWARD']],
    ['uniqueItems required', { type: 'array' }, { type: 'array', uniqueItems: true }, 'CONSTRAINT_TIGHTENED', '/', ['BACKWARD']],
    [
      'schema made false',
      { type: 'array', prefixItems: [s] },
      { type: 'array', prefixItems: [false] },
      'CONSTRAINT_TIGHTENED',
      '/0',
      ['BACKWARD'],
    ],
    ['anyOf changed', { anyOf: [s, { type: 'null' }] }, { anyOf: [s, { type: 'number' }] }, 'UNCOMPARABLE', '/', ['BACKWARD', 'FORWARD']],
    ['oneOf added', s, { ...s, oneOf: [{ minLength: 1 }] }, 'UNCOMPARABLE', '/', ['BACKWARD', 'FORWARD']],
    ['allOf removed', { allOf: [s] }, {}, 'UNCOMPARABLE', '/', ['BACKWARD', 'FORWARD']],
    ['not changed', { not: { const: 1 } }, { not: { const: 2 } }, 'UNCOMPARABLE', '/', ['BACKWARD', 'FORWARD']],
    ['if/then changed', { if: s, then: { minLength: 1 } }, { if: s, then: { minLength: 2 } }, 'UNCOMPARABLE', '/', ['BACKWARD', 'FORWARD']],
    ['else added', { if: s, then: s }, { if: s, then: s, else: false }, 'UNCOMPARABLE', '/', ['BACKWARD', 'FORWARD']],
    [
      'dependentSchemas changed',
      { dependentSchemas: { a: { required: ['b'] } } },
      { dependentSchemas: { a: { required: ['c'] } } },
      'UNCOMPARABLE',
      '/',
      ['BACKWARD', 'FORWARD'],
    ],
    [
      'unknown keyword changed',
      { unevaluatedProperties: true },
      { unevaluatedProperties: false },
      'UNCOMPARABLE',
      '/',
      ['BACKWARD', 'FORWARD'],
    ],
    ['malformed keyword changed', { minimum: '1' }, { minimum: '2' }, 'UNCOMPARABLE', '/', ['BACKWARD', 'FORWARD']],
    [
      'remote $ref changed',
      { $ref: 'https://example.com/a.json' },
      { $ref: 'https://example.com/b.json' },
      'UNCOMPARABLE',
      '/',
      ['BACKWARD', 'FORWARD'],
    ],
  ];

  it.each(rows)('%s', (_rule, previous, next, change, path, breaks) => {
    const found = diffSchemas(previous, next).find((c) => c.change === change && c.path === path);
    expect(found, JSON.stringify(diffSchemas(previous, next))).toMatchObject({ change, path, breaks });
    expect(broken(previous, next)).toEqual(breaks);
  });

  it.each([
    ['title', { title: 'CDR' }, { title: 'Call detail record' }],
    ['description', { description: 'a' }, {}],
    ['examples', { examples: [1] }, { examples: [1, 2] }],
    ['$comment', {}, { $comment: 'see TS 32.298' }],
    ['default', { default: 0 }, { default: 1 }],
    ['deprecated', {}, { deprecated: true }],
  ])('a change of %s is an annotation, compatible in every mode', (keyword, previous, next) => {
    expect(only(previous, next)).toMatchObject({ change: 'ANNOTATION_CHANGED', breaks: [] });
    expect(only(previous, next).message).toContain(keyword);
    for (const mode of MODES) expect(checkCompatibility(previous, next, mode).compatible).toBe(true);
  });

  it('treats equivalent spellings as no change', () => {
    expect(diffSchemas({ type: ['string', 'null'] }, { type: ['null', 'string'] })).toEqual([]);
    expect(diffSchemas({ enum: ['a'] }, { const: 'a' })).toEqual([]);
    expect(diffSchemas({ minLength: 0 }, {})).toEqual([]);
    expect(
      diffSchemas({ anyOf: [{ type: 'string' }, { type: 'null', title: 'x' }] }, { anyOf: [{ type: 'null' }, { type: 'string' }] }),
    ).toEqual([]);
    expect(diffSchemas(true, {})).toEqual([]);
  });
});

describe('diffSchemas: nesting and references', () => {
  const money = event({ value: { type: 'number' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } }, ['value', 'currency']);

  it('reports nested object and array paths into the instance', () => {
    const previous = event({ totalAmount: money, items: { type: 'array', items: event({ id: { type: 'string' } }, ['id']) } });
    const next = event({
      totalAmount: event({ value: { type: 'number' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } }, ['currency']),
      items: { type: 'array', items: event({ id: { type: 'integer' } }, ['id']) },
    });
    expect(diffSchemas(previous, next).map(({ path, change, message }) => ({ path, change, message }))).toEqual([
      { path: '/totalAmount/value', change: 'FIELD_MADE_OPTIONAL', message: "required field 'totalAmount.value' was made optional" },
      { path: '/items/*/id', change: 'TYPE_CHANGED', message: `type of 'items[*].id' changed from "string" to "integer"` },
    ]);
  });

  it('compares prefixItems position by position, and positions beyond a tuple against items', () => {
    const previous = { type: 'array', prefixItems: [{ type: 'number' }, { type: ['number', 'null'] }], items: false };
    const next = { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: { type: 'number' } };
    expect(diffSchemas(previous, next).map(({ path, change }) => [path, change])).toEqual([
      ['/1', 'TYPE_NARROWED'],
      ['/*', 'CONSTRAINT_LOOSENED'],
    ]);
  });

  it('resolves local $refs into $defs, keeping annotations written beside them', () => {
    const previous = { ...event({ charge: { $ref: '#/$defs/Money' } }), $defs: { Money: money } };
    const next = {
      ...event({ charge: { $ref: '#/$defs/Money', description: 'charged amount' } }),
      $defs: { Money: { ...money, required: ['value'] } },
    };
    expect(diffSchemas(previous, next).map(({ path, change }) => [path, change])).toEqual([
      ['/charge', 'ANNOTATION_CHANGED'],
      ['/charge/currency', 'FIELD_MADE_OPTIONAL'],
    ]);
    // The same definition inlined on one side is no change at all.
    expect(diffSchemas(previous, event({ charge: money }))).toEqual([]);
  });

  it('applies keywords written beside a $ref together with the definition', () => {
    const base = (idType: string, required: string[]): Obj => ({
      ...event({ subscriber: { $ref: '#/$defs/Base', required } }),
      $defs: { Base: event({ id: { type: idType } }) },
    });
    expect(diffSchemas(base('string', ['id']), base('string', ['id']))).toEqual([]);
    expect(only(base('string', ['id']), base('string', []))).toMatchObject({
      path: '/subscriber/id',
      change: 'FIELD_MADE_OPTIONAL',
      message: "required field 'subscriber.id' was made optional",
    });
    expect(only(base('string', ['id']), base('integer', ['id']))).toMatchObject({ path: '/subscriber', change: 'UNCOMPARABLE' });
  });

  it('terminates on recursive definitions and still finds changes inside them', () => {
    const tree = (nameType: string): Obj => ({
      $ref: '#/$defs/Node',
      $defs: { Node: event({ name: { type: nameType }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } }) },
    });
    expect(diffSchemas(tree('string'), tree('string'))).toEqual([]);
    expect(diffSchemas(tree('string'), tree('integer')).map(({ path, change }) => [path, change])).toEqual([['/name', 'TYPE_CHANGED']]);
    const loop = { $ref: '#/$defs/A', $defs: { A: { $ref: '#/$defs/B' }, B: { $ref: '#/$defs/A' } } };
    expect(diffSchemas(loop, loop)).toEqual([]);
  });

  it('compares combinators through $refs, so a changed definition is never silently compatible', () => {
    const withDefs = (currency: Obj): Obj => ({
      anyOf: [{ $ref: '#/$defs/Money' }, { type: 'null' }],
      $defs: { Money: event({ currency }) },
    });
    expect(diffSchemas(withDefs({ type: 'string' }), withDefs({ type: 'string' }))).toEqual([]);
    expect(only(withDefs({ type: 'string' }), withDefs({ type: 'string', maxLength: 3 }))).toMatchObject({
      change: 'UNCOMPARABLE',
      breaks: ['BACKWARD', 'FORWARD'],
    });
  });
});

// ---- properties ---------------------------------------------------------------------------------

const nameArb = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/);
const leafArb: fc.Arbitrary<JsonSchema> = fc.oneof(
  fc.record(
    {
      type: fc.constant('string'),
      minLength: fc.nat(3),
      maxLength: fc.integer({ min: 3, max: 20 }),
      pattern: fc.constantFrom('^a', '[0-9]+'),
      format: fc.constantFrom('email', 'date'),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constantFrom('number', 'integer', ['number', 'null']),
      minimum: fc.integer(),
      exclusiveMaximum: fc.integer(),
      multipleOf: fc.constantFrom(1, 2, 0.5),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ enum: fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 4 }) }),
  fc.record({ const: fc.jsonValue() }),
  fc.constant({ anyOf: [{ type: 'string' }, { $ref: '#/$defs/Shared' }] }),
  fc.constantFrom<JsonSchema>(true, { type: 'boolean' }, { $ref: '#/$defs/Tree' }),
);
const { node: nodeArb } = fc.letrec<{ node: JsonSchema; object: JsonSchema; array: JsonSchema }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leafArb, tie('object'), tie('array')),
  object: fc
    .record({
      fields: fc.dictionary(nameArb, fc.tuple(tie('node'), fc.boolean()), { maxKeys: 4 }),
      additionalProperties: fc.constantFrom<JsonSchema | undefined>(undefined, false, { type: 'string' }),
    })
    .map(({ fields, additionalProperties }) => ({
      type: 'object',
      properties: Object.fromEntries(Object.entries(fields).map(([k, [schema]]) => [k, schema])),
      required: Object.entries(fields)
        .filter(([, [, required]]) => required)
        .map(([k]) => k),
      ...(additionalProperties === undefined ? {} : { additionalProperties }),
    })),
  array: fc.record(
    { type: fc.constant('array'), items: tie('node'), prefixItems: fc.array(tie('node'), { maxLength: 2 }), maxItems: fc.nat(5) },
    { requiredKeys: ['type', 'items'] },
  ),
}));
/** An open event schema with shared and recursive definitions, as real contracts have. */
const eventArb = fc
  .record({ fields: fc.dictionary(nameArb, fc.tuple(nodeArb, fc.boolean()), { maxKeys: 5 }), shared: nodeArb })
  .map(({ fields, shared }): Obj => ({
    ...event(
      Object.fromEntries(Object.entries(fields).map(([k, [schema]]) => [k, schema])),
      Object.entries(fields)
        .filter(([, [, required]]) => required)
        .map(([k]) => k),
    ),
    $defs: { Shared: shared, Tree: event({ label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Tree' } } }) },
  }));

describe('properties (fast-check)', () => {
  it('adding an optional field to an open model is compatible both ways', () => {
    fc.assert(
      fc.property(eventArb, nameArb, nodeArb, (previous, name, added) => {
        const properties = previous['properties'] as Obj;
        fc.pre(!Object.hasOwn(properties, name) && !(previous['required'] as string[]).includes(name));
        const next = { ...previous, properties: { ...properties, [name]: added } };
        for (const mode of MODES) expect(checkCompatibility(previous, next, mode).compatible).toBe(true);
        expect(diffSchemas(previous, next)).toEqual([
          { path: `/${name}`, change: 'OPTIONAL_FIELD_ADDED', message: `optional field '${name}' was added`, breaks: [] },
        ]);
      }),
    );
  });

  it('a schema compared with itself (or a copy) is compatible in every mode with no changes', () => {
    fc.assert(
      fc.property(fc.oneof(eventArb, nodeArb), (schema) => {
        expect(diffSchemas(schema, schema)).toEqual([]);
        expect(diffSchemas(schema, structuredClone(schema))).toEqual([]);
        for (const mode of MODES) expect(checkCompatibility(schema, structuredClone(schema), mode).compatible).toBe(true);
      }),
    );
  });
});

// ---- sanity check of the semantics against a real validator -----------------------------------------

const KEYS = ['a', 'b', 'c', 'd'] as const;
const LEAVES: readonly Obj[] = [
  {},
  { type: 'string' },
  { type: 'string', maxLength: 3 },
  { type: 'string', minLength: 1 },
  { type: ['string', 'null'] },
  { type: 'string', enum: ['a', 'b'] },
  { enum: ['a', 'b', 'c'] },
  { const: 'a' },
  { type: 'string', pattern: '^a' },
  { type: 'number' },
  { type: 'integer' },
  { type: 'integer', minimum: 0 },
  { type: 'integer', minimum: 0, maximum: 10 },
  { type: 'number', exclusiveMinimum: 0 },
  { type: 'integer', multipleOf: 2 },
  { type: 'boolean' },
  { type: 'null' },
  { type: 'array', items: { type: 'integer' } },
  { type: 'array', items: { type: 'number' }, maxItems: 2 },
  { type: 'array', items: { type: 'integer' }, minItems: 1, uniqueItems: true },
  { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  { type: 'object', properties: { id: { type: ['string', 'integer'] } } },
  { type: 'object', properties: { id: { type: 'string' } }, additionalProperties: false },
  { anyOf: [{ type: 'string' }, { type: 'integer' }] },
];
const VALUES: readonly unknown[] = [
  null,
  true,
  '',
  'a',
  'b',
  'c',
  'abcd',
  0,
  1,
  -1,
  2.5,
  4,
  11,
  [],
  [1, 2],
  [1, 1],
  [1, 2, 3],
  [1.5],
  {},
  { id: 'a' },
  { id: 1 },
  { id: 'a', extra: true },
];

const keyArb = fc.constantFrom(...KEYS);
interface Root {
  readonly properties: Record<string, Obj>;
  readonly required: readonly string[];
  readonly closed: boolean;
}
type Edit = { key: string; leaf: Obj } | { key: string; remove: true } | { key: string; require: boolean } | { closed: boolean };
const rootArb: fc.Arbitrary<Root> = fc.record({
  properties: fc.dictionary(keyArb, fc.constantFrom(...LEAVES)),
  required: fc.subarray([...KEYS]),
  closed: fc.boolean(),
});
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ key: keyArb, leaf: fc.constantFrom(...LEAVES) }),
  fc.record({ key: keyArb, remove: fc.constant(true as const) }),
  fc.record({ key: keyArb, require: fc.boolean() }),
  fc.record({ closed: fc.boolean() }),
);
const toSchema = (r: Root): Obj => event(r.properties, [...r.required], r.closed ? { additionalProperties: false } : {});
function edit(root: Root, edits: readonly Edit[]): Root {
  let { properties, required, closed } = root;
  for (const e of edits) {
    if ('leaf' in e) properties = { ...properties, [e.key]: e.leaf };
    else if ('remove' in e) {
      properties = Object.fromEntries(Object.entries(properties).filter(([k]) => k !== e.key));
      required = required.filter((k) => k !== e.key);
    } else if ('require' in e) required = e.require ? [...new Set([...required, e.key])] : required.filter((k) => k !== e.key);
    else closed = e.closed;
  }
  return { properties, required, closed };
}
/** Producers send only the fields their version declares (the open-model assumption of decision 0004). */
const declared = (r: Root, instance: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(instance).filter(([k]) => Object.hasOwn(r.properties, k) || r.required.includes(k)));

describe('sanity check with Ajv (draft 2020-12)', () => {
  it('when the checker says BACKWARD (FORWARD) compatible, instances valid under previous (next) are valid under next (previous)', () => {
    // Union types and required names without a declared property are part of what is generated.
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
    const tally = { backward: 0, forward: 0, checked: 0 };
    fc.assert(
      fc.property(
        rootArb,
        fc.array(editArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.dictionary(keyArb, fc.constantFrom(...VALUES)), { minLength: 40, maxLength: 40 }),
        (prevRoot, edits, instances) => {
          const nextRoot = edit(prevRoot, edits);
          const [previous, next] = [toSchema(prevRoot), toSchema(nextRoot)];
          const [validPrevious, validNext] = [ajv.compile(previous), ajv.compile(next)];
          const pairs: [boolean, Root, (x: unknown) => boolean, (x: unknown) => boolean, string][] = [
            [checkCompatibility(previous, next, 'BACKWARD').compatible, prevRoot, validPrevious, validNext, 'backward'],
            [checkCompatibility(previous, next, 'FORWARD').compatible, nextRoot, validNext, validPrevious, 'forward'],
          ];
          for (const [compatible, writer, writerValid, readerValid, direction] of pairs) {
            if (!compatible) continue;
            tally[direction === 'backward' ? 'backward' : 'forward']++;
            for (const instance of instances.map((i) => declared(writer, i)).filter((i) => writerValid(i))) {
              tally.checked++;
              expect(readerValid(instance), `${direction}: ${JSON.stringify({ previous, next, instance })}`).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // The property only means something if compatible pairs and valid instances actually occurred.
    expect(tally.backward).toBeGreaterThan(30);
    expect(tally.forward).toBeGreaterThan(30);
    expect(tally.checked).toBeGreaterThan(300);
  });
});
