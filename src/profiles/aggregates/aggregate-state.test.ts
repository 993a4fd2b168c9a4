import { describe, expect, it } from 'vitest';
import { applyEvent, emptyState, pruneState, restoreState, type AggregateEvent, type ApplyOptions } from './aggregate-state.js';
import { compileAggregate, type AggregateDefinition, type CompiledAggregate } from './definitions.js';
import { DAY_MS, MINUTE_MS } from './local-time.js';
import { readWindows } from './windows.js';

const NOW = Date.parse('2024-05-20T12:00:00Z');
const options: ApplyOptions = { now: NOW, timeZone: 'UTC' };

const aggregateOf = (overrides: Partial<AggregateDefinition>): CompiledAggregate =>
  compileAggregate({
    id: 'test_aggregate',
    label: 'Test',
    eventTypes: ['network/thing'],
    aggregation: 'count',
    windows: ['7d'],
    unit: 'count',
    ...overrides,
  });

const event = (at: number | string, properties: Record<string, unknown> = {}, eventId = 'e1', sourceId = 'network'): AggregateEvent => ({
  sourceId,
  type: 'thing',
  eventId,
  occurredAt: at,
  properties,
});

describe('applyEvent outcomes', () => {
  it('counts only the declared event types, qualified by source when the definition says so', () => {
    const qualified = aggregateOf({ eventTypes: ['network/thing'] });
    const anySource = aggregateOf({ eventTypes: ['thing'] });
    const state = emptyState(qualified);
    expect(applyEvent(state, qualified, event(NOW, {}, 'e1', 'billing'), options)).toBe('other_type');
    expect(applyEvent(state, qualified, { ...event(NOW), type: 'other' }, options)).toBe('other_type');
    expect(applyEvent(state, qualified, event(NOW), options)).toBe('applied');
    expect(applyEvent(emptyState(anySource), anySource, event(NOW, {}, 'e1', 'billing'), options)).toBe('applied');
  });

  it('applies the filter', () => {
    const dropped = aggregateOf({ filter: 'causeForTermination == "dropped"' });
    const state = emptyState(dropped);
    expect(applyEvent(state, dropped, event(NOW, { causeForTermination: 'normal' }), options)).toBe('filtered_out');
    expect(applyEvent(state, dropped, event(NOW, {}), options)).toBe('filtered_out');
    expect(applyEvent(state, dropped, event(NOW, { causeForTermination: 'dropped' }), options)).toBe('applied');
    expect(readWindows(state, dropped, options)).toEqual({ '7d': 1 });
  });

  it('skips a null value for sum, min, max, average and last, but count counts the event', () => {
    for (const aggregation of ['sum', 'min', 'max', 'average', 'last', 'distinct_count'] as const) {
      const aggregate = aggregateOf({ aggregation, value: 'up + down' });
      const state = emptyState(aggregate);
      expect(applyEvent(state, aggregate, event(NOW, { up: 1 }), options)).toBe('no_value');
      expect(state.days).toEqual([]);
    }
    const sumOfText = aggregateOf({ aggregation: 'sum', value: 'label' });
    expect(applyEvent(emptyState(sumOfText), sumOfText, event(NOW, { label: 'x' }), options)).toBe('no_value');
    const count = aggregateOf({ aggregation: 'count' });
    const state = emptyState(count);
    expect(applyEvent(state, count, event(NOW, { up: 1 }), options)).toBe('applied');
    expect(readWindows(state, count, options)).toEqual({ '7d': 1 });
  });

  it('refuses a time that does not parse', () => {
    const count = aggregateOf({});
    expect(applyEvent(emptyState(count), count, event('yesterday'), options)).toBe('bad_time');
  });

  it('accepts an ISO time or epoch ms alike', () => {
    const count = aggregateOf({});
    const state = emptyState(count);
    applyEvent(state, count, event('2024-05-19T10:00:00+03:00'), options);
    applyEvent(state, count, event(Date.parse('2024-05-19T07:00:00Z')), options);
    expect(state.days).toEqual([{ d: '2024-05-19', n: 2 }]);
  });
});

describe('late and early events', () => {
  const count = aggregateOf({ windows: ['1d', '30d'] });

  it('puts a late event inside the horizon (default 7 days) in its own day', () => {
    const state = emptyState(count);
    expect(applyEvent(state, count, event(NOW), options)).toBe('applied');
    expect(applyEvent(state, count, event(NOW - 7 * DAY_MS + MINUTE_MS), options)).toBe('applied');
    expect(applyEvent(state, count, event(NOW - 3 * DAY_MS), options)).toBe('applied');
    expect(state.days.map((b) => b.d)).toEqual(['2024-05-13', '2024-05-17', '2024-05-20']);
    expect(readWindows(state, count, options)).toEqual({ '1d': 1, '30d': 3 });
  });

  it('refuses an event older than the horizon as too late, and the horizon is configurable', () => {
    const state = emptyState(count);
    expect(applyEvent(state, count, event(NOW - 7 * DAY_MS), options)).toBe('applied');
    expect(applyEvent(state, count, event(NOW - 7 * DAY_MS - 1), options)).toBe('too_late');
    state.days.length = 0;
    expect(applyEvent(state, count, event(NOW - 7 * DAY_MS - MINUTE_MS), options)).toBe('too_late');
    expect(applyEvent(state, count, event(NOW - 3 * DAY_MS), { ...options, lateHorizonDays: 2 })).toBe('too_late');
    expect(applyEvent(state, count, event(NOW - 20 * DAY_MS), { ...options, lateHorizonDays: 30 })).toBe('applied');
    expect(state.days.map((b) => b.d)).toEqual(['2024-04-30']);
  });

  it('accepts clock skew up to the tolerance (default 15 minutes) and refuses events from further ahead', () => {
    const state = emptyState(count);
    expect(applyEvent(state, count, event(NOW + 15 * MINUTE_MS), options)).toBe('applied');
    expect(applyEvent(state, count, event(NOW + 15 * MINUTE_MS + 1), options)).toBe('too_early');
    expect(applyEvent(state, count, event(NOW + 16 * MINUTE_MS), options)).toBe('too_early');
    expect(applyEvent(state, count, event(NOW + 2 * 3_600_000), { ...options, futureToleranceMs: 3 * 3_600_000 })).toBe('applied');
    expect(readWindows(state, count, options)).toEqual({ '1d': 2, '30d': 2 });
  });
});

