import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsentLookup } from '../audiences/index.js';
import { consentLookup, consentSnapshot, decideConsent, hasValidConsent, mayFeedMarketing, projectConsent } from './consent-state.js';
import { PURPOSES, SUBJECT, chainOf, type EventSpec } from './test-events.js';

const stateOf = (specs: readonly EventSpec[]) => projectConsent(SUBJECT, chainOf(specs), PURPOSES);

const JAN = '2026-01-01T00:00:00.000Z';
const FEB = '2026-02-01T00:00:00.000Z';
const MAR = '2026-03-01T00:00:00.000Z';
const APR = '2026-04-01T00:00:00.000Z';

describe('fail closed', () => {
  it('denies a subject with no record at all', () => {
    const state = stateOf([]);
    expect(decideConsent(state, 'marketing', 'sms', MAR)).toMatchObject({ status: 'none', valid: false, reason: 'NO_CONSENT_RECORD' });
    expect(hasValidConsent(state, 'service', 'email', MAR)).toBe(false);
  });

  it('denies a purpose or channel the subject has no record for, and any time before the first record', () => {
    const state = stateOf([{ validFrom: FEB }]);
    expect(hasValidConsent(state, 'marketing', 'sms', MAR)).toBe(true);
    expect(hasValidConsent(state, 'marketing', 'email', MAR)).toBe(false);
    expect(hasValidConsent(state, 'profiling', 'sms', MAR)).toBe(false);
    expect(decideConsent(state, 'marketing', 'sms', JAN)).toMatchObject({ valid: false, reason: 'NO_CONSENT_RECORD' });
  });

  it('denies a purpose that is not registered, and a time that is not a time', () => {
    const state = projectConsent(SUBJECT, chainOf([{ validFrom: FEB }]), []);
    expect(decideConsent(state, 'marketing', 'sms', MAR)).toMatchObject({ valid: false, reason: 'UNKNOWN_PURPOSE' });
    expect(decideConsent(stateOf([{ validFrom: FEB }]), 'marketing', 'sms', 'not a time')).toMatchObject({
      valid: false,
      reason: 'INVALID_TIME',
    });
  });
});

describe('38-FZ Art. 18: advertising by SMS and calls needs advertising consent', () => {
  it('a processing consent (152-FZ) without an advertising consent allows no ad SMS or call', () => {
    const state = stateOf([
      { channel: 'sms', legalBasis: 'fz152_consent', validFrom: FEB },
      { channel: 'voice', legalBasis: 'fz152_consent', validFrom: FEB },
    ]);
    expect(decideConsent(state, 'marketing', 'sms', MAR)).toMatchObject({ status: 'denied', valid: false, reason: 'AD_CONSENT_REQUIRED' });
    expect(decideConsent(state, 'marketing', 'voice', MAR)).toMatchObject({ valid: false, reason: 'AD_CONSENT_REQUIRED' });
  });

  it('the advertising consent allows them; a processing consent still serves non-advertising purposes', () => {
    const state = stateOf([
      { channel: 'sms', legalBasis: 'fz38_art18_ad_consent', validFrom: FEB },
      { purpose: 'service', channel: 'sms', legalBasis: 'gdpr_art6_1b_contract', validFrom: FEB },
      { purpose: 'profiling', channel: 'app', legalBasis: 'fz152_consent', validFrom: FEB },
    ]);
    expect(decideConsent(state, 'marketing', 'sms', MAR)).toMatchObject({ status: 'granted', valid: true, reason: 'GRANTED' });
    expect(hasValidConsent(state, 'service', 'sms', MAR)).toBe(true);
    expect(hasValidConsent(state, 'profiling', 'app', MAR)).toBe(true);
  });

  it('outside Russia an ad SMS needs GDPR consent; legitimate interest is not enough', () => {
    const state = stateOf([
      { channel: 'sms', jurisdiction: 'DE', legalBasis: 'gdpr_art6_1a_consent', validFrom: FEB },
      { channel: 'voice', jurisdiction: 'DE', legalBasis: 'gdpr_art6_1f_legitimate_interests', validFrom: FEB },
    ]);
    expect(hasValidConsent(state, 'marketing', 'sms', MAR)).toBe(true);
    expect(decideConsent(state, 'marketing', 'voice', MAR)).toMatchObject({ valid: false, reason: 'AD_CONSENT_REQUIRED' });
  });
});

