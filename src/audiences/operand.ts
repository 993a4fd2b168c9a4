import type { Operand } from './conditions.js';
import { DAY_OPERATORS, LIST_OPERATORS, NULL_OPERATORS, parseInstant, RANGE_OPERATORS, type FieldType } from './field-types.js';
import type { AttributeOperator } from './rule.js';

/*
 * Reading a rule's `value` for its field type and operator. Lenient where react-querybuilder's
 * editors are (numbers typed into a text box arrive as strings; lists and ranges as "a,b" unless
 * `listsAsArrays` is set), strict about meaning: a value that is not of the field's type, an enum
 * value that is not listed, an empty list or a reversed range is refused with a message.
 */

export type OperandResult = { readonly ok: true; readonly operand: Operand } | { readonly ok: false; readonly message: string };

/** Longest relative-date span: a century. */
const MAX_DAYS = 36_500;

const fail = (message: string): OperandResult => ({ ok: false, message });
const show = (raw: unknown): string => (typeof raw === 'string' ? `'${raw}'` : (JSON.stringify(raw) ?? String(raw)));

type Scalar = { ok: true; value: string | number | boolean } | { ok: false; message: string };

const NUMERIC = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** One value of the type: a number from a number or a numeric string, a date as epoch ms, an enum value from its list. */
export const parseScalar = (type: FieldType, raw: unknown, values?: readonly string[]): Scalar => {
  switch (type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && NUMERIC.test(raw) ? Number(raw) : Number.NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: `${show(raw)} is not a number` };
    }
    case 'date': {
      const ms = parseInstant(raw);
      return ms === null
        ? { ok: false, message: `${show(raw)} is not an ISO 8601 date or date-time with an offset` }
        : { ok: true, value: ms };
    }
    case 'boolean':
      if (raw === true || raw === 'true') return { ok: true, value: true };
      if (raw === false || raw === 'false') return { ok: true, value: false };
      return { ok: false, message: `${show(raw)} is not true or false` };
    case 'enum':
      if (typeof raw !== 'string') return { ok: false, message: `${show(raw)} is not a string` };
      return values === undefined || values.includes(raw)
        ? { ok: true, value: raw }
        : { ok: false, message: `${show(raw)} is not one of ${values.join(', ')}` };
    case 'string':
      if (typeof raw !== 'string') return { ok: false, message: `${show(raw)} is not a string` };
      return raw === '' ? { ok: false, message: 'the value is empty' } : { ok: true, value: raw };
  }
};

/** A list or pair: an array, or react-querybuilder's comma-separated string. */
const items = (raw: unknown): unknown[] | undefined =>
  Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : undefined;

export const parseOperand = (type: FieldType, operator: AttributeOperator, raw: unknown, values?: readonly string[]): OperandResult => {
  if (NULL_OPERATORS.has(operator)) return { ok: true, operand: { kind: 'none' } };
  if (DAY_OPERATORS.has(operator)) {
    const n = parseScalar('number', raw);
    if (!n.ok || !Number.isInteger(n.value) || (n.value as number) < 1 || (n.value as number) > MAX_DAYS)
      return fail(`${operator} takes a whole number of days from 1 to ${MAX_DAYS}, got ${show(raw)}`);
    return { ok: true, operand: { kind: 'days', days: n.value as number } };
  }
  if (LIST_OPERATORS.has(operator)) {
    const list = items(raw);
    if (list === undefined || list.length === 0 || (list.length === 1 && list[0] === ''))
      return fail(`${operator} takes a non-empty list of values`);
    const parsed: (string | number)[] = [];
    for (const [i, item] of list.entries()) {
      const one = parseScalar(type, item, values);
      if (!one.ok) return fail(`item ${i}: ${one.message}`);
      parsed.push(one.value as string | number);
    }
    return { ok: true, operand: { kind: 'list', values: parsed } };
  }
  if (RANGE_OPERATORS.has(operator)) {
    const pair = items(raw);
    if (pair === undefined || pair.length !== 2) return fail(`${operator} takes two values [low, high], got ${show(raw)}`);
    const [low, high] = pair.map((p) => parseScalar(type, p));
    if (!low?.ok) return fail(`low: ${low?.message}`);
    if (!high?.ok) return fail(`high: ${high?.message}`);
    if ((low.value as number) > (high.value as number)) return fail(`the range is reversed: ${show(pair[0])} is after ${show(pair[1])}`);
    return { ok: true, operand: { kind: 'range', low: low.value as number, high: high.value as number } };
  }
  const one = parseScalar(type, raw, values);
  return one.ok ? { ok: true, operand: { kind: 'scalar', value: one.value } } : fail(one.message);
};
