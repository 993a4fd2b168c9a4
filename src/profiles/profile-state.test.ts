import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAggregate, DEFAULT_AGGREGATES, emptyState, applyEvent, readWindows } from './aggregates/index.js';
import { mergeAggregateStates } from './aggregate-merge.js';
import {
  applyProfileEvent,
  caseView,
  EMPTY_STATE,
  mergeProfileStates,
  viewOf,
  type ProfileEvent,
  type ProfileState,
} from './profile-state.js';

let seq = 0;
const ev = (sourceId: string, type: string, at: string, properties: Record<string, unknown> = {}): ProfileEvent => ({
  seq: ++seq,
  sourceId,
  eventId: `e-${seq}`,
  type,
  at,
  properties,
});
const applyAll = (events: readonly ProfileEvent[]): ProfileState => events.reduce((s, e) => applyProfileEvent(s, e), EMPTY_STATE);

describe('profile state', () => {
  it('prefers billing over CRM over the app, then the newer event; an empty value never overwrites', () => {
    const state = applyAll([
      ev('app', 'identify', '2026-11-05T00:00:00Z', { traits: { name: 'Anya', email: 'anya@example.org' } }),
      ev('crm', 'customer_changed', '2026-11-01T00:00:00Z', { name: 'Anna Petrova', email: 'anna@example.org' }),
      ev('crm', 'customer_changed', '2026-11-03T00:00:00Z', { name: '', email: 'anna.p@example.org' }),
    ]);
    expect(state.traits.name?.value).toBe('Anna Petrova');
    expect(state.traits.email).toMatchObject({ value: 'anna.p@example.org', source: 'crm', rule: 'crm/customer_changed:email' });
  });

  it('follows the line lifecycle by event time, whatever the arrival order', () => {
    const events = [
      ev('billing', 'activation', '2026-01-01T00:00:00Z', { tariffId: 'T1', planType: 'prepaid', simType: 'esim' }),
      ev('billing', 'suspension', '2026-02-01T00:00:00Z', { reason: 'non_payment' }),
      ev('billing', 'resumption', '2026-02-03T00:00:00Z'),
      ev('billing', 'tariff_change', '2026-03-01T00:00:00Z', { fromTariffId: 'T1', toTariffId: 'T2' }),
    ];
    const forward = applyAll(events);
    expect(applyAll([...events].reverse())).toEqual({ ...forward });
    expect(viewOf(forward, new Date('2026-04-01T00:00:00Z'), 'Europe/Moscow').traits).toMatchObject({
      status: 'active',
      tariff: 'T2',
      simType: 'esim',
    });
  });

  it('keeps care cases with their promise, broken when the date passes unresolved or the fix came late', () => {
    const state = applyAll([
      ev('crm', 'case_opened', '2026-11-01T10:00:00Z', {
        caseId: 'C1',
        category: 'network',
        channel: 'call_centre',
        expectedResolutionDate: '2026-11-03T10:00:00Z',
      }),
      ev('crm', 'case_resolved', '2026-11-05T10:00:00Z', {
        caseId: 'C1',
        category: 'network',
        channel: 'call_centre',
        resolutionDate: '2026-11-05T10:00:00Z',
      }),
      ev('crm', 'case_opened', '2026-11-10T10:00:00Z', {
        caseId: 'C2',
        category: 'billing',
        channel: 'app',
        expectedResolutionDate: '2026-11-30T10:00:00Z',
      }),
    ]);
    const now = new Date('2026-11-20T00:00:00Z');
    expect(caseView(state.cases.C1!, now)).toMatchObject({ status: 'resolved', promiseBroken: true });
    expect(caseView(state.cases.C2!, now)).toMatchObject({ status: 'open', promiseBroken: false });
    expect(viewOf(state, now, 'UTC')).toMatchObject({
      brokenPromises: 1,
      lastInteraction: { call_centre: '2026-11-05T10:00:00Z', app: '2026-11-10T10:00:00Z' },
    });
  });

  const arbitraryEvent = fc
    .record({
      kind: fc.constantFrom(
        ['billing', 'tariff_change'] as const,
        ['crm', 'customer_changed'] as const,
        ['app', 'identify'] as const,
        ['billing', 'suspension'] as const,
        ['billing', 'resumption'] as const,
        ['crm', 'case_opened'] as const,
        ['crm', 'case_resolved'] as const,
      ),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }),
      pick: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ kind, day, hour, pick }) => {
      const [source, type] = kind as readonly [string, string];
      const at = `2026-11-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;
      const name = ['Anna', 'Boris', '', 'Vera'][pick];
      const props: Record<string, unknown> = {
        toTariffId: `T${pick}`,
        reason: 'x',
        name,
        email: `${name || 'x'}@example.org`,
        traits: { name },
        caseId: `C${pick}`,
        category: 'network',
        channel: 'app',
        resolutionDate: at,
        expectedResolutionDate: '2026-11-15T00:00:00Z',
      };
      return ev(source, type, at, props);
    });

  it('gives the same state for any arrival order, and a merge equals one profile with both histories', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEvent, { maxLength: 30 }), fc.integer({ min: 0, max: 30 }), (events, cut) => {
        const shuffled = [...events].sort((a, b) => (a.eventId < b.eventId ? 1 : -1));
        const all = applyAll(events);
        expect(applyAll(shuffled)).toEqual(all);
        const merged = mergeProfileStates(applyAll(events.slice(0, cut)), applyAll(events.slice(cut)));
        expect(merged).toEqual(all);
      }),
      { numRuns: 200 },
    );
  });
});

describe('aggregate merge', () => {
  const aggregates = DEFAULT_AGGREGATES.map((d) => compileAggregate(d));
  const now = Date.parse('2026-11-20T12:00:00Z');
  const sample = fc.record({
    kind: fc.constantFrom(
      { sourceId: 'network', type: 'data_session' },
      { sourceId: 'network', type: 'voice_call' },
      { sourceId: 'billing', type: 'topup' },
      { sourceId: 'app', type: 'app_open' },
    ),
    minutesAgo: fc.integer({ min: 0, max: 40 * 24 * 60 }),
    amount: fc.integer({ min: 1, max: 10_000 }),
    cell: fc.integer({ min: 1, max: 5 }),
  });
  it('folds two profiles into exactly what one profile with both histories holds', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 40 }), fc.integer({ min: 0, max: 40 }), (samples, cut) => {
        const events = samples.map((s, i) => ({
          ...s.kind,
          eventId: `e${i}`,
          occurredAt: now - s.minutesAgo * 60_000,
          properties: {
            datavolumeFBCUplink: s.amount,
            datavolumeFBCDownlink: s.amount,
            duration: s.amount,
            causeForTermination: s.cell === 1 ? 'abnormal_release' : 'normal_release',
            amount: { value: s.amount, unit: 'RUB' },
            userLocationInformation: { plmnIdentifier: '25001', tac: 1, cellId: s.cell },
          },
        }));
        for (const aggregate of aggregates) {
          const build = (list: typeof events) => {
            const state = emptyState(aggregate);
            for (const e of list) applyEvent(state, aggregate, e, { timeZone: 'Europe/Moscow', now, lateHorizonDays: 60 });
            return state;
          };
          const merged = mergeAggregateStates(build(events.slice(0, cut)), build(events.slice(cut)), aggregate);
          const read = { now, timeZone: 'Europe/Moscow' };
          expect(readWindows(merged, aggregate, read)).toEqual(readWindows(build(events), aggregate, read));
        }
      }),
      { numRuns: 100 },
    );
  });
});