describe('pruning', () => {
  it('drops the days no window can reach any more (the longest window plus the horizon)', () => {
    const count = aggregateOf({ windows: ['7d'] });
    const state = emptyState(count);
    for (let day = 0; day < 40; day++) {
      const now = NOW + day * DAY_MS;
      applyEvent(state, count, event(now), { now, timeZone: 'UTC' });
      expect(state.days.length).toBeLessThanOrEqual(7 + 7);
    }
    // Today is 28 June: 7d reaches back to 22 June, and the 7-day horizon to 15 June.
    expect(state.days[0]?.d).toBe('2024-06-15');
    expect(readWindows(state, count, { now: NOW + 39 * DAY_MS, timeZone: 'UTC' })).toEqual({ '7d': 7 });
  });

  it('keeps the whole month for calendar_month, even on the 31st', () => {
    const count = aggregateOf({ windows: ['1d', 'calendar_month'] });
    const state = emptyState(count);
    const first = Date.parse('2024-05-01T10:00:00Z');
    for (let day = 0; day < 31; day++)
      applyEvent(state, count, event(first + day * DAY_MS), { now: first + day * DAY_MS, timeZone: 'UTC' });
    expect(readWindows(state, count, { now: first + 30 * DAY_MS, timeZone: 'UTC' })).toEqual({ '1d': 1, calendar_month: 31 });
  });

  it('pruneState empties a state the windows have left behind, for the scheduler to write back', () => {
    const count = aggregateOf({ windows: ['30d'] });
    const state = emptyState(count);
    applyEvent(state, count, event(NOW), options);
    expect(pruneState(state, count, { now: NOW + 30 * DAY_MS, timeZone: 'UTC' })).toBe(0);
    expect(pruneState(state, count, { now: NOW + 38 * DAY_MS, timeZone: 'UTC' })).toBe(1);
    expect(state.days).toEqual([]);
  });
});

describe('last and last_N', () => {
  it('breaks a tie of equal times by event reference, whatever the arrival order', () => {
    const last = aggregateOf({ aggregation: 'last', value: 'v', windows: ['7d', 'last_2'] });
    for (const order of [
      ['a', 'b'],
      ['b', 'a'],
    ]) {
      const state = emptyState(last);
      for (const id of order) applyEvent(state, last, event(NOW, { v: id }, id), options);
      expect(readWindows(state, last, options)).toEqual({ '7d': 'b', last_2: 'b' });
    }
  });

  it('keeps only the N latest events, out of order arrivals included', () => {
    const average = aggregateOf({ aggregation: 'average', value: 'v', windows: ['last_3'] });
    const state = emptyState(average);
    const bills = [
      [NOW - 40 * DAY_MS, 100],
      [NOW - 3 * DAY_MS, 800],
      [NOW - 6 * DAY_MS, 700],
      [NOW - 5 * DAY_MS, 650],
      [NOW - 7 * DAY_MS + 1, 1_000],
    ] as const;
    bills.forEach(([at, v], i) => applyEvent(state, average, event(at, { v }, `b${i}`), { ...options, lateHorizonDays: 60 }));
    expect(state.recent).toHaveLength(3);
    expect(state.recent?.map((e) => e.c)).toEqual([80_000, 65_000, 70_000]);
    expect(state.days).toEqual([]);
    expect(readWindows(state, average, options)).toEqual({ last_3: 2_150 / 3 });
  });
});

describe('restoreState', () => {
  const sum = aggregateOf({ aggregation: 'sum', value: 'v', windows: ['7d', 'last_2'] });

  it('gives back a stored state after a JSON round trip, and applying goes on from it', () => {
    const state = emptyState(sum);
    applyEvent(state, sum, event(NOW - DAY_MS, { v: 1.5 }), options);
    const stored: unknown = JSON.parse(JSON.stringify(state));
    const restored = restoreState(stored, sum);
    expect(restored.status).toBe('restored');
    expect(restored.state).toEqual(state);
    applyEvent(restored.state, sum, event(NOW, { v: 2 }, 'e2'), options);
    expect(readWindows(restored.state, sum, options)).toEqual({ '7d': 3.5, last_2: 3.5 });
  });

  it('starts afresh when there is none, when it is not a state, or when the definition changed', () => {
    expect(restoreState(undefined, sum).status).toBe('new');
    expect(restoreState({ v: 2, days: [] }, sum).status).toBe('malformed');
    expect(restoreState('[]', sum).status).toBe('malformed');
    const state = emptyState(sum);
    const changed = aggregateOf({ aggregation: 'sum', value: 'v', windows: ['7d', 'last_2'], filter: 'v > 1' });
    const relabelled = aggregateOf({ aggregation: 'sum', value: 'v', windows: ['last_2', '7d'], label: 'Other words' });
    expect(restoreState(state, changed)).toEqual({ state: emptyState(changed), status: 'definition_changed' });
    expect(restoreState(state, relabelled).status).toBe('restored');
  });
});
