import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LATE_HORIZON_DAYS,
  applyEvent,
  emptyState,
  restoreState,
  type AggregateEvent,
  type AggregateState,
} from './aggregate-state.js';
import { DEFAULT_AGGREGATES } from './default-aggregates.js';
import { AGGREGATIONS, compileAggregate, type AggregateDefinition, type CompiledAggregate } from './definitions.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, localDay, startOfLocalDay } from './local-time.js';
import { recomputeWindows } from './recompute.js';
import { nextChange, readWindows } from './windows.js';

/*
 * Incremental equals recomputed: whatever the arrival order, the windows read from the state equal
 * the windows computed from the raw list of accepted events, for every default definition and for
 * a generic definition of every aggregation over every window, in zones with and without DST, at
 * the processing time and at later times (windows rolled forward with no event).
 */

const ZONES = ['UTC', 'Europe/Moscow', 'Asia/Vladivostok', 'Europe/Berlin', 'America/Santiago', 'Asia/Kathmandu'] as const;
const FUTURE_TOLERANCE_MS = 15 * MINUTE_MS;
const HORIZON_MS = DEFAULT_LATE_HORIZON_DAYS * DAY_MS;

const DEFAULTS = DEFAULT_AGGREGATES.map((d) => compileAggregate(d));

/** One generic definition per aggregation, with every kind of window. */
const genericAggregate = (
  aggregation: AggregateDefinition['aggregation'],
  decimals: number,
  filter: string | undefined,
): CompiledAggregate =>
  compileAggregate({
    id: `generic_${aggregation}`,
    label: 'Generic',
    eventTypes: ['test/thing'],
    ...(aggregation === 'count' ? {} : { value: 'v' }),
    aggregation,
    windows: ['1d', '7d', '30d', '90d', 'calendar_month', 'last_3'],
    ...(filter === undefined ? {} : { filter }),
    unit: 'count',
    decimals,
  });

const EVENT_TYPES = [
  'network/data_session',
  'network/voice_call',
  'network/location_update',
  'network/roaming_started',
  'network/roaming_ended',
  'billing/topup',
  'billing/payment',
  'billing/bill_issued',
  'app/app_open',
  'crm/case_opened',
  'test/thing',
] as const;

/** A third of the events go to the generic definition, so its windows see enough of them. */
const eventType = fc.oneof(
  { weight: 1, arbitrary: fc.constant('test/thing' as const) },
  { weight: 2, arbitrary: fc.constantFrom(...EVENT_TYPES) },
);

const orNull = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });
const plmn = fc.constantFrom('25001', '23415', '25002');
const money = fc.record({
  value: orNull(
    fc.oneof(
      fc.integer({ min: 1, max: 100_000 }).map((k) => k / 100),
      fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
    ),
  ),
  unit: fc.constantFrom('RUB', 'RUB', 'USD'),
});

/** Properties covering every field a default or the generic definition reads; any may be missing. */
const properties = fc.record(
  {
    datavolumeFBCUplink: orNull(fc.integer({ min: 0, max: 10_000_000_000 })),
    datavolumeFBCDownlink: orNull(fc.integer({ min: 0, max: 10_000_000_000 })),
    servingNodePLMNIdentifier: plmn,
    userLocationInformation: fc.record({ plmnIdentifier: plmn, cellId: fc.integer({ min: 0, max: 12 }) }, { requiredKeys: [] }),
    cellId: fc.integer({ min: 0, max: 12 }),
    duration: orNull(fc.integer({ min: 0, max: 7_200 })),
    causeForTermination: fc.constantFrom('normal', 'dropped', 'busy'),
    amount: money,
    totalAmount: money,
    amountDue: money,
    v: orNull(
      fc.oneof(
        fc.integer({ min: -5, max: 5 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom('a', 'b', '#a', '1'),
        fc.boolean(),
      ),
    ),
    k: fc.integer({ min: 0, max: 2 }),
  },
  { requiredKeys: [] },
);

interface Arrival {
  readonly type: (typeof EVENT_TYPES)[number];
  readonly properties: Record<string, unknown>;
  /** Event time relative to the processing time of its arrival. */
  readonly offset: number;
  /** When set, the event takes the time of an earlier arrival (equal timestamps). */
  readonly sameTimeAs: number | null;
  /** How far processing time moves on before this arrival. */
  readonly step: number;
}

const arrival: fc.Arbitrary<Arrival> = fc.record({
  type: eventType,
  properties,
  offset: fc.integer({ min: -HORIZON_MS - 6 * HOUR_MS, max: 2 * FUTURE_TOLERANCE_MS }),
  sameTimeAs: fc.option(fc.nat(), { nil: null }),
  step: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 36 * HOUR_MS })),
});