describe('withdrawal takes effect immediately', () => {
  it('ends a grant at the moment it is recorded, even when it names a later validFrom', () => {
    const state = stateOf([{ validFrom: JAN }, { action: 'withdraw', validFrom: APR, recordedAt: FEB }]);
    expect(hasValidConsent(state, 'marketing', 'sms', '2026-01-31T23:59:59.999Z')).toBe(true);
    expect(decideConsent(state, 'marketing', 'sms', FEB)).toMatchObject({ status: 'withdrawn', valid: false, reason: 'WITHDRAWN' });
    expect(hasValidConsent(state, 'marketing', 'sms', MAR)).toBe(false);
  });

  it('voids a grant recorded before it that had not yet taken effect', () => {
    const state = stateOf([
      { validFrom: APR, recordedAt: JAN },
      { action: 'withdraw', validFrom: FEB },
    ]);
    expect(decideConsent(state, 'marketing', 'sms', '2026-05-01T00:00:00Z')).toMatchObject({ status: 'withdrawn', valid: false });
  });

  it('is undone only by a new grant recorded after it', () => {
    const state = stateOf([{ validFrom: JAN }, { action: 'withdraw', validFrom: FEB }, { validFrom: MAR }]);
    expect(hasValidConsent(state, 'marketing', 'sms', '2026-02-15T00:00:00Z')).toBe(false);
    expect(hasValidConsent(state, 'marketing', 'sms', APR)).toBe(true);
  });

  it('a deny is a refusal from the start', () => {
    const state = stateOf([{ action: 'deny', validFrom: JAN }]);
    expect(decideConsent(state, 'marketing', 'sms', FEB)).toMatchObject({ status: 'denied', reason: 'DENIED', valid: false });
  });
});

describe('expiry', () => {
  it('denies a grant from its expiry on', () => {
    const state = stateOf([{ validFrom: JAN, expiresAt: MAR }]);
    expect(hasValidConsent(state, 'marketing', 'sms', '2026-02-28T23:59:59.999Z')).toBe(true);
    expect(decideConsent(state, 'marketing', 'sms', MAR)).toMatchObject({ status: 'expired', valid: false, reason: 'EXPIRED' });
  });

  it('denies after an explicit expire event', () => {
    const state = stateOf([{ validFrom: JAN }, { action: 'expire', validFrom: MAR }]);
    expect(hasValidConsent(state, 'marketing', 'sms', FEB)).toBe(true);
    expect(decideConsent(state, 'marketing', 'sms', APR)).toMatchObject({ status: 'expired', reason: 'EXPIRED' });
  });
});

