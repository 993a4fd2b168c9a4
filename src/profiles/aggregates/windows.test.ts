import { describe, expect, it } from 'vitest';
import { applyEvent, emptyState, type AggregateEvent, type AggregateState } from './aggregate-state.js';
import { compileAggregate, type AggregateDefinition, type Aggregation, type CompiledAggregate, type WindowName } from './definitions.js';
import { recomputeWindows } from './recompute.js';
import { approximateWindows, dailyValues, nextChange, readWindows, type WindowValues } from './windows.js';

const ALL_WINDOWS: readonly WindowName[] = ['1d', '7d', '30d', '90d', 'calendar_month', 'last_3'];

const aggregateOf = (aggregation: Aggregation, overrides: Partial<AggregateDefinition> = {}): CompiledAggregate =>
  compileAggregate({
    id: 'test_aggregate',
    label: 'Test aggregate',
    eventTypes: ['test/thing'],
    ...(aggregation === 'count' ? {} : { value: 'v' }),
    aggregation,
    windows: ALL_WINDOWS,
    unit: 'count',
    ...overrides,
  });

let sequence = 0;
const event = (occurredAt: string, properties: Record<string, unknown> = {}, eventId = `e${++sequence}`): AggregateEvent => ({
  sourceId: 'test',
  type: 'thing',
  eventId,
  occurredAt,
  properties,
});

/** Applies the events (all accepted: a wide horizon) and returns the state. */
const stateWith = (aggregate: CompiledAggregate, events: readonly AggregateEvent[], now: string, timeZone = 'UTC'): AggregateState => {
  const state = emptyState(aggregate);
  for (const e of events) expect(applyEvent(state, aggregate, e, { now: Date.parse(now), timeZone, lateHorizonDays: 120 })).toBe('applied');
  return state;
};

const read = (aggregate: CompiledAggregate, state: AggregateState, now: string, timeZone = 'UTC'): WindowValues =>
  readWindows(state, aggregate, { now: new Date(now), timeZone });

