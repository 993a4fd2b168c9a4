import { describe, expect, it } from 'vitest';
import {
  covers,
  decodeActivity,
  encodeActivity,
  keptProperties,
  mergeActivity,
  recordOccurrence,
  trackedEventsOf,
  trimActivity,
  type Activity,
} from './activity.js';
import { and, audienceOf, daysAgo, NOW } from './test-fixtures.js';
import { DAY_MS } from './field-types.js';

const at = (days: number, eventId: string, properties: Record<string, unknown> = {}) => ({ at: daysAgo(days), eventId, properties });

describe('activity', () => {
  it('keeps occurrences in time order, each event once, whatever order they arrive in', () => {
    const activity: Activity = {};
    expect(recordOccurrence(activity, 'billing/topup', at(1, 'b'))).toBe(true);
    expect(recordOccurrence(activity, 'billing/topup', at(5, 'a'))).toBe(true);
    expect(recordOccurrence(activity, 'billing/topup', at(1, 'c'))).toBe(true);
    expect(recordOccurrence(activity, 'billing/topup', at(1, 'b'))).toBe(false);
    expect(activity['billing/topup']?.map((o) => o.eventId)).toEqual(['a', 'b', 'c']);
  });

  it('trims what no window reaches and types no audience counts; merges without duplicates', () => {
    const a: Activity = { 'billing/topup': [at(40, 'old'), at(3, 'x')], 'app/login': [at(1, 'l')] };
    const b: Activity = { 'billing/topup': [at(3, 'x'), at(2, 'y')] };
    const merged = mergeActivity(a, b);
    expect(merged['billing/topup']?.map((o) => o.eventId)).toEqual(['old', 'x', 'y']);
    const tracked = new Map([['billing/topup', { from: daysAgo(31), properties: new Set<string>() }]]);
    expect(trimActivity(merged, tracked)).toEqual({ 'billing/topup': [at(3, 'x'), at(2, 'y')] });
  });

  it('encodes compactly and decodes to the same activity', () => {
    const activity: Activity = { 'billing/topup': [at(3, 'x', { amount: { value: 300 } }), at(2, 'y')] };
    const text = encodeActivity(activity);
    expect(text).not.toContain('properties');
    expect(decodeActivity(text)).toEqual(activity);
  });

  it('tracks each counted type from the widest window (a day further for last-D-days) with the properties filters read', () => {
    const rule = and(
      { field: 'event', operator: 'performed', eventType: 'billing/topup', window: { lastDays: 30 } },
      {
        field: 'event',
        operator: 'performed',
        eventType: 'billing/topup',
        propertyFilters: [{ field: 'amount.value', operator: '>=', value: 500 }],
        window: { lastDays: 7 },
      },
      { field: 'event', operator: 'notPerformed', eventType: 'app/login', window: { lastDays: 14 } },
    );
    const tracked = trackedEventsOf([audienceOf(rule)], NOW);
    expect(tracked.get('billing/topup')).toEqual({ from: NOW - 31 * DAY_MS, properties: new Set(['amount']) });
    expect(tracked.get('app/login')).toEqual({ from: NOW - 15 * DAY_MS, properties: new Set() });
    expect(covers(tracked.get('billing/topup'), { from: NOW - 10 * DAY_MS, properties: new Set(['amount']) })).toBe(true);
    expect(covers(tracked.get('billing/topup'), { from: NOW - 40 * DAY_MS, properties: new Set() })).toBe(false);
    expect(covers(tracked.get('billing/topup'), { from: NOW, properties: new Set(['channel']) })).toBe(false);
    expect(keptProperties({ amount: 1, channel: 'app' }, new Set(['amount']))).toEqual({ amount: 1 });
  });
});
