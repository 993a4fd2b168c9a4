import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeProfileBody, encodeProfileBody, ProfileRowError } from './profile-row.js';
import { applyProfileEvent, EMPTY_STATE, mergeProfileStates, type ProfileEvent, type ProfileState } from './profile-state.js';

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

const roundTrip = (state: ProfileState) =>
  decodeProfileBody(encodeProfileBody({ state, aggregatesJson: '{"x":["f",[20000,1]]}', scores: null, timeZone: 'Asia/Vladivostok' }));

/** A state with every part: traits set by one event and by several, cases with promises, interactions. */
const fullState = (): ProfileState =>
  applyAll([
    ev('billing', 'activation', '2026-11-01T10:00:00.000Z', { tariffId: 'T-SMART', planType: 'prepaid', simType: 'esim' }),
    ev('crm', 'customer_changed', '2026-11-02T10:00:00.000Z', { name: 'Anna Petrova', homeRegion: 'RU-PRI', email: 'anna@example.org' }),
    ev('app', 'identify', '2026-11-03T10:00:00.000Z', { traits: { name: 'Anya' } }),
    ev('billing', 'balance_changed', '2026-11-04T10:00:00.000Z', { balance: { value: 120.5, unit: 'RUB' } }),
    ev('network', 'roaming_ended', '2026-11-04T11:00:00.000Z'),
    ev('crm', 'case_opened', '2026-11-05T10:00:00.000Z', {
      caseId: 'C-1',
      category: 'billing',
      channel: 'call_centre',
      expectedResolutionDate: '2026-11-07',
    }),
    ev('crm', 'case_resolved', '2026-11-08T10:00:00.000Z', { caseId: 'C-1', channel: 'call_centre' }),
    ev('billing', 'topup', '2026-11-09T10:00:00.000Z', { amount: { value: 300, unit: 'RUB' }, channel: 'shop' }),
  ]);

