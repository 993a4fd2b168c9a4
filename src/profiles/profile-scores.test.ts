import { describe, expect, it } from 'vitest';
import { applyEvent, compileAggregate, DEFAULT_AGGREGATES, emptyState, readWindows, type AggregateState } from './aggregates/index.js';
import { applyProfileEvent, EMPTY_STATE, type ProfileState } from './profile-state.js';
import { CHURN_FEATURES, churnFeatureRow } from './profile-scores.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-11-20T12:00:00Z');
const aggregates = DEFAULT_AGGREGATES.map((definition) => compileAggregate(definition));

interface Event {
  readonly source: string;
  readonly type: string;
  readonly at: number;
  readonly properties?: Record<string, unknown>;
}

const daysAgo = (days: number, hour = 10): number => NOW.getTime() - days * DAY_MS + (hour - 12) * 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** A profile's state and aggregate windows as of NOW, built the way the profile stage builds them. */
const profileOf = (events: readonly Event[]) => {
  let state: ProfileState = EMPTY_STATE;
  const states: Record<string, AggregateState> = {};
  events.forEach((e, i) => {
    const eventId = `e-${i}`;
    const properties = e.properties ?? {};
    state = applyProfileEvent(state, { seq: i + 1, sourceId: e.source, eventId, type: e.type, at: iso(e.at), properties });
    for (const aggregate of aggregates) {
      const s = (states[aggregate.definition.id] ??= emptyState(aggregate));
      applyEvent(
        s,
        aggregate,
        { sourceId: e.source, type: e.type, eventId, occurredAt: e.at, properties },
        {
          timeZone: 'Europe/Moscow',
          now: NOW.getTime(),
          lateHorizonDays: 120,
        },
      );
    }
  });
  const windows = Object.fromEntries(
    aggregates.map((a) => [
      a.definition.id,
      readWindows(states[a.definition.id] ?? emptyState(a), a, { now: NOW, timeZone: 'Europe/Moscow' }),
    ]),
  );
  return churnFeatureRow(state, windows, NOW);
};

const activation = (daysBefore: number, planType = 'prepaid'): Event => ({
  source: 'billing',
  type: 'activation',
  at: daysAgo(daysBefore),
  properties: { tariffId: 'T-PREPAID-MINI', planType },
});
/** `perDay(d)` usage records (data sessions and app opens) on each of the last `days` days. */
const usage = (days: number, perDay: (daysBefore: number) => number): Event[] => {
  const out: Event[] = [];
  for (let d = days - 1; d >= 0; d--) {
    for (let k = 0; k < perDay(d); k++) {
      out.push(
        k % 2 === 0
          ? {
              source: 'network',
              type: 'data_session',
              at: daysAgo(d, 8 + (k % 8)),
              properties: { datavolumeFBCUplink: 10, datavolumeFBCDownlink: 90 },
            }
          : { source: 'app', type: 'app_open', at: daysAgo(d, 8 + (k % 8)), properties: { appUserId: 'u-1' } },
      );
    }
  }
  return out;
};
const careCase = (id: string, openedDaysAgo: number, promisedDaysAfter: number, resolvedDaysAfter: number | null): Event[] => {
  const opened = daysAgo(openedDaysAgo);
  const props = {
    caseId: id,
    category: 'network_quality',
    channel: 'call_centre',
    expectedResolutionDate: iso(opened + promisedDaysAfter * DAY_MS),
  };
  const events: Event[] = [{ source: 'crm', type: 'case_opened', at: opened, properties: { ...props, status: 'acknowledged' } }];
  if (resolvedDaysAfter !== null) {
    const resolved = opened + resolvedDaysAfter * DAY_MS;
    events.push({
      source: 'crm',
      type: 'case_resolved',
      at: resolved,
      properties: { ...props, status: 'resolved', resolutionDate: iso(resolved) },
    });
  }
  return events;
};

