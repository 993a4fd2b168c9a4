import type { ChangeKind, Direction, JsonSchema } from './schema-compat.js';

/**
 * The per-keyword rules of decision 0004, applied to one pair of (already resolved) schema nodes.
 * Each rule returns findings without a path; `schema-compat.ts` walks the tree and adds the path.
 * "Tightened" means the new version accepts fewer instances (breaks BACKWARD: old events may be
 * refused); "loosened" means it accepts more (breaks FORWARD: old consumers may see what they refuse).
 */

export type SchemaObject = { readonly [keyword: string]: unknown };

export interface Finding {
  readonly change: ChangeKind;
  readonly message: string;
  readonly breaks: readonly Direction[];
}

export const BACKWARD: readonly Direction[] = ['BACKWARD'];
export const FORWARD: readonly Direction[] = ['FORWARD'];
export const BOTH: readonly Direction[] = ['BACKWARD', 'FORWARD'];
export const NEITHER: readonly Direction[] = [];

/** Keywords that never change which instances validate (JSON Schema 2020-12 meta-data and content vocabularies). */
const ANNOTATIONS = new Set([
  'title',
  'description',
  'examples',
  '$comment',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$id',
  '$schema',
  '$anchor',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
]);

/** `x-…` extensions are Tessera's and vendors' annotations; Ajv in strict mode refuses any other unknown keyword. */
export function isAnnotation(keyword: string): boolean {
  return ANNOTATIONS.has(keyword) || keyword.startsWith('x-');
}

export function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'boolean' || isSchemaObject(value);
}

/** Structural equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isSchemaObject(a) || !isSchemaObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/** Same members regardless of order (for `required`, `enum`, `type`, where order carries no meaning). */
export function sameMembers(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return deepEqual(a, b);
  return a.every((x) => b.some((y) => deepEqual(x, y))) && b.every((y) => a.some((x) => deepEqual(x, y)));
}

const show = (value: unknown): string => JSON.stringify(value);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';

/** The keywords the rules below understand, with the shape they must have to be understood. */
export const STRUCTURED: Readonly<Record<string, (value: unknown) => boolean>> = {
  type: (v) => isString(v) || (Array.isArray(v) && v.every(isString)),
  enum: Array.isArray,
  const: () => true,
  minimum: isNumber,
  maximum: isNumber,
  exclusiveMinimum: isNumber,
  exclusiveMaximum: isNumber,
  minLength: isNumber,
  maxLength: isNumber,
  minItems: isNumber,
  maxItems: isNumber,
  minProperties: isNumber,
  maxProperties: isNumber,
  minContains: isNumber,
  maxContains: isNumber,
  multipleOf: (v) => isNumber(v) && v > 0,
  pattern: isString,
  format: isString,
  uniqueItems: (v) => typeof v === 'boolean',
  properties: (v) => isSchemaObject(v) && Object.values(v).every(isSchema),
  required: (v) => Array.isArray(v) && v.every(isString),
  additionalProperties: isSchema,
  items: isSchema,
  prefixItems: (v) => Array.isArray(v) && v.every(isSchema),
};

// ---- type -----------------------------------------------------------------------------------------

function typeSet(s: SchemaObject): Set<string> | undefined {
  const t = s['type'];
  if (isString(t)) return new Set([t]);
  return Array.isArray(t) ? new Set(t.filter(isString)) : undefined;
}

/** Every value of a type in `from` is also of a type in `to` ("integer" is a subset of "number"). */
function within(from: Set<string>, to: Set<string>): boolean {
  return [...from].every((t) => to.has(t) || (t === 'integer' && to.has('number')));
}

export function typeRule(p: SchemaObject, n: SchemaObject, field: string): Finding[] {
  const before = typeSet(p);
  const after = typeSet(n);
  if (!before && !after) return [];
  const from = show(p['type'] ?? 'any');
  const to = show(n['type'] ?? 'any');
  const narrowed = { change: 'TYPE_NARROWED', message: `type of ${field} narrowed from ${from} to ${to}`, breaks: BACKWARD } as const;
  const widened = { change: 'TYPE_WIDENED', message: `type of ${field} widened from ${from} to ${to}`, breaks: FORWARD } as const;
  if (!before) return [narrowed];
  if (!after) return [widened];
  const grew = !within(after, before);
  const shrank = !within(before, after);
  if (grew && shrank) return [{ change: 'TYPE_CHANGED', message: `type of ${field} changed from ${from} to ${to}`, breaks: BOTH }];
  if (shrank) return [narrowed];
  return grew ? [widened] : [];
}

