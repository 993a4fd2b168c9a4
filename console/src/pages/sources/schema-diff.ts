import type { SchemaChange } from './types.js';

/**
 * Reading two schema versions side by side: each change the API classified, grouped as added,
 * removed or changed, and a flat table of the fields of both versions. Pure, no React.
 */
export type ChangeGroup = 'added' | 'removed' | 'changed';

const ADDED = new Set(['REQUIRED_FIELD_ADDED', 'OPTIONAL_FIELD_ADDED', 'ENUM_VALUES_ADDED', 'CONTENT_MODEL_OPENED']);
const REMOVED = new Set([
  'REQUIRED_FIELD_REMOVED',
  'OPTIONAL_FIELD_REMOVED',
  'ENUM_VALUES_REMOVED',
  'ENUM_DROPPED',
  'CONTENT_MODEL_CLOSED',
]);

export const changeGroup = (change: SchemaChange): ChangeGroup =>
  ADDED.has(change.change) ? 'added' : REMOVED.has(change.change) ? 'removed' : 'changed';

/** `REQUIRED_FIELD_ADDED` → "required field added". */
export const changeKindText = (kind: string): string => kind.toLowerCase().replaceAll('_', ' ');

/** What a change breaks, in words a data steward reads. */
export const breaksText = (change: SchemaChange): string => {
  const backward = change.breaks.includes('BACKWARD');
  const forward = change.breaks.includes('FORWARD');
  if (backward && forward) return 'breaks old and new readers';
  if (backward) return 'old events fail the new version';
  if (forward) return 'new events fail old readers';
  return 'compatible';
};

export interface SchemaField {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
}

type Schema = Record<string, unknown>;
const isSchema = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);

const typeText = (schema: Schema): string => {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('const' in schema) return `= ${JSON.stringify(schema.const)}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : typeof schema.type === 'string' ? schema.type : undefined;
  const format = typeof schema.format === 'string' ? ` (${schema.format})` : '';
  if (type) return type + format + constraintsText(schema);
  if (typeof schema.$ref === 'string') return `see ${schema.$ref}`;
  return 'any';
};

const CONSTRAINTS: readonly [string, string][] = [
  ['minimum', '≥'],
  ['exclusiveMinimum', '>'],
  ['maximum', '≤'],
  ['exclusiveMaximum', '<'],
  ['minLength', 'length ≥'],
  ['maxLength', 'length ≤'],
  ['pattern', 'matches'],
  ['minItems', 'items ≥'],
  ['maxItems', 'items ≤'],
];

/** `{ minimum: 0, maxLength: 40 }` → ", ≥ 0, length ≤ 40": a tightened limit shows as a changed field. */
const constraintsText = (schema: Schema): string =>
  CONSTRAINTS.filter(([keyword]) => schema[keyword] !== undefined)
    .map(([keyword, words]) => `, ${words} ${String(schema[keyword])}`)
    .join('');

/** Every declared field of a schema, dotted (`amount.value`, `items[].id`), with its type in words. */
export const schemaFields = (schema: unknown, prefix = '', required = true): SchemaField[] => {
  if (!isSchema(schema)) return [];
  const out: SchemaField[] = [];
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const requiredNames = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]).map(String) : []);
  for (const [name, child] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const childRequired = required && requiredNames.has(name);
    if (!isSchema(child)) continue;
    out.push({ path, type: typeText(child), required: childRequired });
    out.push(...schemaFields(child, path, childRequired));
    if (isSchema(child.items)) out.push(...schemaFields(child.items, `${path}[]`, childRequired));
  }
  return out;
};

export interface FieldRow {
  readonly path: string;
  readonly from: SchemaField | undefined;
  readonly to: SchemaField | undefined;
  readonly status: ChangeGroup | 'same';
}

/** The fields of two versions side by side, in the order of the newer one, removed fields last. */
export const compareFields = (from: unknown, to: unknown): FieldRow[] => {
  const before = new Map(schemaFields(from).map((f) => [f.path, f]));
  const after = schemaFields(to);
  const rows: FieldRow[] = after.map((field) => {
    const old = before.get(field.path);
    const status = !old ? 'added' : old.type !== field.type || old.required !== field.required ? 'changed' : 'same';
    return { path: field.path, from: old, to: field, status };
  });
  const seen = new Set(after.map((f) => f.path));
  for (const [path, field] of before) if (!seen.has(path)) rows.push({ path, from: field, to: undefined, status: 'removed' });
  return rows;
};