describe('churn features', () => {
  it('every feature the row fills is declared, and every declared feature is filled', () => {
    const row = profileOf([activation(400), ...usage(70, () => 4)]);
    expect(Object.keys(row).sort()).toEqual(CHURN_FEATURES.map((f) => f.name).sort());
  });

  it('sees usage fading: this week against the weeks before, and the last 30 days against the 30 before', () => {
    // ln((recent + 1) / (earlier at the recent span's length + 1)): 0 for steady usage.
    const logRatio = (recent: number, earlier: number, recentDays: number, earlierDays: number) =>
      Math.log((recent + 1) / ((earlier * recentDays) / earlierDays + 1));
    const steady = profileOf([activation(400), ...usage(70, () => 4)]);
    expect(steady.usageWeekAgainstBefore).toBeCloseTo(0, 9);
    expect(steady.usageMonthAgainstBefore).toBeCloseTo(0, 9);
    expect(steady.usageEvents30d).toBe(120);

    // 6 a day until 30 days ago, then 4, and 2 in the last week: the week is compared with days 8–60.
    const fading = profileOf([activation(400), ...usage(70, (d) => (d >= 30 ? 6 : d >= 7 ? 4 : 2))]);
    expect(fading.usageWeekAgainstBefore).toBeCloseTo(logRatio(7 * 2, 23 * 4 + 30 * 6, 7, 53), 9);
    expect(fading.usageMonthAgainstBefore).toBeCloseTo(logRatio(7 * 2 + 23 * 4, 30 * 6, 30, 30), 9);
    expect(fading.usageWeekAgainstBefore as number).toBeLessThan(-0.8);

    // Silent for the last 10 days.
    const silent = profileOf([activation(400), ...usage(70, (d) => (d < 10 ? 0 : 4))]);
    expect(silent.usageWeekAgainstBefore).toBeCloseTo(logRatio(0, 50 * 4, 7, 53), 9);
    expect(silent.usageEvents30d).toBe(80);
  });

  it('compares only over the history a line has', () => {
    // 45 days old: the week against the 38 days before it; no month before the last 30.
    const young = profileOf([activation(45), ...usage(45, () => 4)]);
    expect(young.usageWeekAgainstBefore).toBeCloseTo(0, 9);
    expect(young.usageMonthAgainstBefore).toBeNull();
    // 10 days old: less than a week before the last one, nothing to compare with.
    const fresh = profileOf([activation(10), ...usage(10, () => 4)]);
    expect(fresh.usageWeekAgainstBefore).toBeNull();
    // Back after a silent month: usage rising.
    const returning = profileOf([activation(400), ...usage(20, () => 4)]);
    expect(returning.usageMonthAgainstBefore as number).toBeGreaterThan(4);
  });

  it('counts days since the last top-up, missing for a line that never topped up', () => {
    const topup = (days: number): Event => ({
      source: 'billing',
      type: 'topup',
      at: daysAgo(days),
      properties: { amount: { value: 300, unit: 'RUB' }, paymentMethod: 'bankCard', channel: 'app' },
    });
    expect(profileOf([activation(400), topup(40), topup(12)]).daysSinceTopup).toBeCloseTo(12 + 2 / 24, 5);
    expect(profileOf([activation(400, 'postpaid')]).daysSinceTopup).toBeNull();
  });

  it('counts care cases over 30 and 90 days, and promises broken recently apart from all broken promises', () => {
    const row = profileOf([
      activation(400),
      ...careCase('old-broken', 100, 2, 6), // broken about 98 days ago: counted in all broken promises only
      ...careCase('recent-broken', 40, 2, null), // still open, promise passed 38 days ago
      ...careCase('kept', 10, 3, 1), // resolved before its promised date
      ...careCase('late', 20, 1, 4), // resolved after it
    ]);
    expect(row.careCases30d).toBe(2);
    expect(row.careCases90d).toBe(3);
    expect(row.openCases).toBe(1);
    expect(row.brokenPromises).toBe(3);
    expect(row.brokenPromises60d).toBe(2);
  });
});
