import { describe, expect, it } from 'vitest';
import { consentInputsFromCrm, isCrmConsentChange, type LoggedConsentChange } from './crm-consent.js';

const event = (
  properties: Record<string, unknown>,
  identifiers: Record<string, string> = { msisdn: '+79161234567' },
): LoggedConsentChange => ({
  sourceId: 'crm',
  eventId: 'cn-1',
  type: 'consent_changed',
  occurredAt: '2026-11-20T10:00:00.000Z',
  identifiers,
  properties,
});
const options = { jurisdiction: 'RU', isAdvertising: (purpose: string) => purpose === 'marketing' || purpose === 'third_party_ads' };

describe('CRM consent_changed → consent events', () => {
  it('maps the contract example to one event, with an advertising consent for a marketing SMS in Russia', () => {
    const mapped = consentInputsFromCrm(
      event({
        msisdn: '+79161234567',
        purpose: 'marketing',
        channel: 'sms',
        action: 'grant',
        legalBasis: 'consent',
        noticeVersion: '2024-03',
        collectedVia: 'app',
        evidenceRef: 'FORM-2024-000921',
      }),
      options,
    );
    expect(mapped).toEqual({
      ok: true,
      inputs: [
        {
          eventId: 'crm:cn-1',
          subject: 'msisdn:+79161234567',
          purpose: 'marketing',
          channel: 'sms',
          action: 'grant',
          legalBasis: 'fz38_art18_ad_consent',
          jurisdiction: 'RU',
          validFrom: '2026-11-20T10:00:00.000Z',
          source: { collectionPoint: 'app', channel: 'app', agent: 'source:crm' },
          proof: { noticeVersion: '2024-03', evidenceRef: 'FORM-2024-000921' },
        },
      ],
    });
  });

  it('expands channel all to one event per channel with derived ids; a non-advertising purpose gets 152-FZ consent', () => {
    const mapped = consentInputsFromCrm(
      event({ purpose: 'profiling', channel: 'all', action: 'withdraw', legalBasis: 'consent' }),
      options,
    );
    if (!mapped.ok) throw new Error(mapped.message);
    expect(mapped.inputs.map((i) => [i.eventId, i.channel, i.legalBasis])).toEqual([
      ['crm:cn-1:sms', 'sms', 'fz152_consent'],
      ['crm:cn-1:voice', 'voice', 'fz152_consent'],
      ['crm:cn-1:email', 'email', 'fz152_consent'],
      ['crm:cn-1:push', 'push', 'fz152_consent'],
      ['crm:cn-1:app', 'app', 'fz152_consent'],
    ]);
  });

  it('maps in_app to app, other bases to GDPR Art. 6(1), consent outside Russia to GDPR consent, and the subject by priority', () => {
    const inApp = consentInputsFromCrm(event({ purpose: 'service', channel: 'in_app', action: 'grant', legalBasis: 'contract' }), options);
    expect(inApp).toMatchObject({ ok: true, inputs: [{ channel: 'app', legalBasis: 'gdpr_art6_1b_contract' }] });
    const eu = consentInputsFromCrm(event({ purpose: 'marketing', channel: 'email', action: 'grant', legalBasis: 'consent' }), {
      ...options,
      jurisdiction: 'DE',
    });
    expect(eu).toMatchObject({ ok: true, inputs: [{ legalBasis: 'gdpr_art6_1a_consent', jurisdiction: 'DE' }] });
    const byAccount = consentInputsFromCrm(
      event({ accountId: 'A-1', purpose: 'marketing', channel: 'sms', action: 'deny', legalBasis: 'consent' }, {}),
      options,
    );
    expect(byAccount).toMatchObject({ ok: true, inputs: [{ subject: 'accountId:A-1' }] });
  });

  it('says why an event stands for no consent event', () => {
    expect(
      consentInputsFromCrm(event({ purpose: 'marketing', channel: 'post', action: 'grant', legalBasis: 'consent' }), options),
    ).toMatchObject({
      ok: false,
      code: 'UNSUPPORTED_CHANNEL',
    });
    expect(
      consentInputsFromCrm(event({ purpose: 'marketing', channel: 'sms', action: 'grant', legalBasis: 'whim' }), options),
    ).toMatchObject({
      ok: false,
      code: 'UNKNOWN_LEGAL_BASIS',
    });
    expect(
      consentInputsFromCrm(event({ purpose: 'marketing', channel: 'sms', action: 'grant', legalBasis: 'consent' }, {}), options),
    ).toMatchObject({
      ok: false,
      code: 'NO_SUBJECT',
    });
    expect(consentInputsFromCrm(event({ channel: 'sms', action: 'grant', legalBasis: 'consent' }), options)).toMatchObject({
      ok: false,
      code: 'INCOMPLETE',
    });
  });

  it('recognises only CRM consent_changed events', () => {
    expect(isCrmConsentChange({ sourceId: 'crm', type: 'consent_changed' })).toBe(true);
    expect(isCrmConsentChange({ sourceId: 'crm', type: 'case_opened' })).toBe(false);
    expect(isCrmConsentChange({ sourceId: 'app', type: 'consent_changed' })).toBe(false);
  });
});
