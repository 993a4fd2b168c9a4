import { describe, expect, it } from 'vitest';
import { BUILTIN_CONTRACTS, declaredTree, type DeclaredTree } from '../../contracts/index.js';
import { AppError } from '../../core/errors.js';
import { applyEvent, emptyState, type AggregateEvent } from './aggregate-state.js';
import { DEFAULT_AGGREGATES, defaultAggregates } from './default-aggregates.js';
import {
  compileAggregate,
  validateDefinition,
  validateDefinitions,
  type AggregateDefinition,
  type DefinitionError,
} from './definitions.js';
import { expressionPaths } from './expression.js';
import { readWindows } from './windows.js';

const valid: AggregateDefinition = {
  id: 'data_usage_home',
  label: 'Data at home',
  eventTypes: ['network/data_session'],
  value: 'datavolumeFBCUplink + datavolumeFBCDownlink',
  aggregation: 'sum',
  windows: ['7d', '30d'],
  unit: 'octets',
  decimals: 0,
};

const errorsOf = (input: unknown, knownEventTypes?: Iterable<string>): readonly DefinitionError[] => {
  const result = validateDefinition(input, knownEventTypes === undefined ? {} : { knownEventTypes });
  return result.ok ? [] : result.errors;
};

const KNOWN_EVENT_TYPES = BUILTIN_CONTRACTS.flatMap((contract) => contract.eventTypes.map((t) => `${contract.source.id}/${t.type}`));

describe('validateDefinition', () => {
  it('accepts a valid definition and compiles it', () => {
    const result = validateDefinition(valid, { knownEventTypes: KNOWN_EVENT_TYPES });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.aggregate.definition).toEqual(valid);
    expect(Object.isFrozen(result.aggregate.definition)).toBe(true);
    expect(result.aggregate.scale).toBe(1);
    expect(result.aggregate.longestDays).toBe(30);
    expect(result.aggregate.matches('network', 'data_session')).toBe(true);
    expect(result.aggregate.matches('billing', 'data_session')).toBe(false);
  });

  it.each([
    ['not an object', 'nope', 'NOT_AN_OBJECT', ''],
    ['an unknown field', { ...valid, filters: 'x' }, 'UNKNOWN_FIELD', 'filters'],
    ['a missing field', { ...valid, unit: undefined }, 'MISSING_FIELD', 'unit'],
    ['a bad id', { ...valid, id: 'Data-Usage' }, 'INVALID_ID', 'id'],
    ['an empty label', { ...valid, label: ' ' }, 'INVALID_LABEL', 'label'],
    ['no event types', { ...valid, eventTypes: [] }, 'INVALID_EVENT_TYPE', 'eventTypes'],
    ['a malformed event type', { ...valid, eventTypes: ['network/Data Session'] }, 'INVALID_EVENT_TYPE', 'eventTypes.0'],
    ['an unknown aggregation', { ...valid, aggregation: 'median' }, 'UNKNOWN_AGGREGATION', 'aggregation'],
    ['a value on count', { ...valid, aggregation: 'count' }, 'VALUE_NOT_ALLOWED', 'value'],
    ['no value on sum', { ...valid, value: undefined }, 'VALUE_REQUIRED', 'value'],
    ['a bad window', { ...valid, windows: ['7d', '14d'] }, 'INVALID_WINDOW', 'windows.1'],
    ['last_0', { ...valid, windows: ['last_0'] }, 'INVALID_WINDOW', 'windows.0'],
    ['last_51', { ...valid, windows: ['last_51'] }, 'INVALID_WINDOW', 'windows.0'],
    ['no windows', { ...valid, windows: [] }, 'INVALID_WINDOW', 'windows'],
    ['a window twice', { ...valid, windows: ['7d', '7d'] }, 'DUPLICATE_WINDOW', 'windows.1'],
    ['an unknown unit', { ...valid, unit: 'bytes' }, 'UNKNOWN_UNIT', 'unit'],
    ['fractional decimals', { ...valid, decimals: 1.5 }, 'INVALID_DECIMALS', 'decimals'],
    ['too many decimals', { ...valid, decimals: 9 }, 'INVALID_DECIMALS', 'decimals'],
    ['an empty filter', { ...valid, filter: '' }, 'INVALID_EXPRESSION', 'filter'],
  ])('reports %s', (_, input, code, path) => {
    expect(errorsOf(input)).toContainEqual(expect.objectContaining({ code, path }));
  });

  it('reports an expression error with its position', () => {
    expect(errorsOf({ ...valid, value: 'datavolumeFBCUplink + * 2' })).toEqual([
      { code: 'INVALID_EXPRESSION', path: 'value', message: "unexpected '*' at position 22", position: 22 },
    ]);
    expect(errorsOf({ ...valid, filter: 'roaming = true' })).toEqual([
      expect.objectContaining({ code: 'INVALID_EXPRESSION', path: 'filter', position: 8 }),
    ]);
  });

  it('reports every problem at once', () => {
    const codes = errorsOf({
      id: 'x',
      label: 'X',
      eventTypes: ['a'],
      aggregation: 'median',
      windows: ['1w'],
      unit: 'parsecs',
      value: '(',
    }).map((e) => e.code);
    expect(codes).toEqual(['UNKNOWN_AGGREGATION', 'INVALID_EXPRESSION', 'INVALID_WINDOW', 'UNKNOWN_UNIT']);
  });

  it('checks event types against the registered ones when told them', () => {
    expect(errorsOf({ ...valid, eventTypes: ['network/data_sesion'] }, KNOWN_EVENT_TYPES)).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_EVENT_TYPE', path: 'eventTypes.0' }),
    ]);
    expect(errorsOf({ ...valid, eventTypes: ['data_session'] }, KNOWN_EVENT_TYPES)).toEqual([]);
    expect(errorsOf({ ...valid, eventTypes: ['billing/data_session'] }, KNOWN_EVENT_TYPES)).toHaveLength(1);
  });

  it('validates a list, with unique ids and indexed paths', () => {
    const result = validateDefinitions([valid, { ...valid, label: 'Again' }, { ...valid, id: 'other', windows: ['2d'] }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.path])).toEqual([
      ['DUPLICATE_ID', '1.id'],
      ['INVALID_WINDOW', '2.windows.0'],
    ]);
  });

  it('compileAggregate throws VALIDATION_FAILED with the problems as details', () => {
    try {
      compileAggregate({ ...valid, windows: ['2d'] as never });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('VALIDATION_FAILED');
      expect((err as AppError).details).toEqual([expect.objectContaining({ code: 'INVALID_WINDOW', path: 'windows.0' })]);
    }
  });
});

