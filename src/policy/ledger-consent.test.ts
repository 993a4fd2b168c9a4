import { describe, expect, it } from 'vitest';
import { BUILTIN_PURPOSES, chainEvent, projectConsent, type ConsentDecision, type ConsentEvent } from '../consent/index.js';
import { evidenceFromDecision, ledgerConsent } from './ledger-consent.js';

const event = (overrides: Partial<ConsentEvent>): ConsentEvent =>
  ({ eventId: 'ce-1', legalBasis: 'gdpr_art6_1a_consent', tcfString: null, tcfVendorId: null, ...overrides }) as ConsentEvent;
const decision = (valid: boolean, e?: ConsentEvent): ConsentDecision =>
  ({
    purpose: 'marketing',
    channel: 'sms',
    at: '2026-11-22T00:00:00Z',
    status: valid ? 'granted' : 'withdrawn',
    valid,
    reason: valid ? 'GRANTED' : 'WITHDRAWN',
    ...(e ? { event: e } : {}),
  }) as ConsentDecision;

describe('consent evidence from the ledger', () => {
  it('is explicit for a consent basis, not for a legitimate interest or a contract', () => {
    expect(evidenceFromDecision(decision(true, event({})))).toEqual({
      valid: true,
      explicit: true,
      legalBasis: 'gdpr_art6_1a_consent',
      signals: [],
      eventIds: ['ce-1'],
    });
    expect(evidenceFromDecision(decision(true, event({ legalBasis: 'gdpr_art6_1f_legitimate_interests' }))).explicit).toBe(false);
    expect(evidenceFromDecision(decision(true, event({ legalBasis: 'gdpr_art6_1b_contract' }))).explicit).toBe(false);
  });

  it('carries the TCF and advertising-consent signals', () => {
    const e = evidenceFromDecision(decision(true, event({ legalBasis: 'fz38_art18_ad_consent', tcfString: 'CO…', tcfVendorId: 7 })));
    expect(e.signals).toEqual(['tcf_vendor_consent', 'advertising_consent']);
  });

  it('is no consent when the ledger has no record or the record no longer holds, still citing the event', () => {
    expect(evidenceFromDecision(decision(false))).toMatchObject({ valid: false, eventIds: [] });
    expect(evidenceFromDecision(decision(false, event({})))).toMatchObject({ valid: false, explicit: false, eventIds: ['ce-1'] });
  });
});

describe('consent evidence from a subject’s ledger state', () => {
  const subject = 'msisdn:+79161234567';
  const draft = (eventId: string, purpose: string, legalBasis: ConsentEvent['legalBasis'], action: ConsentEvent['action'] = 'grant') => ({
    eventId,
    subject,
    purpose,
    channel: 'sms',
    action,
    legalBasis,
    jurisdiction: 'RU',
    validFrom: '2026-01-01T00:00:00.000Z',
    expiresAt: null,
    source: { collectionPoint: 'test', channel: null, agent: null },
    proof: { noticeId: null, noticeVersion: null, evidenceRef: null },
    tcfString: null,
    tcfVendorId: null,
    purposeVersion: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
  });
  const stateOf = (drafts: ReturnType<typeof draft>[]) => {
    const events: ConsentEvent[] = [];
    for (const d of drafts) events.push(chainEvent(d, events.at(-1)));
    return projectConsent(
      subject,
      events,
      BUILTIN_PURPOSES.map((p) => ({ code: p.code, advertising: p.advertising, tcfPurposeId: p.tcfPurposeId })),
    );
  };
  const at = '2026-06-01T00:00:00Z';

  it('adds the traffic-data signal only when the ledger holds an explicit traffic-data consent, citing it', () => {
    const marketingOnly = ledgerConsent(stateOf([draft('m1', 'marketing', 'fz38_art18_ad_consent')]), 'marketing', 'sms', at);
    expect(marketingOnly).toEqual({
      valid: true,
      explicit: true,
      legalBasis: 'fz38_art18_ad_consent',
      signals: ['advertising_consent'],
      eventIds: ['m1'],
    });
    const withTraffic = ledgerConsent(
      stateOf([draft('m1', 'marketing', 'fz38_art18_ad_consent'), draft('t1', 'traffic_data', 'eprivacy_traffic_consent')]),
      'marketing',
      'sms',
      at,
    );
    expect(withTraffic.signals).toEqual(['advertising_consent', 'traffic_data_consent']);
    expect(withTraffic.eventIds).toEqual(['m1', 't1']);
  });

  it('is no consent for a subject with no record, or after a withdrawal', () => {
    expect(ledgerConsent(stateOf([]), 'marketing', 'sms', at)).toMatchObject({ valid: false, signals: [] });
    const withdrawn = stateOf([
      draft('m1', 'marketing', 'fz38_art18_ad_consent'),
      {
        ...draft('m2', 'marketing', 'fz38_art18_ad_consent', 'withdraw'),
        validFrom: '2026-03-01T00:00:00.000Z',
        recordedAt: '2026-03-01T00:00:00.000Z',
      },
    ]);
    expect(ledgerConsent(withdrawn, 'marketing', 'sms', at).valid).toBe(false);
    expect(ledgerConsent(withdrawn, 'marketing', 'sms', '2026-02-01T00:00:00Z').valid).toBe(true);
  });
});
