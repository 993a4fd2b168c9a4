import { describe, expect, it } from 'vitest';
import type { Purpose } from './consent-model.js';
import { consentInputsFromSegmentTcf, decisionKey, isSegmentTcfEvent, tcStringOf, type LatestDecisions } from './segment-tcf.js';

// Purposes 3–9 consented; vendors 23, 37, 47, 48, 53, 65, 98 (tcf.test.ts).
const TC = 'COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA';
// Purposes 2 and 10 only.
const TC_NO_P4 = 'COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA';

const ADS: Purpose = {
  code: 'third_party_ads',
  version: 1,
  name: 'Ads',
  description: '',
  legalBases: ['fz38_art18_ad_consent', 'fz152_consent', 'gdpr_art6_1a_consent'],
  tcfPurposeId: 4,
  advertising: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'builtin',
};

const call = (context: Record<string, unknown>, identifiers: Record<string, string> = { msisdn: '+79161234567' }) => ({
  sourceId: 'web',
  eventId: 'msg-1',
  occurredAt: '2026-11-20T10:00:00.000Z',
  payload: { identifiers, context: { ...context, segment: { type: 'track' } }, channel: 'segment' },
});

describe('TC strings in the Segment context', () => {
  it('are found where CMP integrations put them', () => {
    expect(tcStringOf({ consent: { tcString: TC } })).toBe(TC);
    expect(tcStringOf({ consent: { tcfString: TC } })).toBe(TC);
    expect(tcStringOf({ gdpr_consent: ` ${TC} ` })).toBe(TC);
    expect(tcStringOf({ consent: { categoryPreferences: { C0001: true } } })).toBeUndefined();
    expect(isSegmentTcfEvent(call({ gdpr_consent: TC }))).toBe(true);
    expect(isSegmentTcfEvent({ ...call({ gdpr_consent: TC }), payload: { identifiers: {}, channel: 'native' } })).toBe(false);
  });

  it('grant the mapped purpose per vendor the string consents, idempotent per message', () => {
    const mapped = consentInputsFromSegmentTcf(call({ consent: { tcString: TC } }), [ADS], new Map());
    if (!mapped.ok) throw new Error(mapped.message);
    expect(mapped.subject).toBe('msisdn:+79161234567');
    expect(mapped.inputs.map((i) => i.channel)).toEqual([23, 37, 47, 48, 53, 65, 98].map((v) => `ads:gvl-${v}`));
    expect(mapped.inputs[0]).toMatchObject({
      purpose: 'third_party_ads',
      action: 'grant',
      legalBasis: 'gdpr_art6_1a_consent',
      tcfString: TC,
      tcfVendorId: 23,
      validFrom: '2026-11-20T10:00:00.000Z',
    });
    const again = consentInputsFromSegmentTcf(call({ consent: { tcString: TC } }), [ADS], new Map());
    expect(again.ok && again.inputs.map((i) => i.eventId)).toEqual(mapped.inputs.map((i) => i.eventId));
  });

  it('record only changes: the same string again is nothing, a string without purpose 4 denies the earlier grants', () => {
    const latest: LatestDecisions = new Map();
    consentInputsFromSegmentTcf(call({ gdpr_consent: TC }), [ADS], latest);
    const same = consentInputsFromSegmentTcf({ ...call({ gdpr_consent: TC }), eventId: 'msg-2' }, [ADS], latest);
    expect(same.ok && same.inputs).toEqual([]);
    const withdrawn = consentInputsFromSegmentTcf({ ...call({ gdpr_consent: TC_NO_P4 }), eventId: 'msg-3' }, [ADS], latest);
    if (!withdrawn.ok) throw new Error(withdrawn.message);
    expect(withdrawn.inputs.map((i) => i.action)).toEqual(Array(7).fill('deny'));
    expect(latest.get(decisionKey('third_party_ads', 'ads:gvl-23'))?.action).toBe('deny');
  });

  it('a malformed or v1 string, or an anonymous call, records nothing', () => {
    for (const bad of ['not a tc string!', 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA', 'C'])
      expect(consentInputsFromSegmentTcf(call({ gdpr_consent: bad }), [ADS], new Map()).ok).toBe(false);
    expect(consentInputsFromSegmentTcf(call({ gdpr_consent: TC }, { deviceId: 'anon-1' }), [ADS], new Map())).toMatchObject({
      ok: false,
      code: 'NO_SUBJECT',
    });
    expect(consentInputsFromSegmentTcf(call({ gdpr_consent: TC_NO_P4 }), [ADS], new Map())).toMatchObject({ ok: true, inputs: [] });
  });
});