describe('profile rows', () => {
  it('gives back the same state, lineage included', () => {
    const state = fullState();
    const body = roundTrip(state);
    expect(body.state).toEqual(state);
    expect(body.timeZone).toBe('Asia/Vladivostok');
    expect(body.aggregates).toEqual({ x: ['f', [20000, 1]] });
    // Same member order: the profile API lists traits in it.
    expect(Object.keys(body.state.traits)).toEqual(Object.keys(state.traits));
    expect(body.state.traits.visitedCountry?.value).toBeNull();
  });

  it('lists each cited event once', () => {
    const state = applyAll([
      ev('billing', 'activation', '2026-11-01T10:00:00.000Z', { tariffId: 'T-1', planType: 'postpaid', simType: 'physical' }),
    ]);
    expect(Object.keys(state.traits)).toHaveLength(5);
    const text = encodeProfileBody({ state, aggregatesJson: '{}', scores: null, timeZone: 'UTC' });
    expect(text.match(/"billing","activation"/g)).toHaveLength(1);
    expect(text).not.toContain('billing/activation:');
    // Far smaller than the same state as plain JSON, where each trait carries its whole lineage.
    expect(text.length).toBeLessThan(JSON.stringify(state).length / 2);
  });

  it('keeps a rule that is not `source/type:trait`, and distinct events that share a log position', () => {
    const base = fullState();
    const tariff = base.traits.tariff;
    if (!tariff) throw new Error('no tariff');
    const state: ProfileState = {
      ...base,
      traits: { ...base.traits, tariff: { ...tariff, rule: 'legacy:tariff' }, planType: { ...tariff, value: 'x', eventId: 'other' } },
    };
    expect(roundTrip(state).state).toEqual(state);
  });

  it('keeps case ids and channels that are JavaScript names, __proto__ included', () => {
    const opened = applyAll([ev('crm', 'case_opened', '2026-11-05T10:00:00.000Z', { caseId: 'C-1', channel: 'app' })]);
    const someCase = opened.cases['C-1'];
    const someInteraction = opened.interactions['app'];
    if (!someCase || !someInteraction) throw new Error('no case');
    // Built as JSON.parse would build them: own members named like Object.prototype's.
    const cases = JSON.parse(
      JSON.stringify({ ['__proto__']: { ...someCase, caseId: '__proto__' }, constructor: { ...someCase, caseId: 'constructor' } }),
    );
    const interactions = JSON.parse(JSON.stringify({ ['__proto__']: someInteraction, toString: someInteraction }));
    const state: ProfileState = { ...opened, cases, interactions };
    const back = roundTrip(state).state;
    expect(Object.keys(back.cases).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(back.cases)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back.cases, '__proto__')?.value).toMatchObject({ caseId: '__proto__', channel: 'app' });
    expect(Object.keys(back.interactions).sort()).toEqual(['__proto__', 'toString']);
  });

  it('reads a row carried over from the first format (migration 0005)', () => {
    const state = fullState();
    const aggregates = { data_usage_home: { v: 1, def: 'abc', days: [{ d: '2026-11-20', n: 1, x: 5 }] } };
    const scores = { churn: { probability: 0.1 } };
    const text = `{"v":1,"state":${JSON.stringify(state)},"aggregates":${JSON.stringify(aggregates)},"scores":${JSON.stringify(scores)},"timeZone":"Europe/Moscow"}`;
    const body = decodeProfileBody(text);
    expect(body).toEqual({ state, aggregates, scores, timeZone: 'Europe/Moscow' });
  });

  it('refuses a body of an unknown version or shape', () => {
    expect(() => decodeProfileBody('{"v":3}')).toThrow(ProfileRowError);
    expect(() => decodeProfileBody('{"v":2,"z":"UTC"}')).toThrow(ProfileRowError);
    expect(() => decodeProfileBody('{"v":2,"z":"UTC","e":[],"t":{"status":["active",0]},"c":{},"i":{},"a":{}}')).toThrow(/cites no event/);
  });

  it('round-trips any state the rules build, merged or not (property)', () => {
    const source = fc.constantFrom('billing', 'crm', 'network', 'app', 'web');
    const type = fc.constantFrom(
      'activation',
      'tariff_change',
      'customer_changed',
      'identify',
      'case_opened',
      'case_updated',
      'case_resolved',
      'payment',
      'topup',
      'roaming_started',
      'roaming_ended',
      'app_open',
      'data_session',
    );
    const event = fc.record({
      sourceId: source,
      type,
      at: fc.integer({ min: 0, max: 1_000 }).map((m) => new Date(Date.UTC(2026, 10, 1) + m * 60_000).toISOString()),
      properties: fc.record(
        {
          tariffId: fc.constantFrom('T-1', 'T-2'),
          toTariffId: fc.constantFrom('T-3'),
          name: fc.string({ maxLength: 5 }),
          traits: fc.record({ name: fc.string({ maxLength: 5 }), email: fc.emailAddress() }, { requiredKeys: [] }),
          caseId: fc.constantFrom('C-1', 'C-2', 'C-3'),
          channel: fc.constantFrom('app', 'shop', 'web'),
          expectedResolutionDate: fc.constantFrom('2026-11-03', '2026-11-05T12:00:00Z'),
          amount: fc.record({ value: fc.double({ noNaN: true, noDefaultInfinity: true }), unit: fc.constant('RUB') }),
          visitedCountry: fc.constantFrom('TR', 'AE'),
          appVersion: fc.constantFrom('1.0', '2.0'),
          userLocationInformation: fc.record({ cellId: fc.nat(50), tac: fc.nat(5) }),
        },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 25 }), fc.array(event, { maxLength: 10 }), (a, b) => {
        const state = mergeProfileStates(
          applyAll(a.map((e) => ev(e.sourceId, e.type, e.at, e.properties))),
          applyAll(b.map((e) => ev(e.sourceId, e.type, e.at, e.properties))),
        );
        // What the store writes is JSON: compare with the state as JSON would carry it (-0 becomes 0).
        expect(roundTrip(state).state).toEqual(JSON.parse(JSON.stringify(state)));
      }),
      { numRuns: 200 },
    );
  });
});
