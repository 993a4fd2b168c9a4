import { describe, expect, it } from 'vitest';
import { BUILTIN_PURPOSES, projectConsent, type ConsentEvent } from '../consent/index.js';
import { chainOf, SUBJECT } from '../consent/test-events.js';
import { isLoss } from './consent-lapse-propagation.js';

const JAN = '2026-01-01T00:00:00.000Z';
const FEB = '2026-02-01T00:00:00.000Z';
const MAR = '2026-03-01T00:00:00.000Z';
const APR = '2026-04-01T00:00:00.000Z';
const stateOf = (events: readonly ConsentEvent[]) => projectConsent(SUBJECT, events, BUILTIN_PURPOSES);

describe('whether a lapse loses a basis', () => {
  it('a grant that holds until its expiry is lost then', () => {
    const [grant] = chainOf([{ validFrom: JAN, expiresAt: MAR }], SUBJECT) as [ConsentEvent];
    expect(isLoss(stateOf([grant]), { event: grant, at: MAR })).toBe(true);
  });

  it('a grant renewed before its expiry, or withdrawn already, loses nothing at its expiry', () => {
    const renewed = chainOf(
      [
        { validFrom: JAN, expiresAt: MAR },
        { validFrom: FEB, expiresAt: APR },
      ],
      SUBJECT,
    );
    expect(isLoss(stateOf(renewed), { event: renewed[0] as ConsentEvent, at: MAR })).toBe(false);
    const withdrawn = chainOf(
      [
        { validFrom: JAN, expiresAt: MAR },
        { validFrom: FEB, action: 'withdraw' },
      ],
      SUBJECT,
    );
    expect(isLoss(stateOf(withdrawn), { event: withdrawn[0] as ConsentEvent, at: MAR })).toBe(false);
  });

  it('an expiry recorded ahead of its time is a loss when it takes effect', () => {
    const events = chainOf([{ validFrom: JAN }, { validFrom: MAR, action: 'expire', recordedAt: FEB }], SUBJECT);
    expect(isLoss(stateOf(events), { event: events[1] as ConsentEvent, at: MAR })).toBe(true);
  });
});