describe('each aggregation over each window', () => {
  const NOW = '2024-05-20T12:00:00Z';
  // Today is 20 May (UTC). 7d = 14–20 May, 30d = 21 Apr–20 May, 90d = 21 Feb–20 May, month = 1–20 May.
  const events = [
    event('2024-05-20T08:00:00Z', { v: 5 }),
    event('2024-05-18T10:00:00Z', { v: 1 }),
    event('2024-05-10T10:00:00Z', { v: 10 }),
    event('2024-04-25T10:00:00Z', { v: 3 }),
    event('2024-03-01T10:00:00Z', { v: 2 }),
    event('2024-02-01T10:00:00Z', { v: 100 }), // outside every daily window
  ];

  it.each([
    ['count', { '1d': 1, '7d': 2, '30d': 4, '90d': 5, calendar_month: 3, last_3: 3 }],
    ['sum', { '1d': 5, '7d': 6, '30d': 19, '90d': 21, calendar_month: 16, last_3: 16 }],
    ['min', { '1d': 5, '7d': 1, '30d': 1, '90d': 1, calendar_month: 1, last_3: 1 }],
    ['max', { '1d': 5, '7d': 5, '30d': 10, '90d': 10, calendar_month: 10, last_3: 10 }],
    ['average', { '1d': 5, '7d': 3, '30d': 4.75, '90d': 4.2, calendar_month: 16 / 3, last_3: 16 / 3 }],
    ['last', { '1d': 5, '7d': 5, '30d': 5, '90d': 5, calendar_month: 5, last_3: 5 }],
  ] as const)('%s', (aggregation, expected) => {
    const aggregate = aggregateOf(aggregation);
    const state = stateWith(aggregate, events, NOW);
    expect(read(aggregate, state, NOW)).toEqual(expected);
    expect(recomputeWindows(events, aggregate, { now: Date.parse(NOW), timeZone: 'UTC' })).toEqual(expected);
  });

  it('distinct_count', () => {
    const aggregate = aggregateOf('distinct_count');
    const distinctEvents = [
      event('2024-05-20T08:00:00Z', { v: 'a' }),
      event('2024-05-20T09:00:00Z', { v: 'a' }),
      // Equal times: the greater `source/eventId` is the later, so `b` is among the last 3.
      event('2024-05-19T09:00:00Z', { v: 'b' }, 'z'),
      event('2024-05-19T09:00:00Z', { v: 1 }, 'x'),
      event('2024-05-19T09:00:00Z', { v: '1' }, 'y'),
      event('2024-05-02T09:00:00Z', { v: 'a' }),
      event('2024-04-02T09:00:00Z', { v: 'c' }),
    ];
    const state = stateWith(aggregate, distinctEvents, NOW);
    const expected = { '1d': 1, '7d': 4, '30d': 4, '90d': 5, calendar_month: 4, last_3: 2 };
    expect(read(aggregate, state, NOW)).toEqual(expected);
    expect(recomputeWindows(distinctEvents, aggregate, { now: Date.parse(NOW), timeZone: 'UTC' })).toEqual(expected);
  });

  it('gives 0 for empty count, sum and distinct windows and null for the others', () => {
    const empty = { count: 0, sum: 0, distinct_count: 0, min: null, max: null, last: null, average: null } as const;
    for (const [aggregation, value] of Object.entries(empty)) {
      const aggregate = aggregateOf(aggregation as Aggregation, { windows: ['7d', 'last_3'] });
      expect(read(aggregate, emptyState(aggregate), NOW)).toEqual({ '7d': value, last_3: value });
    }
  });

  it('rounds numbers to the declared decimals before aggregating', () => {
    const aggregate = aggregateOf('sum', { windows: ['7d'], decimals: 2 });
    const state = stateWith(
      aggregate,
      [event('2024-05-20T08:00:00Z', { v: 0.1 }), event('2024-05-20T08:00:00Z', { v: 0.2 }), event('2024-05-20T08:00:00Z', { v: 1.004 })],
      NOW,
    );
    expect(read(aggregate, state, NOW)).toEqual({ '7d': 1.3 });
    const whole = aggregateOf('sum', { windows: ['7d'], decimals: 0 });
    expect(read(whole, stateWith(whole, [event('2024-05-20T08:00:00Z', { v: 2.6 })], NOW), NOW)).toEqual({ '7d': 3 });
  });

  it('keeps a last value that is a string', () => {
    const aggregate = aggregateOf('last', { windows: ['30d'] });
    const state = stateWith(
      aggregate,
      [event('2024-05-20T08:00:00Z', { v: 'T-SMART' }), event('2024-05-19T08:00:00Z', { v: 'T-BASIC' })],
      NOW,
    );
    expect(read(aggregate, state, NOW)).toEqual({ '30d': 'T-SMART' });
  });
});

describe('windows in the person’s time zone', () => {
  const count = aggregateOf('count', { windows: ['1d', '7d'] });

  it('counts 23:30 UTC on the next local day in Moscow and on the same day in UTC', () => {
    const late = [event('2024-05-19T23:30:00Z')];
    const now = '2024-05-20T12:00:00Z';
    expect(read(count, stateWith(count, late, now, 'Europe/Moscow'), now, 'Europe/Moscow')).toEqual({ '1d': 1, '7d': 1 });
    expect(read(count, stateWith(count, late, now, 'UTC'), now, 'UTC')).toEqual({ '1d': 0, '7d': 1 });
  });

  it('turns the day at 14:00 UTC in Vladivostok', () => {
    const state = stateWith(
      count,
      [event('2024-05-19T14:30:00Z'), event('2024-05-19T13:59:00Z')],
      '2024-05-20T02:00:00Z',
      'Asia/Vladivostok',
    );
    expect(read(count, state, '2024-05-20T02:00:00Z', 'Asia/Vladivostok')).toEqual({ '1d': 1, '7d': 2 });
    expect(state.days.map((b) => b.d)).toEqual(['2024-05-19', '2024-05-20']);
  });

  it('counts whole local days across the Berlin DST change', () => {
    const zone = 'Europe/Berlin';
    const events = [
      event('2024-03-30T22:59:00Z'),
      event('2024-03-30T23:30:00Z'),
      event('2024-03-31T21:30:00Z'),
      event('2024-03-31T22:30:00Z'),
    ];
    const state = stateWith(count, events, '2024-04-01T06:00:00Z', zone);
    // 30 Mar 23:59 CET, 31 Mar 00:30 CET, 31 Mar 23:30 CEST, 1 Apr 00:30 CEST.
    expect(state.days.map((b) => [b.d, b.n])).toEqual([
      ['2024-03-30', 1],
      ['2024-03-31', 2],
      ['2024-04-01', 1],
    ]);
    expect(read(count, state, '2024-03-31T21:59:59Z', zone)).toEqual({ '1d': 2, '7d': 3 });
    expect(read(count, state, '2024-03-31T22:00:00Z', zone)).toEqual({ '1d': 1, '7d': 4 });
  });
});

