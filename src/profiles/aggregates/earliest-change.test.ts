import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, earliestChangeDay, emptyState } from './aggregate-state.js';
import { AGGREGATIONS, compileAggregate } from './definitions.js';
import { DAY_MS, HOUR_MS, localDay, startOfLocalDay } from './local-time.js';
import { nextChange } from './windows.js';

const ZONES = ['UTC', 'Europe/Moscow', 'America/Santiago'] as const;
const WINDOW_SETS = [
  ['7d'],
  ['1d', '30d'],
  ['30d', '60d', '90d'],
  ['calendar_month'],
  ['7d', 'calendar_month', 'last_3'],
  ['last_3'],
] as const;

describe('earliestChangeDay', () => {
  it('is never after the day nextChange finds, and null only when nextChange is (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AGGREGATIONS),
        fc.constantFrom(...WINDOW_SETS),
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
        fc.array(fc.record({ ago: fc.integer({ min: -10 * 60_000, max: 9 * DAY_MS }), v: fc.integer({ min: -2, max: 3 }) }), {
          maxLength: 30,
        }),
        fc.integer({ min: 0, max: 100 * DAY_MS }),
        (aggregation, windows, timeZone, now, events, later) => {
          const aggregate = compileAggregate({
            id: 'bounded',
            label: 'Bounded',
            eventTypes: ['test/thing'],
            ...(aggregation === 'count' ? {} : { value: 'v' }),
            aggregation,
            windows: [...windows],
            unit: 'count',
          });
          const state = emptyState(aggregate);
          events.forEach((e, i) =>
            applyEvent(
              state,
              aggregate,
              { sourceId: 'test', type: 'thing', eventId: `e${i}`, occurredAt: now - e.ago, properties: { v: e.v } },
              { now, timeZone, lateHorizonDays: 9 },
            ),
          );
          for (const at of [now, now + HOUR_MS, now + later]) {
            const bound = earliestChangeDay(state, aggregate, localDay(at, timeZone));
            const exact = nextChange(state, aggregate, { now: at, timeZone });
            if (bound === null) expect(exact).toBeNull();
            else if (exact !== null) expect(exact.getTime()).toBeGreaterThanOrEqual(startOfLocalDay(bound, timeZone));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
