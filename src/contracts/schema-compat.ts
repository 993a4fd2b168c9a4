import type { CompatibilityMode } from './contract.js';
import {
  BACKWARD,
  BOTH,
  FORWARD,
  NEITHER,
  STRUCTURED,
  VALUE_RULES,
  annotationRule,
  deepEqual,
  isAnnotation,
  isSchema,
  isSchemaObject,
  sameMembers,
  type Finding,
  type SchemaObject,
} from './schema-compat-rules.js';

/**
 * Compatibility of two versions of an event type's JSON Schema (draft 2020-12), as a schema registry
 * checks it before a new contract version is accepted. Pure: no I/O, no clock. The rules, and why
 * Tessera is stricter than Confluent about required fields, are in docs/decisions/0004.
 */

/** A JSON Schema document or subschema: an object of keywords, or a boolean schema. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** Which guarantee a change breaks. BACKWARD: old events still valid; FORWARD: new events valid for old consumers. */
export type Direction = 'BACKWARD' | 'FORWARD';

export const CHANGE_KINDS = [
  'REQUIRED_FIELD_ADDED',
  'FIELD_MADE_REQUIRED',
  'REQUIRED_FIELD_REMOVED',
  'FIELD_MADE_OPTIONAL',
  'OPTIONAL_FIELD_ADDED',
  'OPTIONAL_FIELD_REMOVED',
  'CONTENT_MODEL_CLOSED',
  'CONTENT_MODEL_OPENED',
  'TYPE_NARROWED',
  'TYPE_WIDENED',
  'TYPE_CHANGED',
  'ENUM_INTRODUCED',
  'ENUM_DROPPED',
  'ENUM_VALUES_REMOVED',
  'ENUM_VALUES_ADDED',
  'CONSTRAINT_TIGHTENED',
  'CONSTRAINT_LOOSENED',
  'CONSTRAINT_CHANGED',
  'UNCOMPARABLE',
  'ANNOTATION_CHANGED',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Incompatibility {
  /** JSON-pointer-like path into the instance, e.g. `/totalAmount/value`; `*` stands for any array index or undeclared key; `/` is the root. */
  readonly path: string;
  readonly change: ChangeKind;
  /** Plain words naming the field, e.g. "required field 'msisdn' was removed". */
  readonly message: string;
  /** Empty when the change is compatible both ways (annotations, an optional field added to an open model). */
  readonly breaks: readonly Direction[];
}

/** One classified structural change; it is an incompatibility for a mode when `breaksMode` says so. */
export type Change = Incompatibility;

export interface CompatibilityReport {
  readonly compatible: boolean;
  /** The changes that break `mode`; always empty for NONE. */
  readonly incompatibilities: Incompatibility[];
  /** Every change, breaking or not (the diff, reported in every mode including NONE). */
  readonly changes: Change[];
}

export function checkCompatibility(previous: JsonSchema, next: JsonSchema, mode: CompatibilityMode): CompatibilityReport {
  const changes = diffSchemas(previous, next);
  const incompatibilities = changes.filter((change) => breaksMode(change, mode));
  return { compatible: incompatibilities.length === 0, incompatibilities, changes };
}

export function breaksMode(change: Change, mode: CompatibilityMode): boolean {
  if (mode === 'NONE') return false;
  if (mode === 'FULL') return change.breaks.length > 0;
  return change.breaks.includes(mode);
}

/** Every structural change from `previous` to `next`, in document order, each classified. */
export function diffSchemas(previous: JsonSchema, next: JsonSchema): Change[] {
  const walk: Walk = { prev: previous, next, active: [], changes: [], combined: new WeakMap() };
  compareNode(walk, previous, next, []);
  return walk.changes;
}

// ---- the walk -----------------------------------------------------------------------------------

type Segment = { readonly property: string } | { readonly item: number | '*' } | 'additional';

interface Walk {
  readonly prev: JsonSchema;
  readonly next: JsonSchema;
  /** Pairs of nodes being compared further up the stack: meeting one again means a `$ref` cycle. */
  readonly active: [SchemaObject, SchemaObject][];
  readonly changes: Change[];
  /** `$ref`-with-siblings nodes rewritten as `allOf`, kept so that the cycle guard sees one object each. */
  readonly combined: WeakMap<SchemaObject, SchemaObject>;
}

function pointer(segs: readonly Segment[]): string {
  if (segs.length === 0) return '/';
  const escape = (name: string): string => name.replaceAll('~', '~0').replaceAll('/', '~1');
  return segs.map((s) => (s === 'additional' ? '/*' : 'property' in s ? `/${escape(s.property)}` : `/${s.item}`)).join('');
}

/** The field in words: `'totalAmount.value'`, `'items[*].id'`, or "the root". */
function label(segs: readonly Segment[]): string {
  if (segs.length === 0) return 'the root';
  let out = '';
  for (const s of segs) {
    if (s === 'additional') out += out === '' ? '*' : '.*';
    else if ('property' in s) out += out === '' ? s.property : `.${s.property}`;
    else out += `[${s.item}]`;
  }
  return `'${out}'`;
}

function report(walk: Walk, segs: readonly Segment[], finding: Finding): void {
  walk.changes.push({ path: pointer(segs), ...finding });
}

function compareNode(walk: Walk, prevRaw: JsonSchema, nextRaw: JsonSchema, segs: readonly Segment[]): void {
  const field = label(segs);
  const p = resolve(walk, prevRaw, walk.prev);
  const n = resolve(walk, nextRaw, walk.next);
  if (p === undefined || n === undefined) {
    const message = `${field} uses a $ref that cannot be resolved inside the schema, and it changed`;
    if (!deepEqual(prevRaw, nextRaw)) report(walk, segs, { change: 'UNCOMPARABLE', message, breaks: BOTH });
    return;
  }
  if (p === false || n === false) {
    if (n === false && p !== false) {
      report(walk, segs, { change: 'CONSTRAINT_TIGHTENED', message: `${field} no longer accepts any value`, breaks: BACKWARD });
    } else if (p === false && n !== false) {
      report(walk, segs, { change: 'CONSTRAINT_LOOSENED', message: `${field} accepted no value and now accepts some`, breaks: FORWARD });
    }
    return;
  }
  const po: SchemaObject = p === true ? {} : p;
  const no: SchemaObject = n === true ? {} : n;
  if (walk.active.some(([a, b]) => a === po && b === no)) return;
  walk.active.push([po, no]);

  // Annotations written beside a `$ref` belong to the field too.
  const pa = isSchemaObject(prevRaw) && prevRaw !== po ? { ...po, ...prevRaw } : po;
  const na = isSchemaObject(nextRaw) && nextRaw !== no ? { ...no, ...nextRaw } : no;
  for (const finding of annotationRule(pa, na, field)) report(walk, segs, finding);
  for (const rule of VALUE_RULES) for (const finding of rule(po, no, field)) report(walk, segs, finding);
  compareObject(walk, po, no, segs);
  compareArray(walk, po, no, segs);
  compareOpaque(walk, po, no, segs);

  walk.active.pop();
}

function compareObject(walk: Walk, p: SchemaObject, n: SchemaObject, segs: readonly Segment[]): void {
  const keywords = ['properties', 'required', 'additionalProperties'];
  if (!keywords.some((k) => p[k] !== undefined || n[k] !== undefined)) return;
  const field = label(segs);
  const [pProps, nProps] = [schemaMap(p['properties']), schemaMap(n['properties'])];
  const [pReq, nReq] = [stringSet(p['required']), stringSet(n['required'])];
  const [pAdd, nAdd] = [schemaOr(p['additionalProperties']), schemaOr(n['additionalProperties'])];

  if (pAdd !== false && nAdd === false) {
    const message = `${field} no longer accepts undeclared fields (additionalProperties: false)`;
    report(walk, segs, { change: 'CONTENT_MODEL_CLOSED', message, breaks: BACKWARD });
  } else if (pAdd === false && nAdd !== false) {
    const message = `${field} now accepts undeclared fields, which consumers of the previous version refuse`;
    report(walk, segs, { change: 'CONTENT_MODEL_OPENED', message, breaks: FORWARD });
  } else if (pAdd !== false && nAdd !== false) {
    compareNode(walk, pAdd, nAdd, [...segs, 'additional']);
  }

  for (const name of new Set([...pProps.keys(), ...pReq, ...nProps.keys(), ...nReq])) {
    const child = [...segs, { property: name }];
    const what = label(child);
    const was = pProps.has(name) || pReq.has(name);
    const is = nProps.has(name) || nReq.has(name);
    const before = pProps.get(name) ?? pAdd;
    const after = nProps.get(name) ?? nAdd;
    if (!was) {
      const required = nReq.has(name);
      const note = pAdd === false ? '; the previous version refuses undeclared fields' : '';
      const breaks = [...(required ? BACKWARD : NEITHER), ...(pAdd === false ? FORWARD : NEITHER)];
      // Only named in `required` (its schema lives elsewhere, e.g. behind a `$ref`): it was made required.
      const onlyRequired = !nProps.has(name);
      const kind = required ? 'required' : 'optional';
      const message = onlyRequired ? `field ${what} is now required${note}` : `${kind} field ${what} was added${note}`;
      const change = onlyRequired ? 'FIELD_MADE_REQUIRED' : required ? 'REQUIRED_FIELD_ADDED' : 'OPTIONAL_FIELD_ADDED';
      report(walk, child, { change, message, breaks });
      // An open model with an additionalProperties schema already constrained this field's values.
      if (isSchemaObject(pAdd)) compareNode(walk, pAdd, after, child);
    } else if (!is) {
      if (pReq.has(name) && !pProps.has(name)) {
        report(walk, child, { change: 'FIELD_MADE_OPTIONAL', message: `required field ${what} was made optional`, breaks: BOTH });
      } else if (pReq.has(name)) {
        report(walk, child, { change: 'REQUIRED_FIELD_REMOVED', message: `required field ${what} was removed`, breaks: BOTH });
      } else {
        const note = nAdd === false ? '; the new version refuses events that still carry it' : '';
        const breaks = nAdd === false ? BACKWARD : NEITHER;
        report(walk, child, { change: 'OPTIONAL_FIELD_REMOVED', message: `optional field ${what} was removed${note}`, breaks });
      }
      if (isSchemaObject(nAdd)) compareNode(walk, before, nAdd, child);
    } else {
      if (pReq.has(name) && !nReq.has(name)) {
        report(walk, child, { change: 'FIELD_MADE_OPTIONAL', message: `required field ${what} was made optional`, breaks: BOTH });
      } else if (!pReq.has(name) && nReq.has(name)) {
        report(walk, child, { change: 'FIELD_MADE_REQUIRED', message: `field ${what} is now required`, breaks: BACKWARD });
      }
      compareNode(walk, before, after, child);
    }
  }
}

function compareArray(walk: Walk, p: SchemaObject, n: SchemaObject, segs: readonly Segment[]): void {
  const keywords = ['items', 'prefixItems'];
  if (!keywords.some((k) => p[k] !== undefined || n[k] !== undefined)) return;
  const [pPrefix, nPrefix] = [schemaList(p['prefixItems']), schemaList(n['prefixItems'])];
  const [pItems, nItems] = [schemaOr(p['items']), schemaOr(n['items'])];
  // Positions covered by a tuple on either side compare position by position; the rest compare `items`.
  for (let i = 0; i < Math.max(pPrefix.length, nPrefix.length); i++) {
    compareNode(walk, pPrefix[i] ?? pItems, nPrefix[i] ?? nItems, [...segs, { item: i }]);
  }
  compareNode(walk, pItems, nItems, [...segs, { item: '*' }]);
}

/**
 * Keywords the rules do not model (`anyOf`, `oneOf`, `allOf`, `not`, `if`/`then`/`else`,
 * `dependentSchemas`, `patternProperties`, …) and malformed ones: equal or UNCOMPARABLE, never
 * silently compatible.
 */
function compareOpaque(walk: Walk, p: SchemaObject, n: SchemaObject, segs: readonly Segment[]): void {
  const field = label(segs);
  for (const k of modelKeywords(p, n)) {
    const understood = STRUCTURED[k];
    if (understood && (p[k] === undefined || understood(p[k])) && (n[k] === undefined || understood(n[k]))) continue;
    if (equalValues(walk, k, p[k], n[k], [])) continue;
    const how = p[k] === undefined ? 'was added to' : n[k] === undefined ? 'was removed from' : 'changed in';
    const message = `${k} ${how} ${field}; Tessera cannot compare it, so it counts as breaking both ways`;
    report(walk, segs, { change: 'UNCOMPARABLE', message, breaks: BOTH });
  }
}

// ---- structural equality with $ref resolution ---------------------------------------------------------

const SUBSCHEMA = new Set([
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
const SUBSCHEMA_SETS = new Set(['allOf', 'anyOf', 'oneOf']);
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas']);
const UNORDERED = new Set(['required', 'enum', 'type']);

/** Keywords that take part in validation (annotations and `$defs`, reached through `$ref`, left out). */
function modelKeywords(a: SchemaObject, b: SchemaObject): Set<string> {
  const skip = (k: string): boolean => isAnnotation(k) || k === '$defs' || k === 'definitions';
  return new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !skip(k)));
}

function equalValues(walk: Walk, keyword: string, a: unknown, b: unknown, stack: [SchemaObject, SchemaObject][]): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (SUBSCHEMA.has(keyword)) return equalSchemas(walk, a, b, stack);
  if (SUBSCHEMA_SETS.has(keyword) && Array.isArray(a) && Array.isArray(b)) {
    // Branch order does not change what `anyOf`/`oneOf`/`allOf` accept.
    const matches = (xs: unknown[], ys: unknown[], flip: boolean): boolean =>
      xs.every((x) => ys.some((y) => (flip ? equalSchemas(walk, y, x, stack) : equalSchemas(walk, x, y, stack))));
    return a.length === b.length && matches(a, b, false) && matches(b, a, true);
  }
  if (keyword === 'prefixItems' && Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equalSchemas(walk, x, b[i], stack));
  }
  if (SUBSCHEMA_MAPS.has(keyword) && isSchemaObject(a) && isSchemaObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equalSchemas(walk, a[k], b[k], stack));
  }
  return UNORDERED.has(keyword) ? sameMembers(a, b) : deepEqual(a, b);
}

