import type { EventCondition, PropertyFilterCondition, WindowCondition } from './conditions.js';
import type { EventCatalogue } from './event-catalogue.js';
import { DAY_MS, DAY_OPERATORS, isDateOnly, OPERATORS_BY_TYPE, parseInstant } from './field-types.js';
import { parseOperand } from './operand.js';
import { COUNT_OPS, type AttributeOperator, type CountOp } from './rule.js';
import type { IssueCode } from './validation-issues.js';

/*
 * Reading an event condition: `{ field: 'event', operator: 'performed' | 'notPerformed', eventType,
 * propertyFilters?, count?, window }`. Reports every problem; answers the condition only when
 * there was none.
 */

export type Report = (path: string, code: IssueCode, message: string) => void;
type Json = Record<string, unknown>;

export interface EventRuleContext {
  readonly events: EventCatalogue;
  readonly retainedEventDays: number;
  readonly now: number;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

const readCount = (raw: unknown, negated: boolean, path: string, report: Report): EventCondition['count'] | undefined => {
  if (negated) {
    if (raw !== undefined) report(`${path}/count`, 'BAD_VALUE', 'notPerformed takes no count (it means exactly 0)');
    return { op: 'exactly', n: 0 };
  }
  if (raw === undefined) return { op: 'atLeast', n: 1 };
  if (!isObject(raw)) {
    report(`${path}/count`, 'BAD_SHAPE', "count must be { op: 'atLeast' | 'atMost' | 'exactly', n }");
    return undefined;
  }
  const op = raw.op as CountOp;
  if (!COUNT_OPS.includes(op)) {
    report(`${path}/count/op`, 'BAD_VALUE', `count.op must be one of ${COUNT_OPS.join(', ')}`);
    return undefined;
  }
  const n = raw.n;
  const least = op === 'atLeast' ? 1 : 0;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < least || n > 1_000_000) {
    report(
      `${path}/count/n`,
      'BAD_VALUE',
      `count.n must be a whole number from ${least}${op === 'atLeast' ? ' (at least 0 is always true)' : ''}`,
    );
    return undefined;
  }
  return { op, n };
};

const readWindow = (raw: unknown, path: string, context: EventRuleContext, report: Report): WindowCondition | undefined => {
  const horizon = context.retainedEventDays;
  if (!isObject(raw) || (raw.lastDays === undefined) === (raw.from === undefined && raw.to === undefined)) {
    report(`${path}/window`, 'BAD_SHAPE', 'window must be { lastDays } or { from, to }');
    return undefined;
  }
  if (raw.lastDays !== undefined) {
    const days = raw.lastDays;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1) {
      report(`${path}/window/lastDays`, 'BAD_VALUE', 'lastDays must be a whole number of days, at least 1');
      return undefined;
    }
    if (days > horizon) {
      report(
        `${path}/window/lastDays`,
        'WINDOW_TOO_LONG',
        `a window of ${days} days is longer than the ${horizon} days of events retained`,
      );
      return undefined;
    }
    return { kind: 'last', days };
  }
  const from = parseInstant(raw.from);
  const to = parseInstant(raw.to);
  if (from === null) report(`${path}/window/from`, 'BAD_VALUE', 'from must be an ISO 8601 date or date-time with an offset');
  if (to === null) report(`${path}/window/to`, 'BAD_VALUE', 'to must be an ISO 8601 date or date-time with an offset');
  if (from === null || to === null) return undefined;
  // A date-only `to` includes that day: the interval is [from, to + 1 day).
  const end = isDateOnly(raw.to as string) ? to + DAY_MS : to;
  if (end <= from) {
    report(`${path}/window`, 'BAD_VALUE', 'the window ends before it starts');
    return undefined;
  }
  const oldest = context.now - horizon * DAY_MS;
  if (from < oldest) {
    report(
      `${path}/window/from`,
      'WINDOW_TOO_LONG',
      `events before ${new Date(oldest).toISOString()} are no longer retained (${horizon} days of events are kept)`,
    );
    return undefined;
  }
  return { kind: 'between', from, to: end };
};

const FILTER_KEYS = new Set(['field', 'operator', 'value', 'id']);

const readFilters = (raw: unknown, eventType: string, path: string, context: EventRuleContext, report: Report) => {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    report(`${path}/propertyFilters`, 'BAD_SHAPE', 'propertyFilters must be a list of { field, operator, value }');
    return undefined;
  }
  const properties = new Map((context.events.get(eventType)?.properties ?? []).map((p) => [p.path, p]));
  const filters: PropertyFilterCondition[] = [];
  let ok = true;
  raw.forEach((item: unknown, i) => {
    const at = `${path}/propertyFilters/${i}`;
    if (!isObject(item) || typeof item.field !== 'string' || typeof item.operator !== 'string') {
      report(at, 'BAD_SHAPE', 'a property filter is { field, operator, value }');
      ok = false;
      return;
    }
    for (const key of Object.keys(item)) if (!FILTER_KEYS.has(key)) report(`${at}/${key}`, 'UNKNOWN_KEY', `unknown key '${key}'`);
    const property = properties.get(item.field);
    if (!property) {
      report(`${at}/field`, 'UNKNOWN_PROPERTY', `${eventType} has no property '${item.field}'`);
      ok = false;
      return;
    }
    const operator = item.operator as AttributeOperator;
    const allowed = OPERATORS_BY_TYPE[property.type].filter((o) => !DAY_OPERATORS.has(o));
    if (!allowed.includes(operator)) {
      report(
        `${at}/operator`,
        'OPERATOR_NOT_ALLOWED',
        `'${item.operator}' does not apply to ${property.type} property ${item.field}; use ${allowed.join(', ')}`,
      );
      ok = false;
      return;
    }
    const operand = parseOperand(property.type, operator, item.value, property.values);
    if (!operand.ok) {
      report(`${at}/value`, 'BAD_VALUE', operand.message);
      ok = false;
      return;
    }
    filters.push({ property: item.field, comparison: { type: property.type, operator, operand: operand.operand } });
  });
  return ok ? filters : undefined;
};

export const readEventRule = (raw: Json, path: string, context: EventRuleContext, report: Report): EventCondition | undefined => {
  const operator = raw.operator;
  if (operator !== 'performed' && operator !== 'notPerformed') {
    report(`${path}/operator`, 'UNKNOWN_OPERATOR', "an event condition's operator is 'performed' or 'notPerformed'");
    return undefined;
  }
  const eventType = raw.eventType;
  if (typeof eventType !== 'string' || !context.events.has(eventType)) {
    report(
      `${path}/eventType`,
      'UNKNOWN_EVENT_TYPE',
      typeof eventType === 'string' ? `no contract declares the event type '${eventType}' (write source/type)` : 'eventType is required',
    );
    return undefined;
  }
  const negated = operator === 'notPerformed';
  const count = readCount(raw.count, negated, path, report);
  const window = readWindow(raw.window, path, context, report);
  const filters = readFilters(raw.propertyFilters, eventType, path, context, report);
  if (!count || !window || !filters) return undefined;
  return { kind: 'event', path, eventType, filters, count, negated, window };
};