describe('calendar month', () => {
  const sum = aggregateOf('sum', { windows: ['calendar_month', '30d'] });
  const events = [
    event('2024-05-15T10:00:00Z', { v: 2 }),
    event('2024-05-31T23:30:00Z', { v: 3 }),
    event('2024-06-01T10:00:00Z', { v: 4 }),
  ];

  it('runs from the 1st of the local month and empties when the month turns', () => {
    const state = stateWith(sum, events, '2024-06-01T12:00:00Z');
    expect(read(sum, state, '2024-05-31T12:00:00Z')).toEqual({ calendar_month: 5, '30d': 5 });
    expect(read(sum, state, '2024-06-01T00:00:00Z')).toEqual({ calendar_month: 4, '30d': 9 });
    expect(read(sum, state, '2024-06-14T00:00:00Z')).toEqual({ calendar_month: 4, '30d': 7 });
    expect(read(sum, state, '2024-07-01T00:00:00Z')).toEqual({ calendar_month: 0, '30d': 0 });
  });

  it('uses the local month: 31 May 23:30 UTC is June in Moscow', () => {
    const state = stateWith(sum, events, '2024-06-01T12:00:00Z', 'Europe/Moscow');
    expect(read(sum, state, '2024-06-01T12:00:00Z', 'Europe/Moscow')).toEqual({ calendar_month: 7, '30d': 9 });
  });
});

describe('dailyValues', () => {
  it('gives each local day as a window of that day alone, oldest first, 0 or null where nothing happened', () => {
    const now = '2026-03-10T12:00:00Z';
    const events = [
      event('2026-03-08T10:00:00Z', { v: 2 }),
      event('2026-03-08T11:00:00Z', { v: 3 }),
      event('2026-03-10T09:00:00Z', { v: 5 }),
    ];
    const sum = aggregateOf('sum');
    expect(dailyValues(stateWith(sum, events, now), sum, { now: new Date(now), timeZone: 'UTC', days: 4 })).toEqual([
      { d: '2026-03-07', v: 0 },
      { d: '2026-03-08', v: 5 },
      { d: '2026-03-09', v: 0 },
      { d: '2026-03-10', v: 5 },
    ]);
    const max = aggregateOf('max');
    expect(dailyValues(stateWith(max, events, now), max, { now: new Date(now), timeZone: 'UTC', days: 3 }).map((p) => p.v)).toEqual([
      3,
      null,
      5,
    ]);
  });

  it('counts local days: 23:30 UTC is the next day in Moscow', () => {
    const count = aggregateOf('count');
    const now = '2026-03-10T12:00:00Z';
    const state = stateWith(count, [event('2026-03-08T23:30:00Z')], now, 'Europe/Moscow');
    expect(dailyValues(state, count, { now: new Date(now), timeZone: 'Europe/Moscow', days: 3 })).toEqual([
      { d: '2026-03-08', v: 0 },
      { d: '2026-03-09', v: 1 },
      { d: '2026-03-10', v: 0 },
    ]);
  });
});