// ---- enum / const -------------------------------------------------------------------------------

function allowedValues(s: SchemaObject): { keyword: string; values: readonly unknown[] } | undefined {
  if (Object.hasOwn(s, 'const')) return { keyword: 'const', values: [s['const']] };
  const e = s['enum'];
  return Array.isArray(e) ? { keyword: 'enum', values: e } : undefined;
}

export function valuesRule(p: SchemaObject, n: SchemaObject, field: string): Finding[] {
  const before = allowedValues(p);
  const after = allowedValues(n);
  if (!before && !after) return [];
  if (!before && after) {
    const message = `${field} is now restricted to ${after.keyword} ${show(after.keyword === 'const' ? after.values[0] : after.values)}`;
    return [{ change: 'ENUM_INTRODUCED', message, breaks: BACKWARD }];
  }
  if (before && !after) {
    return [{ change: 'ENUM_DROPPED', message: `${before.keyword} of ${field} was dropped; any value is accepted`, breaks: FORWARD }];
  }
  if (!before || !after) return [];
  const removed = before.values.filter((v) => !after.values.some((w) => deepEqual(v, w)));
  const added = after.values.filter((v) => !before.values.some((w) => deepEqual(v, w)));
  const out: Finding[] = [];
  if (removed.length > 0) {
    out.push({ change: 'ENUM_VALUES_REMOVED', message: `${field} no longer accepts ${removed.map(show).join(', ')}`, breaks: BACKWARD });
  }
  if (added.length > 0) {
    out.push({ change: 'ENUM_VALUES_ADDED', message: `${field} now also accepts ${added.map(show).join(', ')}`, breaks: FORWARD });
  }
  return out;
}

// ---- bounds -------------------------------------------------------------------------------------

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}
interface BoundSpec {
  readonly name: string;
  readonly side: 'lower' | 'upper';
  readonly exclusive?: string;
}

const BOUNDS: readonly BoundSpec[] = [
  { name: 'minimum', side: 'lower', exclusive: 'exclusiveMinimum' },
  { name: 'maximum', side: 'upper', exclusive: 'exclusiveMaximum' },
  { name: 'minLength', side: 'lower' },
  { name: 'maxLength', side: 'upper' },
  { name: 'minItems', side: 'lower' },
  { name: 'maxItems', side: 'upper' },
  { name: 'minProperties', side: 'lower' },
  { name: 'maxProperties', side: 'upper' },
  { name: 'minContains', side: 'lower' },
  { name: 'maxContains', side: 'upper' },
];

/** The effective bound: with both `minimum` and `exclusiveMinimum`, the tighter one wins. */
function readBound(s: SchemaObject, spec: BoundSpec): Bound | undefined {
  const inclusive = s[spec.name];
  const exclusive = spec.exclusive === undefined ? undefined : s[spec.exclusive];
  const candidates: Bound[] = [];
  // minLength 0 (and friends) is the default: it bounds nothing.
  if (isNumber(inclusive) && !(spec.side === 'lower' && !spec.exclusive && inclusive === 0)) {
    candidates.push({ value: inclusive, exclusive: false });
  }
  if (isNumber(exclusive)) candidates.push({ value: exclusive, exclusive: true });
  return candidates.reduce<Bound | undefined>((best, b) => (best && !tighter(b, best, spec.side) ? best : b), undefined);
}

function tighter(a: Bound, b: Bound, side: 'lower' | 'upper'): boolean {
  if (a.value !== b.value) return side === 'lower' ? a.value > b.value : a.value < b.value;
  return a.exclusive && !b.exclusive;
}

function showBound(b: Bound | undefined, side: 'lower' | 'upper'): string {
  if (!b) return 'none';
  const op = side === 'lower' ? (b.exclusive ? '>' : '>=') : b.exclusive ? '<' : '<=';
  return `${op} ${b.value}`;
}