describe('as-of', () => {
  it('answers with the state valid at a past time, citing the event valid then', () => {
    const events = chainOf([
      { validFrom: JAN },
      { action: 'withdraw', validFrom: FEB },
      { validFrom: MAR, legalBasis: 'fz38_art18_ad_consent', proof: { noticeId: 'privacy', noticeVersion: '2', evidenceRef: 'EV-2' } },
    ]);
    const state = projectConsent(SUBJECT, events, PURPOSES);
    expect(decideConsent(state, 'marketing', 'sms', '2026-01-15T00:00:00Z').event?.eventId).toBe(events[0]?.eventId);
    expect(decideConsent(state, 'marketing', 'sms', '2026-02-15T00:00:00Z')).toMatchObject({ valid: false, status: 'withdrawn' });
    const now = decideConsent(state, 'marketing', 'sms', APR);
    expect(now.valid).toBe(true);
    expect(now.event?.proof.evidenceRef).toBe('EV-2');
    expect(consentSnapshot(state, '2026-02-15T00:00:00Z')).toEqual([
      expect.objectContaining({ purpose: 'marketing', channel: 'sms', status: 'withdrawn', at: '2026-02-15T00:00:00.000Z' }),
    ]);
  });

  it('does not depend on the order events are given in (property)', () => {
    const specs: EventSpec[] = [
      { validFrom: JAN },
      { action: 'withdraw', validFrom: FEB },
      { validFrom: MAR, expiresAt: APR },
      { channel: 'email', legalBasis: 'fz152_consent', validFrom: FEB },
      { channel: 'email', action: 'deny', validFrom: MAR },
    ];
    const events = chainOf(specs);
    const times = [JAN, '2026-01-20T00:00:00Z', FEB, '2026-02-20T00:00:00Z', MAR, '2026-03-20T00:00:00Z', APR];
    const expected = projectConsent(SUBJECT, events, PURPOSES);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), (shuffled) => {
        const state = projectConsent(SUBJECT, shuffled, PURPOSES);
        for (const at of times)
          for (const channel of ['sms', 'email'])
            expect(decideConsent(state, 'marketing', channel, at)).toEqual(decideConsent(expected, 'marketing', channel, at));
      }),
    );
  });
});

describe('traffic and location data feed marketing only with explicit consent', () => {
  const marketing = { validFrom: JAN };
  const ask = (dataClass: string) => ({ dataClass, purpose: 'marketing', channel: 'sms', at: MAR });

  it('a marketing consent alone does not let traffic or location data in', () => {
    const state = stateOf([marketing]);
    expect(mayFeedMarketing(state, ask('behavioural')).valid).toBe(true);
    expect(mayFeedMarketing(state, ask('traffic'))).toMatchObject({ valid: false, reason: 'EXPLICIT_TRAFFIC_CONSENT_REQUIRED' });
    expect(mayFeedMarketing(state, ask('location'))).toMatchObject({ valid: false, reason: 'EXPLICIT_LOCATION_CONSENT_REQUIRED' });
  });

  it('an explicit traffic consent lets traffic data in, not location data', () => {
    const state = stateOf([marketing, { purpose: 'traffic_data', legalBasis: 'eprivacy_traffic_consent', validFrom: FEB }]);
    expect(mayFeedMarketing(state, ask('traffic')).valid).toBe(true);
    expect(mayFeedMarketing(state, ask('location')).valid).toBe(false);
    expect(mayFeedMarketing(state, { ...ask('traffic'), at: '2026-01-15T00:00:00Z' }).valid).toBe(false);
  });

  it('a traffic "grant" on a basis that is not consent does not count, and marketing consent is still needed', () => {
    const notConsent = stateOf([marketing, { purpose: 'traffic_data', legalBasis: 'gdpr_art6_1f_legitimate_interests', validFrom: FEB }]);
    expect(mayFeedMarketing(notConsent, ask('traffic')).valid).toBe(false);
    const noMarketing = stateOf([{ purpose: 'location_data', legalBasis: 'eprivacy_location_consent', validFrom: FEB }]);
    expect(mayFeedMarketing(noMarketing, ask('location'))).toMatchObject({ valid: false, reason: 'NO_CONSENT_RECORD' });
  });
});

