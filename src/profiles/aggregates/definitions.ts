import { canonicalJson } from '../../core/canonical-json.js';
import { AppError, type ErrorDetail } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { compileExpression, type CompiledExpression } from './expression.js';
import { ExpressionError } from './expression-parser.js';

/*
 * A declared rolling aggregate: which events, what value, how aggregated, over which windows. The
 * definition is data (an operator can write one in a config file); `validateDefinition` checks it and
 * compiles it once into a `CompiledAggregate`, which is what the hot path (`applyEvent`) uses.
 */

export const AGGREGATIONS = ['sum', 'count', 'distinct_count', 'min', 'max', 'last', 'average'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Windows of whole local days ending today (today included). */
export const DAY_WINDOWS = { '1d': 1, '7d': 7, '30d': 30, '60d': 60, '90d': 90 } as const;
export type DayWindowName = keyof typeof DAY_WINDOWS;
/** The last N counted events, whatever their age (ARPU over the last 3 bills: `last_3`). */
export type RecentWindowName = `last_${number}`;
export type WindowName = DayWindowName | 'calendar_month' | RecentWindowName;

/** The largest N of a `last_N` window: the events are kept one by one in the state. */
export const MAX_RECENT_EVENTS = 50;

export const UNITS = ['octets', 'seconds', 'minutes', 'count', 'days', 'RUB'] as const;
export type AggregateUnit = (typeof UNITS)[number];

export const DEFAULT_DECIMALS = 2;
const MAX_DECIMALS = 6;

export interface AggregateDefinition {
  /** Stable id, snake_case, e.g. `data_usage_home`; aggregates are read and stored under it. */
  readonly id: string;
  /** Words for the console and reason codes, e.g. "Data used at home". */
  readonly label: string;
  /** Event types counted: `data_session` (any source) or `network/data_session` (that source only). */
  readonly eventTypes: readonly string[];
  /** Expression for the value aggregated (see expression.ts); required except for `count`, which has none. */
  readonly value?: string;
  readonly aggregation: Aggregation;
  readonly windows: readonly WindowName[];
  /** Expression; an event counts only when it is truthy. */
  readonly filter?: string;
  readonly unit: AggregateUnit;
  /** Numbers are rounded to this many decimals before they are aggregated (default 2; 0 for octets and counts). */
  readonly decimals?: number;
}

export type WindowSpan =
  | { readonly name: WindowName; readonly kind: 'days'; readonly days: number }
  | { readonly name: WindowName; readonly kind: 'month' }
  | { readonly name: WindowName; readonly kind: 'recent'; readonly events: number };

/** A validated definition with its expressions compiled: what `applyEvent` and `readWindows` take. */
export interface CompiledAggregate {
  readonly definition: AggregateDefinition;
  /**
   * Hash of what gives the state its meaning (event types, value, filter, aggregation, windows,
   * decimals; not the label or unit). A stored state with another fingerprint was built under a
   * different definition and is discarded (`restoreState`).
   */
  readonly fingerprint: string;
  /** 10^decimals: numbers are kept as integers of 1/scale. */
  readonly scale: number;
  readonly filter: CompiledExpression | undefined;
  readonly value: CompiledExpression | undefined;
  readonly windows: readonly WindowSpan[];
  /** The longest `Nd` window (0 when none). */
  readonly longestDays: number;
  readonly hasMonth: boolean;
  /** The largest N of the `last_N` windows (0 when none): how many events the state keeps. */
  readonly recentSize: number;
  matches(sourceId: string, type: string): boolean;
}

export type DefinitionErrorCode =
  | 'NOT_AN_OBJECT'
  | 'UNKNOWN_FIELD'
  | 'MISSING_FIELD'
  | 'INVALID_ID'
  | 'DUPLICATE_ID'
  | 'INVALID_LABEL'
  | 'INVALID_EVENT_TYPE'
  | 'UNKNOWN_EVENT_TYPE'
  | 'UNKNOWN_AGGREGATION'
  | 'VALUE_REQUIRED'
  | 'VALUE_NOT_ALLOWED'
  | 'INVALID_EXPRESSION'
  | 'INVALID_WINDOW'
  | 'DUPLICATE_WINDOW'
  | 'UNKNOWN_UNIT'
  | 'INVALID_DECIMALS';

/** One problem with a definition. Shaped as an `ErrorDetail`, so it can go into an API error as is. */
export interface DefinitionError extends ErrorDetail {
  readonly code: DefinitionErrorCode;
  readonly path: string;
  readonly message: string;
  /** For `INVALID_EXPRESSION`: the 0-based offset in the expression text. */
  readonly position?: number;
}

export type DefinitionResult =
  { readonly ok: true; readonly aggregate: CompiledAggregate } | { readonly ok: false; readonly errors: readonly DefinitionError[] };

export interface ValidationOptions {
  /** Registered event types as `source/type`; when given, an event type no source declares is an error. */
  readonly knownEventTypes?: Iterable<string>;
}

const FIELDS = new Set(['id', 'label', 'eventTypes', 'value', 'aggregation', 'windows', 'filter', 'unit', 'decimals']);
const ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** Source ids and event type names follow the contract model's patterns. */
const EVENT_TYPE_PATTERN = /^(?:([a-z][a-z0-9_-]{0,63})\/)?([a-z][a-z0-9_]{0,99})$/;
const RECENT_PATTERN = /^last_([1-9][0-9]*)$/;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const parseWindow = (name: string): WindowSpan | undefined => {
  if (Object.hasOwn(DAY_WINDOWS, name)) return { name: name as WindowName, kind: 'days', days: DAY_WINDOWS[name as DayWindowName] };
  if (name === 'calendar_month') return { name, kind: 'month' };
  const recent = RECENT_PATTERN.exec(name);
  const events = recent ? Number(recent[1]) : 0;
  return events >= 1 && events <= MAX_RECENT_EVENTS ? { name: name as RecentWindowName, kind: 'recent', events } : undefined;
};

const checkExpression = (source: unknown, path: 'value' | 'filter', errors: DefinitionError[]): CompiledExpression | undefined => {
  if (source === undefined) return undefined;
  if (typeof source !== 'string' || source.trim() === '') {
    errors.push({ code: 'INVALID_EXPRESSION', path, message: 'must be a non-empty expression string' });
    return undefined;
  }
  try {
    return compileExpression(source);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    errors.push({ code: 'INVALID_EXPRESSION', path, message: err.message, position: err.position });
    return undefined;
  }
};

const checkEventTypes = (input: unknown, known: ReadonlySet<string> | undefined, errors: DefinitionError[]): string[] => {
  if (!Array.isArray(input) || input.length === 0) {
    errors.push({ code: 'INVALID_EVENT_TYPE', path: 'eventTypes', message: 'must be a non-empty list of event types' });
    return [];
  }
  const valid: string[] = [];
  input.forEach((entry, i) => {
    const path = `eventTypes.${i}`;
    const match = typeof entry === 'string' ? EVENT_TYPE_PATTERN.exec(entry) : null;
    if (match === null) {
      errors.push({ code: 'INVALID_EVENT_TYPE', path, message: 'must be an event type, e.g. data_session or network/data_session' });
      return;
    }
    const [, source, type] = match;
    const declared =
      known === undefined || (source === undefined ? [...known].some((k) => k.endsWith(`/${type}`)) : known.has(entry as string));
    if (!declared) errors.push({ code: 'UNKNOWN_EVENT_TYPE', path, message: `no registered source declares ${entry as string}` });
    valid.push(entry as string);
  });
  return valid;
};

const checkWindows = (input: unknown, errors: DefinitionError[]): WindowSpan[] => {
  if (!Array.isArray(input) || input.length === 0) {
    errors.push({ code: 'INVALID_WINDOW', path: 'windows', message: 'must be a non-empty list of windows' });
    return [];
  }
  const spans: WindowSpan[] = [];
  const seen = new Set<string>();
  input.forEach((entry, i) => {
    const span = typeof entry === 'string' ? parseWindow(entry) : undefined;
    if (span === undefined) {
      errors.push({
        code: 'INVALID_WINDOW',
        path: `windows.${i}`,
        message: `must be one of ${Object.keys(DAY_WINDOWS).join(', ')}, calendar_month or last_N (N from 1 to ${MAX_RECENT_EVENTS})`,
      });
    } else if (seen.has(span.name)) {
      errors.push({ code: 'DUPLICATE_WINDOW', path: `windows.${i}`, message: `${span.name} is listed twice` });
    } else {
      seen.add(span.name);
      spans.push(span);
    }
  });
  return spans;
};

/** Checks a definition (from code, a config file or an API call) and compiles it. Every problem is reported. */
export const validateDefinition = (input: unknown, options: ValidationOptions = {}): DefinitionResult => {
  if (!isObject(input)) return { ok: false, errors: [{ code: 'NOT_AN_OBJECT', path: '', message: 'a definition must be an object' }] };
  const errors: DefinitionError[] = [];
  for (const key of Object.keys(input)) {
    if (!FIELDS.has(key)) errors.push({ code: 'UNKNOWN_FIELD', path: key, message: `unknown field ${key}` });
  }
  for (const key of ['id', 'label', 'eventTypes', 'aggregation', 'windows', 'unit']) {
    if (input[key] === undefined) errors.push({ code: 'MISSING_FIELD', path: key, message: `${key} is required` });
  }
  const { id, label, aggregation, unit, decimals } = input;
  if (id !== undefined && (typeof id !== 'string' || !ID_PATTERN.test(id)))
    errors.push({
      code: 'INVALID_ID',
      path: 'id',
      message: 'must be snake_case: a lower-case letter, then letters, digits or _ (64 at most)',
    });
  if (label !== undefined && (typeof label !== 'string' || label.trim() === '' || label.length > 200))
    errors.push({ code: 'INVALID_LABEL', path: 'label', message: 'must be words, 1 to 200 characters' });
  const known = options.knownEventTypes === undefined ? undefined : new Set(options.knownEventTypes);
  const eventTypes = input.eventTypes === undefined ? [] : checkEventTypes(input.eventTypes, known, errors);
  if (aggregation !== undefined && !(AGGREGATIONS as readonly unknown[]).includes(aggregation))
    errors.push({ code: 'UNKNOWN_AGGREGATION', path: 'aggregation', message: `must be one of ${AGGREGATIONS.join(', ')}` });
  if (aggregation === 'count' && input.value !== undefined)
    errors.push({ code: 'VALUE_NOT_ALLOWED', path: 'value', message: 'count counts events and takes no value; use filter to choose them' });
  if (aggregation !== 'count' && (AGGREGATIONS as readonly unknown[]).includes(aggregation) && input.value === undefined)
    errors.push({ code: 'VALUE_REQUIRED', path: 'value', message: `${String(aggregation)} needs a value expression` });
  const value = checkExpression(input.value, 'value', errors);
  const filter = checkExpression(input.filter, 'filter', errors);
  const windows = input.windows === undefined ? [] : checkWindows(input.windows, errors);
  if (unit !== undefined && !(UNITS as readonly unknown[]).includes(unit))
    errors.push({ code: 'UNKNOWN_UNIT', path: 'unit', message: `must be one of ${UNITS.join(', ')}` });
  if (decimals !== undefined && !(Number.isInteger(decimals) && (decimals as number) >= 0 && (decimals as number) <= MAX_DECIMALS))
    errors.push({ code: 'INVALID_DECIMALS', path: 'decimals', message: `must be an integer from 0 to ${MAX_DECIMALS}` });
  if (errors.length > 0) return { ok: false, errors };

  // A copy, frozen: the fingerprint must keep describing the definition the state was built under.
  const definition: AggregateDefinition = Object.freeze({
    id: id as string,
    label: label as string,
    eventTypes: Object.freeze(eventTypes),
    ...(input.value === undefined ? {} : { value: input.value as string }),
    aggregation: aggregation as Aggregation,
    windows: Object.freeze(windows.map((w) => w.name)),
    ...(input.filter === undefined ? {} : { filter: input.filter as string }),
    unit: unit as AggregateUnit,
    ...(decimals === undefined ? {} : { decimals: decimals as number }),
  });
  return { ok: true, aggregate: compiled(definition, eventTypes, windows, value, filter) };
};

const compiled = (
  definition: AggregateDefinition,
  eventTypes: readonly string[],
  windows: readonly WindowSpan[],
  value: CompiledExpression | undefined,
  filter: CompiledExpression | undefined,
): CompiledAggregate => {
  const decimals = definition.decimals ?? DEFAULT_DECIMALS;
  // type → the sources it is counted from, or null for any source. A Map lookup per event, no string building.
  const sourcesByType = new Map<string, Set<string> | null>();
  for (const entry of eventTypes) {
    const slash = entry.indexOf('/');
    const type = slash < 0 ? entry : entry.slice(slash + 1);
    if (slash < 0) sourcesByType.set(type, null);
    else if (sourcesByType.get(type) !== null) sourcesByType.set(type, (sourcesByType.get(type) ?? new Set()).add(entry.slice(0, slash)));
  }
  const fingerprint = sha256Hex(
    canonicalJson({
      eventTypes: [...eventTypes].sort(),
      value: definition.value ?? null,
      filter: definition.filter ?? null,
      aggregation: definition.aggregation,
      windows: windows.map((w) => w.name).sort(),
      decimals,
    }),
  ).slice(0, 16);
  return {
    definition,
    fingerprint,
    scale: 10 ** decimals,
    filter,
    value,
    windows,
    longestDays: Math.max(0, ...windows.map((w) => (w.kind === 'days' ? w.days : 0))),
    hasMonth: windows.some((w) => w.kind === 'month'),
    recentSize: Math.max(0, ...windows.map((w) => (w.kind === 'recent' ? w.events : 0))),
    matches: (sourceId, type) => {
      const sources = sourcesByType.get(type);
      return sources === null || (sources !== undefined && sources.has(sourceId));
    },
  };
};

/** Compiles a definition known to be valid (the defaults, one checked at start-up); throws VALIDATION_FAILED otherwise. */
export const compileAggregate = (definition: AggregateDefinition, options: ValidationOptions = {}): CompiledAggregate => {
  const result = validateDefinition(definition, options);
  if (!result.ok) throw new AppError('VALIDATION_FAILED', `aggregate definition "${definition.id}" is not valid`, result.errors);
  return result.aggregate;
};

/** Validates a list of definitions (each, and that ids are unique); error paths are prefixed with the index. */
export const validateDefinitions = (
  inputs: readonly unknown[],
  options: ValidationOptions = {},
):
  | { readonly ok: true; readonly aggregates: readonly CompiledAggregate[] }
  | { readonly ok: false; readonly errors: readonly DefinitionError[] } => {
  const aggregates: CompiledAggregate[] = [];
  const errors: DefinitionError[] = [];
  const ids = new Set<string>();
  inputs.forEach((input, i) => {
    const result = validateDefinition(input, options);
    if (!result.ok) {
      for (const error of result.errors) errors.push({ ...error, path: error.path === '' ? String(i) : `${i}.${error.path}` });
      return;
    }
    const id = result.aggregate.definition.id;
    if (ids.has(id)) errors.push({ code: 'DUPLICATE_ID', path: `${i}.id`, message: `${id} is defined twice` });
    ids.add(id);
    aggregates.push(result.aggregate);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, aggregates };
};
