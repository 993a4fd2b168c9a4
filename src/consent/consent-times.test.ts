import { describe, expect, it } from 'vitest';
import type { ConsentLookup } from '../audiences/index.js';
import { projectConsent } from './consent-state.js';
import { lastValidityChangeWithin, nextValidityChange, validityChanges } from './consent-times.js';
import { profileConsentLookup } from './profile-consent.js';
import { PURPOSES, SUBJECT, chainOf, type EventSpec } from './test-events.js';

const stateOf = (specs: readonly EventSpec[]) => projectConsent(SUBJECT, chainOf(specs), PURPOSES);
const ms = (iso: string) => Date.parse(iso);

const JAN = '2026-01-01T00:00:00.000Z';
const FEB = '2026-02-01T00:00:00.000Z';
const MAR = '2026-03-01T00:00:00.000Z';
const APR = '2026-04-01T00:00:00.000Z';

describe('when consent changes with time alone', () => {
  it('a grant with an expiry flips at its start and at its expiry', () => {
    const changes = validityChanges(stateOf([{ validFrom: JAN, expiresAt: MAR }]), 'marketing', 'sms');
    expect(changes).toEqual([ms(JAN), ms(MAR)]);
    expect(nextValidityChange(changes, ms(FEB))).toBe(ms(MAR));
    expect(nextValidityChange(changes, ms(MAR))).toBeNull();
    expect(lastValidityChangeWithin(changes, ms(FEB), ms(APR))).toBe(ms(MAR));
    expect(lastValidityChangeWithin(changes, ms(FEB), ms(MAR) - 1)).toBeNull();
  });

  it('a renewal before the expiry leaves no change at the old expiry', () => {
    const state = stateOf([
      { validFrom: JAN, expiresAt: MAR },
      { validFrom: FEB, expiresAt: APR, recordedAt: FEB },
    ]);
    expect(validityChanges(state, 'marketing', 'sms')).toEqual([ms(JAN), ms(APR)]);
  });

  it('a withdrawal ends it once; the expiry after it changes nothing', () => {
    const state = stateOf([
      { validFrom: JAN, expiresAt: MAR },
      { validFrom: FEB, action: 'withdraw' },
    ]);
    expect(validityChanges(state, 'marketing', 'sms')).toEqual([ms(JAN), ms(FEB)]);
  });

  it('an expiry recorded ahead of its time flips when it takes effect; other channels have no changes', () => {
    const state = stateOf([{ validFrom: JAN }, { validFrom: MAR, action: 'expire', recordedAt: FEB }]);
    expect(validityChanges(state, 'marketing', 'sms')).toEqual([ms(JAN), ms(MAR)]);
    expect(validityChanges(state, 'marketing', 'email')).toEqual([]);
  });

  it('the audience lookup answers now and tells its next change', () => {
    const lookup: ConsentLookup = profileConsentLookup(stateOf([{ validFrom: JAN, expiresAt: MAR }]), new Date(FEB));
    expect(lookup('marketing', 'sms')).toBe(true);
    expect(lookup.times?.nextChangeAt('marketing', 'sms')).toBe(ms(MAR));
    expect(lookup.times?.nextChangeAt('marketing', 'email')).toBeNull();
    expect(profileConsentLookup(stateOf([{ validFrom: JAN, expiresAt: MAR }]), new Date(APR))('marketing', 'sms')).toBe(false);
  });
});