describe('TC strings in grants', () => {
  // Public IAB iabtcf-java vector: purposes 3–9 consented, vendors 23, 37, 47, 48, 53, 65, 98.
  const tcf = 'COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA';
  const grant = (channel: string, tcfString: string, tcfVendorId: number | null = null): EventSpec => ({
    purpose: 'third_party_ads',
    channel,
    legalBasis: 'gdpr_art6_1a_consent',
    jurisdiction: 'DE',
    tcfString,
    tcfVendorId,
    validFrom: JAN,
  });

  it('an ad partner needs its vendor consent in the string', () => {
    const state = stateOf([grant('ads:gvl-23', tcf), grant('ads:gvl-24', tcf), grant('ads:dsp', tcf, 98), grant('ads:other', tcf)]);
    expect(hasValidConsent(state, 'third_party_ads', 'ads:gvl-23', FEB)).toBe(true);
    expect(hasValidConsent(state, 'third_party_ads', 'ads:dsp', FEB)).toBe(true);
    expect(decideConsent(state, 'third_party_ads', 'ads:gvl-24', FEB)).toMatchObject({ valid: false, reason: 'TCF_NO_VENDOR_CONSENT' });
    expect(decideConsent(state, 'third_party_ads', 'ads:other', FEB)).toMatchObject({ valid: false, reason: 'TCF_VENDOR_REQUIRED' });
  });

  it('a string without the purpose, a v1 string and a malformed string mean no consent', () => {
    const noPurpose4 = 'COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA';
    const v1 = 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA';
    const state = stateOf([grant('ads:gvl-23', noPurpose4), grant('push', v1), grant('email', 'not-a-tc-string!')]);
    expect(decideConsent(state, 'third_party_ads', 'ads:gvl-23', FEB)).toMatchObject({ valid: false, reason: 'TCF_NO_VENDOR_CONSENT' });
    expect(decideConsent(state, 'third_party_ads', 'push', FEB)).toMatchObject({ valid: false, reason: 'TCF_V1' });
    expect(decideConsent(state, 'third_party_ads', 'email', FEB)).toMatchObject({ valid: false, reason: 'TCF_MALFORMED' });
  });
});

describe('the audience evaluator lookup', () => {
  it('is a ConsentLookup at a fixed time, reading in_app as app', () => {
    const state = stateOf([{ purpose: 'profiling', channel: 'app', legalBasis: 'fz152_consent', validFrom: JAN, expiresAt: MAR }]);
    const now: ConsentLookup = consentLookup(state, FEB);
    expect(now('profiling', 'in_app')).toBe(true);
    expect(now('profiling', 'app')).toBe(true);
    expect(now('profiling', 'sms')).toBe(false);
    expect(consentLookup(state, APR)('profiling', 'app')).toBe(false);
  });
});

describe('one person under several subjects', () => {
  it('projects the events of every subject of the person in recording order, and ignores other subjects', () => {
    const byPhone = chainOf([{ validFrom: JAN }], SUBJECT);
    const byProfile = chainOf([{ action: 'withdraw', validFrom: FEB }], 'profile:P1');
    const someoneElse = chainOf([{ validFrom: MAR }], 'msisdn:+79990000000');
    const person = projectConsent([SUBJECT, 'profile:P1'], [...someoneElse, ...byProfile, ...byPhone], PURPOSES);
    expect(person.subjects).toEqual([SUBJECT, 'profile:P1']);
    expect(hasValidConsent(person, 'marketing', 'sms', '2026-01-15T00:00:00Z')).toBe(true);
    expect(decideConsent(person, 'marketing', 'sms', APR)).toMatchObject({ status: 'withdrawn', event: { subject: 'profile:P1' } });
    // Alone, the phone's chain still says granted: the withdrawal was recorded under the profile.
    expect(hasValidConsent(projectConsent(SUBJECT, [...byPhone, ...byProfile], PURPOSES), 'marketing', 'sms', APR)).toBe(true);
  });

  it('a withdrawal under one subject voids a pending grant recorded earlier under another', () => {
    const pending = chainOf([{ validFrom: APR, recordedAt: JAN }], SUBJECT);
    const withdrawal = chainOf([{ action: 'withdraw', validFrom: FEB }], 'profile:P1');
    const person = projectConsent([SUBJECT, 'profile:P1'], [...pending, ...withdrawal], PURPOSES);
    expect(hasValidConsent(person, 'marketing', 'sms', '2026-05-01T00:00:00Z')).toBe(false);
  });
});