/** `a` read in the previous version and `b` in the next accept the same instances, judged structurally. */
function equalSchemas(walk: Walk, a: unknown, b: unknown, stack: [SchemaObject, SchemaObject][]): boolean {
  if (!isSchema(a) || !isSchema(b)) return deepEqual(a, b);
  const ra = resolve(walk, a, walk.prev);
  const rb = resolve(walk, b, walk.next);
  if (ra === undefined || rb === undefined) return deepEqual(a, b);
  if (ra === false || rb === false) return ra === rb;
  const x: SchemaObject = ra === true ? {} : ra;
  const y: SchemaObject = rb === true ? {} : rb;
  if (stack.some(([s, t]) => s === x && t === y)) return true;
  stack.push([x, y]);
  const equal = [...modelKeywords(x, y)].every((k) => equalValues(walk, k, x[k], y[k], stack));
  stack.pop();
  return equal;
}

// ---- $ref -----------------------------------------------------------------------------------------

/**
 * Follows local `$ref`s (`#/$defs/Money`, any `#/…` pointer) to the schema they name; `undefined` when
 * a reference is remote, dangling, or part of a loop of bare references. A `$ref` beside assertion
 * keywords means both apply, so it becomes `{ …siblings, allOf: [{ $ref }] }`.
 */
