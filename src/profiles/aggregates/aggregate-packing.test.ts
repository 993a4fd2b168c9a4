import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyState, packState, unpackState, type AggregateState } from './aggregate-state.js';
import { AGGREGATIONS, compileAggregate, type AggregateDefinition, type CompiledAggregate } from './definitions.js';
import { DAY_MS, HOUR_MS } from './local-time.js';
import { DISTINCT_CAP_PER_DAY } from './values.js';
import { readWindows } from './windows.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');

const aggregateOf = (aggregation: AggregateDefinition['aggregation'], decimals = 2): CompiledAggregate =>
  compileAggregate({
    id: `packed_${aggregation}`,
    label: 'Packed',
    eventTypes: ['test/thing'],
    ...(aggregation === 'count' ? {} : { value: 'v' }),
    aggregation,
    windows: ['1d', '7d', '30d', 'calendar_month', 'last_3'],
    unit: 'count',
    decimals,
  });

/** The state as it is stored: packed, written as JSON text, read back. */
const stored = (state: AggregateState, aggregate: CompiledAggregate): unknown => JSON.parse(JSON.stringify(packState(state, aggregate)));

describe('packed aggregate states', () => {
  it('give back an equal state for every aggregation, whatever the events (property)', () => {
    const value = fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom('a', 'b', '#a', '1'),
      fc.boolean(),
    );
    const event = fc.record({ v: value, ago: fc.integer({ min: 0, max: 6 * DAY_MS }) });
    fc.assert(
      fc.property(fc.constantFrom(...AGGREGATIONS), fc.array(event, { maxLength: 40 }), (aggregation, events) => {
        const aggregate = aggregateOf(aggregation);
        const state = emptyState(aggregate);
        events.forEach((e, i) =>
          applyEvent(
            state,
            aggregate,
            { sourceId: 'test', type: 'thing', eventId: `e${i}`, occurredAt: NOW - e.ago, properties: { v: e.v } },
            { now: NOW, timeZone: 'Europe/Moscow' },
          ),
        );
        const { state: back, status } = unpackState(stored(state, aggregate), aggregate);
        expect(status).toBe('restored');
        expect(back).toEqual(JSON.parse(JSON.stringify(state)));
        for (const at of [NOW, NOW + 3 * DAY_MS, NOW + 40 * DAY_MS])
          expect(readWindows(back, aggregate, { now: at, timeZone: 'Europe/Moscow' })).toEqual(
            readWindows(state, aggregate, { now: at, timeZone: 'Europe/Moscow' }),
          );
      }),
      { numRuns: 300 },
    );
  });

  it('keep a capped distinct count capped', () => {
    const aggregate = aggregateOf('distinct_count');
    const state = emptyState(aggregate);
    for (let i = 0; i <= DISTINCT_CAP_PER_DAY; i++)
      applyEvent(
        state,
        aggregate,
        { sourceId: 'test', type: 'thing', eventId: `e${i}`, occurredAt: NOW - HOUR_MS, properties: { v: `cell-${i}` } },
        { now: NOW, timeZone: 'UTC' },
      );
    expect(state.days[0]?.capped).toBe(true);
    expect(unpackState(stored(state, aggregate), aggregate).state.days[0]?.capped).toBe(true);
  });

  it('are refused when built under another definition or not shaped as packed', () => {
    const sum = aggregateOf('sum');
    const state = emptyState(sum);
    applyEvent(
      state,
      sum,
      { sourceId: 'test', type: 'thing', eventId: 'e1', occurredAt: NOW, properties: { v: 2 } },
      { now: NOW, timeZone: 'UTC' },
    );
    const packed = stored(state, sum);
    expect(unpackState(packed, aggregateOf('sum', 3)).status).toBe('definition_changed');
    expect(unpackState(undefined, sum).status).toBe('new');
    expect(unpackState({ v: 1, def: sum.fingerprint, days: [] }, sum).status).toBe('malformed');
    expect(unpackState([sum.fingerprint, [20000, 1]], sum).status).toBe('malformed');
    expect(unpackState([sum.fingerprint, [20000, 1, 'x']], sum).status).toBe('malformed');
    expect(unpackState([sum.fingerprint, [20000.5, 1, 3]], sum).status).toBe('malformed');
    // A definition with last_N windows needs its recent events.
    expect(unpackState([sum.fingerprint, [20000, 1, 3]], sum).status).toBe('malformed');
    expect(unpackState([sum.fingerprint, [20000, 1, 3], [NOW, 'test/e1', 300]], sum)).toMatchObject({
      status: 'restored',
      state: { days: [{ d: '2024-10-04', n: 1, x: 3 }], recent: [{ t: NOW, r: 'test/e1', c: 300 }] },
    });
  });

  it('are several times smaller than the objects they replace', () => {
    const aggregate = aggregateOf('sum');
    const state = emptyState(aggregate);
    for (let day = 0; day < 30; day++)
      applyEvent(
        state,
        aggregate,
        { sourceId: 'test', type: 'thing', eventId: `e${day}`, occurredAt: NOW - day * DAY_MS, properties: { v: 1234.5 } },
        { now: NOW, timeZone: 'UTC', lateHorizonDays: 40 },
      );
    expect(JSON.stringify(packState(state, aggregate)).length).toBeLessThan(JSON.stringify(state).length / 2);
  });
});
