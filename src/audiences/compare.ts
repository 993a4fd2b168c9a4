import type { Comparison, Operand } from './conditions.js';
import type { FieldDefinition } from './field-catalogue.js';
import { coerce, DAY_MS, type FieldType, type FieldValue } from './field-types.js';

/*
 * The meaning of every operator on one value, shared by both evaluators (the bulk evaluator uses
 * these predicates on dictionary entries and falls back to them for rare operators), so "same
 * members" holds by construction where it can.
 *
 * Null: every comparison with a null (absent) value is false, except `null` and `notNull`.
 * `!=`, `notIn` and `doesNotContain` included: "plan type is not prepaid" does not select a
 * profile with no plan type. Negate a group (`not: true`) to include them.
 */

export type Predicate = (value: FieldValue, now: number) => boolean;

/** A field of an input as the evaluators see it: absent reads as `whenAbsent` or null, then coerced to the field's type. */
export const readField = (fields: Readonly<Record<string, FieldValue>>, field: FieldDefinition): FieldValue => {
  const raw = fields[field.id];
  return raw === undefined || raw === null ? (field.whenAbsent ?? null) : coerce(field.type, raw);
};

/** A dot path into an event's properties, coerced to the filter's type. */
export const readProperty = (properties: Readonly<Record<string, unknown>>, path: readonly string[], type: FieldType): FieldValue => {
  let at: unknown = properties;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return null;
    at = (at as Record<string, unknown>)[part];
  }
  return coerce(type, at);
};

const scalar = (operand: Operand): string | number | boolean => {
  if (operand.kind !== 'scalar') throw new Error(`expected a single value, got ${operand.kind}`);
  return operand.value;
};
const text = (operand: Operand): string => String(scalar(operand));
const num = (operand: Operand): number => scalar(operand) as number;

/** The predicate of a comparison. */
export const predicateOf = (comparison: Comparison): Predicate => {
  const { operator, operand } = comparison;
  switch (operator) {
    case 'null':
      return (v) => v === null;
    case 'notNull':
      return (v) => v !== null;
    case '=': {
      const x = scalar(operand);
      return (v) => v !== null && v === x;
    }
    case '!=': {
      const x = scalar(operand);
      return (v) => v !== null && v !== x;
    }
    case '<': {
      const x = num(operand);
      return (v) => v !== null && (v as number) < x;
    }
    case '<=': {
      const x = num(operand);
      return (v) => v !== null && (v as number) <= x;
    }
    case '>': {
      const x = num(operand);
      return (v) => v !== null && (v as number) > x;
    }
    case '>=': {
      const x = num(operand);
      return (v) => v !== null && (v as number) >= x;
    }
    case 'contains': {
      const x = text(operand);
      return (v) => typeof v === 'string' && v.includes(x);
    }
    case 'doesNotContain': {
      const x = text(operand);
      return (v) => typeof v === 'string' && !v.includes(x);
    }
    case 'beginsWith': {
      const x = text(operand);
      return (v) => typeof v === 'string' && v.startsWith(x);
    }
    case 'doesNotBeginWith': {
      const x = text(operand);
      return (v) => typeof v === 'string' && !v.startsWith(x);
    }
    case 'endsWith': {
      const x = text(operand);
      return (v) => typeof v === 'string' && v.endsWith(x);
    }
    case 'doesNotEndWith': {
      const x = text(operand);
      return (v) => typeof v === 'string' && !v.endsWith(x);
    }
    case 'in':
    case 'notIn': {
      if (operand.kind !== 'list') throw new Error(`${operator} needs a list`);
      const set = new Set<string | number>(operand.values);
      const wanted = operator === 'in';
      return (v) => v !== null && typeof v !== 'boolean' && set.has(v) === wanted;
    }
    case 'between':
    case 'notBetween': {
      if (operand.kind !== 'range') throw new Error(`${operator} needs a range`);
      const { low, high } = operand;
      const inside = operator === 'between';
      return (v) => typeof v === 'number' && (low <= v && v <= high) === inside;
    }
    case 'withinLastDays':
    case 'olderThanDays': {
      if (operand.kind !== 'days') throw new Error(`${operator} needs a number of days`);
      const span = operand.days * DAY_MS;
      return operator === 'withinLastDays'
        ? (v, now) => typeof v === 'number' && now - span < v && v <= now
        : (v, now) => typeof v === 'number' && v <= now - span;
    }
  }
};

/**
 * When the comparison of a fixed value next changes its answer because time passes, or null
 * when it never does. Only the relative-date operators depend on time.
 */
export const comparisonNextChange = (comparison: Comparison, value: FieldValue, now: number): number | null => {
  if (typeof value !== 'number' || comparison.operand.kind !== 'days') return null;
  const end = value + comparison.operand.days * DAY_MS;
  if (comparison.operator === 'withinLastDays') {
    if (value > now) return value; // a future date enters the window when its time comes
    return end > now ? end : null;
  }
  return end > now ? end : null;
};