describe('nextChange', () => {
  const at = (iso: string): number => Date.parse(iso);
  const changeAt = (aggregate: CompiledAggregate, state: AggregateState, now: string, timeZone = 'UTC'): string | null =>
    nextChange(state, aggregate, { now: at(now), timeZone })?.toISOString() ?? null;

  it('is the local midnight at which the oldest day leaves a window', () => {
    const count = aggregateOf('count', { windows: ['7d'] });
    const state = stateWith(count, [event('2024-05-18T10:00:00Z')], '2024-05-20T12:00:00Z');
    // 18 May leaves the 7-day window when 25 May begins.
    expect(changeAt(count, state, '2024-05-20T12:00:00Z')).toBe('2024-05-25T00:00:00.000Z');
    expect(changeAt(count, state, '2024-05-20T12:00:00Z', 'Europe/Moscow')).toBe('2024-05-24T21:00:00.000Z');
    expect(changeAt(count, state, '2024-05-25T00:00:00Z')).toBe(null);
  });

  it('falls on the DST-shifted midnight in Berlin', () => {
    const count = aggregateOf('count', { windows: ['1d'] });
    const state = stateWith(count, [event('2024-03-31T08:00:00Z')], '2024-03-31T12:00:00Z', 'Europe/Berlin');
    expect(changeAt(count, state, '2024-03-31T12:00:00Z', 'Europe/Berlin')).toBe('2024-03-31T22:00:00.000Z');
    const autumn = stateWith(count, [event('2024-10-27T08:00:00Z')], '2024-10-27T12:00:00Z', 'Europe/Berlin');
    expect(changeAt(count, autumn, '2024-10-27T12:00:00Z', 'Europe/Berlin')).toBe('2024-10-27T23:00:00.000Z');
  });

  it('passes over a day whose leaving changes no value', () => {
    const max = aggregateOf('max', { windows: ['7d'] });
    const state = stateWith(
      max,
      [event('2024-05-15T10:00:00Z', { v: 9 }), event('2024-05-17T10:00:00Z', { v: 9 }), event('2024-05-19T10:00:00Z', { v: 1 })],
      '2024-05-20T12:00:00Z',
    );
    // 15 May leaves on 22 May but 17 May still holds the 9; the max drops to 1 on 24 May.
    expect(changeAt(max, state, '2024-05-20T12:00:00Z')).toBe('2024-05-24T00:00:00.000Z');
  });

  it('is the turn of the month for calendar_month', () => {
    const count = aggregateOf('count', { windows: ['calendar_month'] });
    const state = stateWith(count, [event('2024-05-03T10:00:00Z')], '2024-05-20T12:00:00Z');
    expect(changeAt(count, state, '2024-05-20T12:00:00Z')).toBe('2024-06-01T00:00:00.000Z');
    expect(changeAt(count, state, '2024-05-20T12:00:00Z', 'Asia/Vladivostok')).toBe('2024-05-31T14:00:00.000Z');
  });

  it('is the midnight at which an event dated tomorrow (inside the skew tolerance) enters', () => {
    const count = aggregateOf('count', { windows: ['1d'] });
    const state = emptyState(count);
    expect(applyEvent(state, count, event('2024-05-21T00:05:00Z'), { now: at('2024-05-20T23:55:00Z'), timeZone: 'UTC' })).toBe('applied');
    expect(read(count, state, '2024-05-20T23:55:00Z')).toEqual({ '1d': 0 });
    expect(changeAt(count, state, '2024-05-20T23:55:00Z')).toBe('2024-05-21T00:00:00.000Z');
    expect(read(count, state, '2024-05-21T00:00:00Z')).toEqual({ '1d': 1 });
  });

  it('is null for last_N windows, which time does not move', () => {
    const average = aggregateOf('average', { windows: ['last_3'] });
    const state = stateWith(average, [event('2024-05-18T10:00:00Z', { v: 3 })], '2024-05-20T12:00:00Z');
    expect(changeAt(average, state, '2024-05-20T12:00:00Z')).toBe(null);
    expect(read(average, state, '2030-01-01T00:00:00Z')).toEqual({ last_3: 3 });
  });
});

describe('distinct values past the daily cap', () => {
  it('keeps the smallest 1000 keys of a day, says the count is a lower bound, and agrees with recompute', () => {
    const aggregate = aggregateOf('distinct_count', { windows: ['1d', '7d'], decimals: 0 });
    const events = Array.from({ length: 1_005 }, (_, i) => event('2024-05-20T08:00:00Z', { v: (i * 7_919) % 1_005 }));
    events.push(event('2024-05-19T08:00:00Z', { v: 'yesterday' }));
    const now = '2024-05-20T12:00:00Z';
    const state = stateWith(aggregate, events, now);
    const today = state.days.at(-1);
    expect(today?.k).toHaveLength(1_000);
    expect(today?.capped).toBe(true);
    expect(read(aggregate, state, now)).toEqual({ '1d': 1_000, '7d': 1_001 });
    expect(recomputeWindows(events.toReversed(), aggregate, { now: Date.parse(now), timeZone: 'UTC' })).toEqual({
      '1d': 1_000,
      '7d': 1_001,
    });
    expect(approximateWindows(state, aggregate, { now: Date.parse(now), timeZone: 'UTC' })).toEqual(['1d', '7d']);
    expect(approximateWindows(state, aggregate, { now: Date.parse('2024-05-21T12:00:00Z'), timeZone: 'UTC' })).toEqual(['7d']);
  });
});