const eventOf = (a: Arrival, i: number, at: number): AggregateEvent => {
  const [sourceId, type] = a.type.split('/') as [string, string];
  return { sourceId, type, eventId: `e${i}`, occurredAt: at, properties: a.properties };
};

const generic = fc.record({
  aggregation: fc.constantFrom(...AGGREGATIONS),
  decimals: fc.integer({ min: 0, max: 3 }),
  filter: fc.constantFrom(undefined, 'k != 0', 'exists(v) and k < 2'),
});

const start = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') });
/** Read times after the last processing time: the same instant, a little later, and weeks to months later. */
const readOffsets = fc.array(fc.oneof(fc.integer({ min: 0, max: 2 * DAY_MS }), fc.integer({ min: 0, max: 120 * DAY_MS })), {
  minLength: 1,
  maxLength: 4,
});

/** Just before `nextChange` nothing has changed; at it, something has; with none, nothing ever changes. */
const checkNextChange = (state: AggregateState, aggregate: CompiledAggregate, now: number, timeZone: string): void => {
  const current = readWindows(state, aggregate, { now, timeZone });
  const change = nextChange(state, aggregate, { now, timeZone });
  if (change === null) {
    expect(readWindows(state, aggregate, { now: now + 400 * DAY_MS, timeZone })).toEqual(current);
    return;
  }
  expect(change.getTime()).toBeGreaterThan(now);
  expect(readWindows(state, aggregate, { now: change.getTime() - 1, timeZone })).toEqual(current);
  expect(readWindows(state, aggregate, { now: change, timeZone })).not.toEqual(current);
};