/** Whether some event type of the definition declares the path (`a.b`, with `[*]` or indexes stepping into items). */
const declares = (trees: readonly DeclaredTree[], path: string): boolean =>
  trees.some((tree) => {
    let node: DeclaredTree | undefined = tree;
    for (const part of path.replace(/\[\*\]|\[\d+\]/g, '.*').split('.')) {
      if (node === undefined) return false;
      node = part === '*' || /^\d+$/.test(part) ? node.items : node.children.get(part);
    }
    return node !== undefined;
  });

const schemaTree = (qualified: string): DeclaredTree => {
  const [source, type] = qualified.split('/');
  const contract = BUILTIN_CONTRACTS.find((c) => c.source.id === source)?.eventTypes.find((t) => t.type === type);
  if (contract === undefined) throw new Error(`no built-in contract for ${qualified}`);
  return declaredTree(contract.schema);
};

const examplesOf = (qualified: string): Record<string, unknown>[] => {
  const [source, type] = qualified.split('/');
  return [...(BUILTIN_CONTRACTS.find((c) => c.source.id === source)?.eventTypes.find((t) => t.type === type)?.examples ?? [])];
};

describe('DEFAULT_AGGREGATES', () => {
  it('holds the aggregates issue 5 asks for', () => {
    expect(DEFAULT_AGGREGATES.map((d) => `${d.id} ${d.aggregation} ${d.windows.join('+')}`)).toEqual([
      'data_usage_home sum 7d+30d',
      'data_usage_roaming sum 7d+30d',
      'voice_minutes sum 7d+30d',
      'dropped_calls count 30d',
      'topup_count count 30d',
      'topup_amount sum 30d',
      'payment_amount sum 30d',
      'arpu average last_3',
      'app_opens count 7d',
      'care_cases count 30d+90d',
      'usage_events count 7d+30d+60d',
      'roaming_days distinct_count 30d',
      'distinct_cells distinct_count 7d',
    ]);
  });

  it('validates against the built-in contracts, with unique ids', () => {
    const result = validateDefinitions(DEFAULT_AGGREGATES, { knownEventTypes: KNOWN_EVENT_TYPES });
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('reads only properties the built-in contracts declare', () => {
    for (const definition of DEFAULT_AGGREGATES) {
      const trees = definition.eventTypes.map(schemaTree);
      const paths = [definition.value, definition.filter].flatMap((source) => (source === undefined ? [] : expressionPaths(source)));
      for (const path of paths) expect(declares(trees, path), `${definition.id}: ${path}`).toBe(true);
    }
  });

  it('gives sensible values on the built-in contracts’ examples', () => {
    const now = Date.parse('2024-05-20T12:00:00Z');
    const timeZone = 'Europe/Moscow';
    let n = 0;
    const eventsOf = (qualified: string, extra: readonly Record<string, unknown>[] = []): AggregateEvent[] => {
      const [sourceId, type] = qualified.split('/') as [string, string];
      // One example a day, going back from today.
      return [...examplesOf(qualified), ...extra].map((properties, i) => ({
        sourceId,
        type,
        eventId: `ex${++n}`,
        occurredAt: now - i * 86_400_000,
        properties,
      }));
    };
    const events = [
      ...eventsOf('network/data_session'),
      ...eventsOf('network/voice_call', [
        { servedMSISDN: '+79161234567', direction: 'mo', duration: 30, causeForTermination: 'dropped', cellId: 42 },
      ]),
      ...eventsOf('network/location_update'),
      ...eventsOf('network/roaming_started'),
      ...eventsOf('billing/topup', [{ topupId: 'TU-1', amount: { value: 5, unit: 'USD' } }]),
      ...eventsOf('billing/payment'),
      ...eventsOf('billing/bill_issued', [
        { billNo: 'B2', billDate: '2024-04-01T00:00:00Z', billingPeriod: {}, amountDue: { value: 700, unit: 'RUB' } },
        { billNo: 'B3', billDate: '2024-03-01T00:00:00Z', billingPeriod: {}, amountDue: { value: 800, unit: 'RUB' } },
        { billNo: 'B4', billDate: '2024-02-01T00:00:00Z', billingPeriod: {}, amountDue: { value: 100, unit: 'RUB' } },
      ]),
      ...eventsOf('app/app_open'),
      ...eventsOf('web/domain_visit'),
      ...eventsOf('crm/case_opened'),
    ];
    const values: Record<string, unknown> = {};
    for (const definition of DEFAULT_AGGREGATES) {
      const aggregate = compileAggregate(definition);
      const state = emptyState(aggregate);
      for (const event of events) applyEvent(state, aggregate, event, { now, timeZone });
      values[definition.id] = readWindows(state, aggregate, { now, timeZone });
    }
    expect(values).toEqual({
      // Example 1 is served by 25001 (home); example 2 by 23415 (a UK network).
      data_usage_home: { '7d': 1_048_576 + 52_428_800, '30d': 1_048_576 + 52_428_800 },
      data_usage_roaming: { '7d': 2_048, '30d': 2_048 },
      // 184 s (3.07 min), 0 s, and 30 s of a dropped call.
      voice_minutes: { '7d': 3.57, '30d': 3.57 },
      dropped_calls: { '30d': 1 },
      topup_count: { '30d': 3 },
      // 300 + 100.50 roubles; the USD top-up is counted, not summed.
      topup_amount: { '30d': 400.5 },
      payment_amount: { '30d': 650 },
      // The last 3 bills (650, 700, 800); the fourth is older.
      arpu: { last_3: 2_150 / 3 },
      app_opens: { '7d': 1 },
      care_cases: { '30d': 1, '90d': 1 },
      // 2 data sessions, 3 calls, 1 app open and 2 web visits, all within the week.
      usage_events: { '7d': 8, '30d': 8, '60d': 8 },
      // Roaming on the day of data_session example 2 and on the day roaming_started arrived (today).
      roaming_days: { '30d': 2 },
      // Cell 26478593 (data, voice, location update) and cell 42.
      distinct_cells: { '7d': 2 },
    });
  });

  it('uses the operator’s home PLMNs', () => {
    const byId = new Map(defaultAggregates({ homePlmns: ['23415', '25001'] }).map((d) => [d.id, compileAggregate(d)]));
    const session = { chargingID: 1, datavolumeFBCUplink: 1, datavolumeFBCDownlink: 2, servingNodePLMNIdentifier: '23415' };
    const event: AggregateEvent = { sourceId: 'network', type: 'data_session', eventId: 'x', occurredAt: 0, properties: session };
    const outcome = (id: string): string => {
      const aggregate = byId.get(id);
      if (aggregate === undefined) throw new Error(`no default ${id}`);
      return applyEvent(emptyState(aggregate), aggregate, event, { now: 0, timeZone: 'UTC' });
    };
    expect(outcome('data_usage_home')).toBe('applied');
    expect(outcome('data_usage_roaming')).toBe('filtered_out');
    expect(() => defaultAggregates({ homePlmns: ['25001"] or true or ["'] })).toThrow(AppError);
    expect(() => defaultAggregates({ homePlmns: [] })).toThrow(AppError);
  });
});