function resolve(walk: Walk, node: JsonSchema, root: JsonSchema): JsonSchema | undefined {
  const seen = new Set<string>();
  let current: JsonSchema = node;
  while (isSchemaObject(current) && typeof current['$ref'] === 'string') {
    const ref: string = current['$ref'];
    const target = seen.has(ref) ? undefined : lookup(root, ref);
    if (target === undefined) return undefined;
    seen.add(ref);
    const asserting = [...modelKeywords(current, {})].filter((k) => k !== '$ref');
    if (asserting.length > 0) return withSiblings(walk, current, ref, asserting);
    current = target;
  }
  return current;
}

function withSiblings(walk: Walk, node: SchemaObject, ref: string, keywords: readonly string[]): SchemaObject {
  const cached = walk.combined.get(node);
  if (cached) return cached;
  const allOf = node['allOf'];
  const siblings = Object.fromEntries(keywords.map((k) => [k, node[k]]));
  const combined = { ...siblings, allOf: [{ $ref: ref }, ...(Array.isArray(allOf) ? allOf : allOf === undefined ? [] : [allOf])] };
  walk.combined.set(node, combined);
  return combined;
}

function lookup(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined; // a malformed escape: the caller reports the reference as unresolvable
  }
  if (fragment === '') return root;
  if (!fragment.startsWith('/')) return undefined; // `$anchor` names are not supported
  let current: unknown = root;
  for (const raw of fragment.slice(1).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (isSchemaObject(current) && Object.hasOwn(current, seg)) current = current[seg];
    else if (Array.isArray(current) && /^\d+$/.test(seg)) current = current[Number(seg)];
    else return undefined;
  }
  return isSchema(current) ? current : undefined;
}

// ---- readers tolerant of malformed keywords (compareOpaque reports those) ----------------------------

function schemaMap(value: unknown): Map<string, JsonSchema> {
  if (!isSchemaObject(value)) return new Map();
  return new Map(Object.entries(value).filter((entry): entry is [string, JsonSchema] => isSchema(entry[1])));
}

function stringSet(value: unknown): Set<string> {
  return new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
}

function schemaList(value: unknown): JsonSchema[] {
  return Array.isArray(value) ? value.filter(isSchema) : [];
}

function schemaOr(value: unknown): JsonSchema {
  return isSchema(value) ? value : true;
}