describe('incremental aggregates equal recomputation from the raw events', () => {
  it('as events stream in with processing time moving on (late, early, equal-time events; a stored round trip)', () => {
    fc.assert(
      fc.property(
        fc.array(arrival, { minLength: 1, maxLength: 40 }),
        generic,
        fc.constantFrom(...ZONES),
        start,
        readOffsets,
        (arrivals, g, timeZone, startAt, reads) => {
          const aggregates = [...DEFAULTS, genericAggregate(g.aggregation, g.decimals, g.filter)];
          let states = aggregates.map((a) => emptyState(a));
          const accepted: AggregateEvent[] = [];
          const times: number[] = [];
          let now = startAt;
          arrivals.forEach((a, i) => {
            now += a.step;
            const at = a.sameTimeAs !== null && i > 0 ? (times[a.sameTimeAs % i] as number) : now + a.offset;
            times.push(at);
            const event = eventOf(a, i, at);
            const expected = at < now - HORIZON_MS ? 'too_late' : at > now + FUTURE_TOLERANCE_MS ? 'too_early' : 'accepted';
            if (expected === 'accepted') accepted.push(event);
            aggregates.forEach((aggregate, j) => {
              const outcome = applyEvent(states[j] as AggregateState, aggregate, event, { now, timeZone });
              if (!aggregate.matches(event.sourceId, event.type)) expect(outcome).toBe('other_type');
              else if (expected !== 'accepted') expect(outcome).toBe(expected);
              else expect(['applied', 'filtered_out', 'no_value']).toContain(outcome);
            });
            // Halfway, the batch ends: states go to the store as JSON and come back.
            if (i === Math.floor(arrivals.length / 2)) {
              states = states.map((s, j) => {
                const restored = restoreState(JSON.parse(JSON.stringify(s)), aggregates[j] as CompiledAggregate);
                expect(restored.status).toBe('restored');
                return restored.state;
              });
            }
          });
          for (const offset of reads) {
            const readAt = now + offset;
            aggregates.forEach((aggregate, j) => {
              const state = states[j] as AggregateState;
              expect(readWindows(state, aggregate, { now: readAt, timeZone }), aggregate.definition.id).toEqual(
                recomputeWindows(accepted, aggregate, { now: readAt, timeZone }),
              );
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('in any permutation of the same events (the states themselves are equal too)', () => {
    const batch = fc
      .array(
        fc.record({
          type: eventType,
          properties,
          offset: fc.integer({ min: -HORIZON_MS, max: FUTURE_TOLERANCE_MS }),
          sameTimeAs: fc.option(fc.nat(), { nil: null }),
        }),
        { minLength: 1, maxLength: 40 },
      )
      .chain((items) =>
        fc.tuple(fc.constant(items), fc.shuffledSubarray([...items.keys()], { minLength: items.length, maxLength: items.length })),
      );

    fc.assert(
      fc.property(batch, generic, fc.constantFrom(...ZONES), start, readOffsets, ([items, order], g, timeZone, now, reads) => {
        const times: number[] = [];
        const events = items.map((item, i) => {
          const at = item.sameTimeAs !== null && i > 0 ? (times[item.sameTimeAs % i] as number) : now + item.offset;
          times.push(at);
          return eventOf({ ...item, step: 0 }, i, at);
        });
        const shuffled = order.map((i) => events[i] as AggregateEvent);
        for (const aggregate of [...DEFAULTS, genericAggregate(g.aggregation, g.decimals, g.filter)]) {
          const inOrder = emptyState(aggregate);
          const outOfOrder = emptyState(aggregate);
          for (const event of events) expect(applyEvent(inOrder, aggregate, event, { now, timeZone })).not.toMatch(/too_/);
          for (const event of shuffled) applyEvent(outOfOrder, aggregate, event, { now, timeZone });
          expect(outOfOrder, aggregate.definition.id).toEqual(inOrder);
          for (const readAt of [now, ...reads.map((offset) => now + offset)]) {
            expect(readWindows(outOfOrder, aggregate, { now: readAt, timeZone }), aggregate.definition.id).toEqual(
              recomputeWindows(events, aggregate, { now: readAt, timeZone }),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('nextChange', () => {
  it('is exact: values unchanged just before it, changed at it, and for ever unchanged when null', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: eventType, properties, offset: fc.integer({ min: -HORIZON_MS, max: FUTURE_TOLERANCE_MS }) }), {
          minLength: 0,
          maxLength: 25,
        }),
        generic,
        fc.constantFrom(...ZONES),
        // Often just before a local midnight, where an event dated tomorrow (inside the skew tolerance) is likely.
        fc.oneof(
          start,
          fc.tuple(start, fc.integer({ min: 1, max: 20 * MINUTE_MS })).map(([t, before]) => [t, before] as const),
        ),
        fc.integer({ min: 0, max: 40 * DAY_MS }),
        (items, g, timeZone, startAt, later) => {
          const now = typeof startAt === 'number' ? startAt : startOfLocalDay(localDay(startAt[0], timeZone) + 1, timeZone) - startAt[1];
          const events = items.map((item, i) => eventOf({ ...item, sameTimeAs: null, step: 0 }, i, now + item.offset));
          for (const aggregate of [...DEFAULTS, genericAggregate(g.aggregation, g.decimals, g.filter)]) {
            const state = emptyState(aggregate);
            for (const event of events) applyEvent(state, aggregate, event, { now, timeZone });
            checkNextChange(state, aggregate, now, timeZone);
            checkNextChange(state, aggregate, now + later, timeZone);
            // Following the chain of changes from `now` reaches the end in a bounded number of steps.
            let at: Date | null = new Date(now);
            let steps = 0;
            while (at !== null && steps < 200) {
              at = nextChange(state, aggregate, { now: at, timeZone });
              steps++;
            }
            expect(at).toBe(null);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
