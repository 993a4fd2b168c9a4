import { describe, expect, it } from 'vitest';
import { applyEvent, emptyState, type AggregateEvent, type AggregateState } from './aggregate-state.js';
import { DEFAULT_AGGREGATES } from './default-aggregates.js';
import { compileAggregate } from './definitions.js';
import { DAY_MS } from './local-time.js';
import { nextChange, readWindows } from './windows.js';

/*
 * A sanity bound, not a benchmark: the pipeline's budget is ~50 k events/s on 2 cores for
 * everything, so applying events to the default aggregates must cost a small part of it. The bound
 * is generous (an order of magnitude above what it takes) so that a busy CI machine does not fail it.
 */

/** A small deterministic generator (xorshift32): the test must not depend on Math.random. */
const generator = (seed: number) => {
  let x = seed;
  return (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
};

const NOW = Date.parse('2024-05-20T12:00:00Z');
const ZONES = ['Europe/Moscow', 'Asia/Vladivostok', 'Europe/Samara', 'Asia/Yekaterinburg'];
const PLMNS = ['25001', '25001', '25001', '23415'];

const makeEvents = (count: number, persons: number): { person: number; event: AggregateEvent }[] => {
  const random = generator(42);
  return Array.from({ length: count }, (_, i) => {
    const person = random(persons);
    const occurredAt = new Date(NOW - random(6 * DAY_MS)).toISOString();
    const kind = random(10);
    const cellId = 26_478_000 + random(30);
    const plmn = PLMNS[random(PLMNS.length)];
    const [sourceId, type, properties]: [string, string, Record<string, unknown>] =
      kind < 5
        ? [
            'network',
            'data_session',
            {
              chargingID: i,
              datavolumeFBCUplink: random(1_000_000),
              datavolumeFBCDownlink: random(50_000_000),
              servingNodePLMNIdentifier: plmn,
              userLocationInformation: { plmnIdentifier: plmn, cellId },
            },
          ]
        : kind < 7
          ? [
              'network',
              'voice_call',
              { direction: 'mo', duration: random(600), causeForTermination: random(20) === 0 ? 'dropped' : 'normal', cellId },
            ]
          : kind < 8
            ? ['network', 'location_update', { cellId, servingNodePLMNIdentifier: plmn }]
            : kind < 9
              ? ['app', 'app_open', { appUserId: `u${person}` }]
              : ['billing', 'topup', { topupId: `t${i}`, amount: { value: 100 + random(900), unit: 'RUB' } }];
    return { person, event: { sourceId, type, eventId: `e${i}`, occurredAt, properties } };
  });
};

describe('throughput', () => {
  it('applies 100 000 events to the default aggregates of 2 000 people in well under two seconds', () => {
    const aggregates = DEFAULT_AGGREGATES.map((d) => compileAggregate(d));
    const persons = 2_000;
    const states: AggregateState[][] = Array.from({ length: persons }, () => aggregates.map((a) => emptyState(a)));
    const events = makeEvents(100_000, persons);

    // CPU time, not wall time: on a shared machine the wall clock measures the neighbours too.
    const started = process.cpuUsage();
    let applied = 0;
    for (const { person, event } of events) {
      const personStates = states[person] as AggregateState[];
      const options = { now: NOW, timeZone: ZONES[person % ZONES.length] as string };
      for (let j = 0; j < aggregates.length; j++) {
        if (applyEvent(personStates[j] as AggregateState, aggregates[j]!, event, options) === 'applied') applied++;
      }
    }
    const used = process.cpuUsage(started);
    const elapsed = (used.user + used.system) / 1000;

    expect(applied).toBeGreaterThan(100_000);
    expect(elapsed).toBeLessThan(2_000);

    // Reading every window and the next change of every person is cheap too.
    const readStarted = performance.now();
    for (let p = 0; p < persons; p++) {
      const options = { now: NOW, timeZone: ZONES[p % ZONES.length] as string };
      aggregates.forEach((aggregate, j) => {
        const state = states[p]?.[j] as AggregateState;
        readWindows(state, aggregate, options);
        nextChange(state, aggregate, options);
      });
    }
    expect(performance.now() - readStarted).toBeLessThan(2_000);
  });
});
