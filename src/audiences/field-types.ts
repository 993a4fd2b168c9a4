import type { AttributeOperator } from './rule.js';

/*
 * The value types of catalogue fields and event properties, and which operators each admits.
 * Both evaluators read a field as one of these or null (field-values.ts says how a raw value is
 * coerced), so a rule never meets a value of a type it was not validated for.
 */

export const FIELD_TYPES = ['string', 'number', 'boolean', 'date', 'enum'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A field's value as the evaluators see it: dates are epoch milliseconds, absent is null. */
export type FieldValue = string | number | boolean | null;

const NULLS = ['null', 'notNull'] as const;

/** Operators allowed per type. Strings are not ordered (no `<`); dates have no `=` (instants rarely match to the millisecond). */
export const OPERATORS_BY_TYPE: Readonly<Record<FieldType, readonly AttributeOperator[]>> = {
  string: [
    '=',
    '!=',
    'contains',
    'beginsWith',
    'endsWith',
    'doesNotContain',
    'doesNotBeginWith',
    'doesNotEndWith',
    'in',
    'notIn',
    ...NULLS,
  ],
  enum: ['=', '!=', 'in', 'notIn', ...NULLS],
  number: ['=', '!=', '<', '>', '<=', '>=', 'between', 'notBetween', 'in', 'notIn', ...NULLS],
  boolean: ['=', '!=', ...NULLS],
  date: ['<', '>', '<=', '>=', 'between', 'notBetween', 'withinLastDays', 'olderThanDays', ...NULLS],
};

/** Operators whose value is a list, a pair, a day count, or nothing. */
export const LIST_OPERATORS: ReadonlySet<AttributeOperator> = new Set(['in', 'notIn']);
export const RANGE_OPERATORS: ReadonlySet<AttributeOperator> = new Set(['between', 'notBetween']);
export const DAY_OPERATORS: ReadonlySet<AttributeOperator> = new Set(['withinLastDays', 'olderThanDays']);
export const NULL_OPERATORS: ReadonlySet<AttributeOperator> = new Set(NULLS);

export const DAY_MS = 86_400_000;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date (midnight UTC) or date-time with an offset, as epoch ms; null when it is neither. */
export const parseInstant = (value: unknown): number | null => {
  if (typeof value !== 'string' || !(DATE_ONLY.test(value) || DATE_TIME.test(value))) return null;
  const ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? null : ms;
};

export const isDateOnly = (value: string): boolean => DATE_ONLY.test(value);

/**
 * A raw value read as a field of the type, or null: the one coercion both evaluators rely on.
 * A date field accepts an ISO string or epoch ms; an enum field accepts any string (a value the
 * catalogue does not list simply matches no rule that names listed values).
 */
export const coerce = (type: FieldType, raw: unknown): FieldValue => {
  switch (type) {
    case 'string':
    case 'enum':
      return typeof raw === 'string' ? raw : null;
    case 'number':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : null;
    case 'date':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : parseInstant(raw);
  }
};
