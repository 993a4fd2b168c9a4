import { expect } from 'vitest';
import { builtinEvent as event } from './builtin-event.js';
import { bearer, type TestApp } from './test-app.js';

/*
 * What the activation suites (exports, SSE, withdrawal) share: calls with a key, a world of a few
 * subscribers activated in the last days, an audience of everyone activated, consumers, and consent
 * decisions with a notice as proof.
 */

export const NOW = '2026-11-20T12:00:00.000Z';
export const at = (offsetMs: number, from = NOW) => new Date(Date.parse(from) + offsetMs).toISOString();
export const phone = (n: number) => `+7916777${String(n).padStart(4, '0')}`;

export const campaigns = { id: 'campaigns', name: 'Campaign tool', kind: 'campaign', purposes: ['marketing'], channels: ['sms', 'email'] };
export const googleAds = {
  id: 'google-ads',
  name: 'Google Ads',
  kind: 'ad_partner',
  partner: 'google',
  purposes: ['third_party_ads'],
  channels: ['ads:google'],
};

export const activationWorld = (app: () => TestApp) => {
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, key?: string) => {
    const answer = await app().tessera.http.inject({
      method,
      url,
      headers: bearer(key),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: answer.statusCode, body: answer.body, json: () => JSON.parse(answer.body) };
  };
  const ok = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, status = 200, key?: string) => {
    const answer = await call(method, url, payload, key);
    expect(answer.status, answer.body).toBe(status);
    return answer.body === '' ? undefined : answer.json();
  };
  const ingest = async (events: unknown[]) => {
    const answer = await ok('POST', '/v1/events', { events });
    expect(answer.quarantined, JSON.stringify(answer)).toBe(0);
    await app().tessera.services.pipeline.drain();
  };
  const profileOf = async (msisdn: string): Promise<string> =>
    (
      await app()
        .tessera.storage.db.selectFrom('identity_nodes')
        .select('profile_id')
        .where('id_type', '=', 'msisdn')
        .where('id_value', '=', msisdn)
        .executeTakeFirstOrThrow()
    ).profile_id;
  const activation = (n: number, when: string, extra: Record<string, string> = {}) =>
    event('billing', 'activation', when, { msisdn: phone(n), ...extra }, { planType: 'prepaid' });
  /** Everyone activated in the last 30 days. */
  const createAudience = (id = 'active') =>
    ok(
      'POST',
      '/v1/audiences',
      {
        id,
        name: 'Recently activated',
        entity: 'person',
        rule: {
          combinator: 'and',
          rules: [{ field: 'event', operator: 'performed', eventType: 'billing/activation', window: { lastDays: 30 } }],
        },
      },
      201,
    );
  const publishNotice = () =>
    ok(
      'POST',
      '/v1/notices',
      {
        id: 'privacy',
        version: '2026-10',
        language: 'ru',
        title: 'Политика',
        text: 'Текст уведомления',
        purposes: ['marketing', 'third_party_ads'],
      },
      201,
    );
  const decision = (
    eventId: string,
    n: number,
    action: 'grant' | 'withdraw',
    validFrom: string,
    purpose = 'marketing',
    channel = 'sms',
    legalBasis = 'fz38_art18_ad_consent',
  ) => ({
    eventId,
    subject: `msisdn:${phone(n)}`,
    purpose,
    channel,
    action,
    legalBasis,
    jurisdiction: 'RU',
    validFrom,
    source: { collectionPoint: 'web-form', channel: 'web' },
    proof: { noticeId: 'privacy', noticeVersion: '2026-10', evidenceRef: `FORM-${eventId}` },
  });
  const record = (...events: unknown[]) => ok('POST', '/v1/consents', { events });
  const registerConsumer = async (consumer: object, keyScopes?: string[]): Promise<string> =>
    (await ok('POST', '/v1/consumers', { ...consumer, ...(keyScopes ? { keyScopes } : {}) }, 201)).apiKey as string;
  return { call, ok, ingest, profileOf, activation, createAudience, publishNotice, decision, record, registerConsumer };
};
