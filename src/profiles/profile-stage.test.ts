import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../bus/index.js';
import { compileAggregate, DEFAULT_AGGREGATES, nextChange } from './aggregates/index.js';
import { decodeProfileBody } from './profile-row.js';
import { ProfileStage } from './profile-stage.js';
import { DEFAULT_SOURCE_PRIORITY } from './profile-state.js';
import { ProfileScorer } from './profile-scores.js';

const DAY_MS = 86_400_000;
const AGGREGATES = DEFAULT_AGGREGATES.map((d) => compileAggregate(d));

const stageAt = (clock: { now: () => Date }) =>
  new ProfileStage({
    clock,
    ids: { next: () => 'id' },
    scorer: new ProfileScorer({ marginShare: 0.4, annualDiscountRate: 0.1, currency: 'RUB' }),
    options: { aggregates: AGGREGATES, defaultTimeZone: 'Europe/Moscow', lateHorizonDays: 7, sourcePriority: DEFAULT_SOURCE_PRIORITY },
  });

const KINDS = [
  ['network', 'data_session', { datavolumeFBCUplink: 1000, datavolumeFBCDownlink: 10, userLocationInformation: { cellId: 7 } }],
  ['network', 'data_session', { datavolumeFBCUplink: 0, datavolumeFBCDownlink: 0, servingNodePLMNIdentifier: '23415' }],
  ['network', 'voice_call', { duration: 120, causeForTermination: 'dropped', cellId: 9 }],
  ['billing', 'topup', { amount: { value: 100, unit: 'RUB' } }],
  ['billing', 'bill_issued', { amountDue: { value: 700, unit: 'RUB' } }],
  ['app', 'app_open', {}],
  ['crm', 'case_opened', { caseId: 'C-1' }],
  ['crm', 'customer_changed', { homeRegion: 'RU-PRI' }],
] as const;

let seq = 0;
const logged = (kind: number, at: number): LoggedEvent => {
  const [sourceId, type, properties] = KINDS[kind] as (typeof KINDS)[number];
  seq++;
  return {
    seq,
    sourceId,
    type,
    eventId: `e-${seq}`,
    occurredAt: new Date(at).toISOString(),
    payload: { identifiers: {}, properties },
  } as unknown as LoggedEvent;
};

describe('ProfileStage rows', () => {
  it("give the earliest of the aggregates' next changes, whatever was remembered from earlier rows (property)", () => {
    const start = Date.parse('2026-11-20T09:00:00Z');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.integer({ min: 0, max: KINDS.length - 1 }),
            ago: fc.integer({ min: 0, max: 6 * DAY_MS }),
            clockStep: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10 * DAY_MS })),
            write: fc.boolean(),
          }),
          { maxLength: 30 },
        ),
        (steps) => {
          let now = start;
          const stage = stageAt({ now: () => new Date(now) });
          const profile = stage.blank('p_1');
          for (const step of steps) {
            now += step.clockStep;
            stage.apply(profile, logged(step.kind, now - step.ago));
            if (!step.write) continue;
            const row = stage.toRow(profile, new Date(now));
            let earliest: number | null = null;
            for (const aggregate of AGGREGATES) {
              const state = profile.aggregates[aggregate.definition.id];
              const at = state ? nextChange(state, aggregate, { now, timeZone: profile.timeZone })?.getTime() : undefined;
              if (at !== undefined && (earliest === null || at < earliest)) earliest = at;
            }
            expect(row.nextChangeAt).toBe(earliest === null ? null : new Date(earliest).toISOString());
            // The row holds what the profile holds.
            const body = decodeProfileBody(row.body);
            expect(body.state).toEqual(JSON.parse(JSON.stringify(profile.state)));
            expect(stage.working({ ...body, profileId: 'p_1' }).aggregates).toEqual(JSON.parse(JSON.stringify(profile.aggregates)));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('moves the wake-up earlier when a late event lands on an older day of an aggregate it remembered', () => {
    const now = Date.parse('2026-11-20T09:00:00Z');
    // One aggregate: its wake-up is the row's, so a remembered one that were not forgotten would show.
    const stage = new ProfileStage({
      clock: { now: () => new Date(now) },
      ids: { next: () => 'id' },
      scorer: new ProfileScorer({ marginShare: 0.4, annualDiscountRate: 0.1, currency: 'RUB' }),
      options: {
        aggregates: AGGREGATES.filter((a) => a.definition.id === 'data_usage_home'),
        defaultTimeZone: 'Europe/Moscow',
        lateHorizonDays: 7,
        sourcePriority: DEFAULT_SOURCE_PRIORITY,
      },
    });
    const profile = stage.blank('p_1');
    stage.apply(profile, logged(0, now));
    // The oldest bucket, 20 November (Moscow), leaves the 7-day windows at the start of the 27th.
    expect(stage.toRow(profile, new Date(now)).nextChangeAt).toBe('2026-11-26T21:00:00.000Z');
    stage.apply(profile, logged(0, now - 3 * DAY_MS));
    expect(stage.toRow(profile, new Date(now)).nextChangeAt).toBe('2026-11-23T21:00:00.000Z');
    // Nothing new: the same answer, remembered.
    expect(stage.toRow(profile, new Date(now + DAY_MS)).nextChangeAt).toBe('2026-11-23T21:00:00.000Z');
    // Ten days on, both days have left the 7-day window: the next change is the 30-day one ...
    expect(stage.toRow(profile, new Date(now + 10 * DAY_MS)).nextChangeAt).toBe('2026-12-16T21:00:00.000Z');
    // ... and with the clock set back, the 7-day one again (what was found later does not hold earlier).
    expect(stage.toRow(profile, new Date(now)).nextChangeAt).toBe('2026-11-23T21:00:00.000Z');
  });
});