export function boundsRule(p: SchemaObject, n: SchemaObject, field: string): Finding[] {
  const out: Finding[] = [];
  for (const spec of BOUNDS) {
    const before = readBound(p, spec);
    const after = readBound(n, spec);
    const range = `from ${showBound(before, spec.side)} to ${showBound(after, spec.side)}`;
    if (after && (!before || tighter(after, before, spec.side))) {
      out.push({ change: 'CONSTRAINT_TIGHTENED', message: `${spec.name} of ${field} tightened ${range}`, breaks: BACKWARD });
    } else if (before && (!after || tighter(before, after, spec.side))) {
      out.push({ change: 'CONSTRAINT_LOOSENED', message: `${spec.name} of ${field} loosened ${range}`, breaks: FORWARD });
    }
  }
  return out;
}

// ---- pattern, format, multipleOf, uniqueItems ------------------------------------------------------

/**
 * Regular expressions and formats cannot be ordered, so any change of one breaks both directions.
 * (Decision 0004 notes that a changed `format` counts both ways: `date-time` → `date` refuses old
 * events and lets new events through that old consumers refuse.)
 */
export function stringRule(p: SchemaObject, n: SchemaObject, field: string): Finding[] {
  const out: Finding[] = [];
  for (const keyword of ['pattern', 'format'] as const) {
    const before = p[keyword];
    const after = n[keyword];
    if (deepEqual(before, after)) continue;
    if (before === undefined) {
      out.push({ change: 'CONSTRAINT_TIGHTENED', message: `${keyword} ${show(after)} added to ${field}`, breaks: BACKWARD });
    } else if (after === undefined) {
      out.push({ change: 'CONSTRAINT_LOOSENED', message: `${keyword} ${show(before)} removed from ${field}`, breaks: FORWARD });
    } else {
      const message = `${keyword} of ${field} changed from ${show(before)} to ${show(after)}; the two cannot be compared`;
      out.push({ change: 'CONSTRAINT_CHANGED', message, breaks: BOTH });
    }
  }
  return out;
}

/** Whether `a` is a whole multiple of `b`, allowing for binary floating point (0.3 / 0.1). */
function multipleOf(a: number, b: number): boolean {
  const ratio = a / b;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

export function numberRule(p: SchemaObject, n: SchemaObject, field: string): Finding[] {
  const out: Finding[] = [];
  const before = p['multipleOf'];
  const after = n['multipleOf'];
  if (isNumber(before) || isNumber(after)) {
    const range = `multipleOf of ${field} changed from ${show(before ?? 'none')} to ${show(after ?? 'none')}`;
    if (!isNumber(before)) out.push({ change: 'CONSTRAINT_TIGHTENED', message: range, breaks: BACKWARD });
    else if (!isNumber(after)) out.push({ change: 'CONSTRAINT_LOOSENED', message: range, breaks: FORWARD });
    else if (before === after) {
      /* unchanged */
    }
    // Multiples of 4 are multiples of 2: 2 → 4 only refuses more, 4 → 2 only accepts more.
    else if (multipleOf(after, before)) out.push({ change: 'CONSTRAINT_TIGHTENED', message: range, breaks: BACKWARD });
    else if (multipleOf(before, after)) out.push({ change: 'CONSTRAINT_LOOSENED', message: range, breaks: FORWARD });
    else out.push({ change: 'CONSTRAINT_CHANGED', message: range, breaks: BOTH });
  }
  const uniqueBefore = p['uniqueItems'] === true;
  const uniqueAfter = n['uniqueItems'] === true;
  if (!uniqueBefore && uniqueAfter) {
    out.push({ change: 'CONSTRAINT_TIGHTENED', message: `items of ${field} must now be unique`, breaks: BACKWARD });
  } else if (uniqueBefore && !uniqueAfter) {
    out.push({ change: 'CONSTRAINT_LOOSENED', message: `items of ${field} no longer need to be unique`, breaks: FORWARD });
  }
  return out;
}

// ---- annotations --------------------------------------------------------------------------------

export function annotationRule(p: SchemaObject, n: SchemaObject, field: string): Finding[] {
  const keys = new Set([...Object.keys(p), ...Object.keys(n)].filter(isAnnotation));
  return [...keys]
    .filter((k) => !deepEqual(p[k], n[k]))
    .map((k): Finding => ({ change: 'ANNOTATION_CHANGED', message: `${k} of ${field} changed (annotation only)`, breaks: NEITHER }));
}

/** The value-level rules, in the order their findings are reported. */
export const VALUE_RULES = [typeRule, valuesRule, boundsRule, stringRule, numberRule] as const;
