import { afterEach, beforeEach, expect, it } from 'vitest';
import { CONSENT_BASES } from '../src/consent/index.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent as event } from './builtin-event.js';
import { ADMIN_KEY, basic, bearer, startTestApp, type TestApp } from './test-app.js';
import { apiJsonCalls } from './app-requests.js';

/*
 * Policy (issue 7, part B) through HTTP: consumers with their bound API keys, the default and new
 * policy versions, decisions for the rules the law gives policy, projection of a real profile, and
 * the disclosure log — on every backend.
 */
describeEachBackend('policy', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(backend, { clock: { now: () => new Date('2026-11-25T12:00:00Z') } });
  });
  afterEach(async () => {
    await app.close();
  });

  const { call, ok } = apiJsonCalls(() => app);

  const campaign = { id: 'campaigns', name: 'Campaign tool', kind: 'campaign', purposes: ['marketing'], channels: ['sms', 'email'] };
  const adnet = {
    id: 'adnet',
    name: 'AdNet',
    kind: 'ad_partner',
    partner: 'adnet',
    purposes: ['third_party_ads'],
    channels: ['ads:adnet'],
  };
  const decide = (body: Record<string, unknown>) => ok('POST', '/v1/policies/decisions', body);
  const legitimate = { valid: true, explicit: false, legalBasis: 'legitimate_interests', eventIds: ['ce-1'] };

  it('registers, reads, changes and deletes consumers, each with an API key bound to it', async () => {
    const created = await ok('POST', '/v1/consumers', campaign, 201);
    expect(created).toMatchObject({ id: 'campaigns', kind: 'campaign', revision: 1, status: 'active', channels: ['email', 'sms'] });
    expect(created.apiKey).toMatch(/^tsk_/);
    const keys = await ok('GET', '/v1/api-keys');
    expect(keys.items.find((k: { id: string }) => k.id === created.apiKeyId)).toMatchObject({
      name: 'consumer:campaigns',
      scopes: ['profiles:read'],
    });
    // The consumer's key authenticates with its own scope only.
    expect((await call('GET', '/v1/profiles/nobody', undefined, created.apiKey)).status).toBe(404);
    expect((await call('GET', '/v1/consumers', undefined, created.apiKey)).status).toBe(403);

    expect((await call('POST', '/v1/consumers', campaign)).status).toBe(409);
    expect((await ok('GET', '/v1/consumers')).items.map((c: { id: string }) => c.id)).toEqual(['campaigns']);
    const changed = await ok('PUT', '/v1/consumers/campaigns', {
      ...campaign,
      id: undefined,
      channels: ['sms'],
      requiredSignals: ['double_opt_in'],
    });
    expect(changed).toMatchObject({ revision: 2, channels: ['sms'], requiredSignals: ['double_opt_in'], apiKeyId: created.apiKeyId });
    expect(await ok('GET', '/v1/consumers/campaigns')).toEqual(changed);

    const deleted = await ok('DELETE', '/v1/consumers/campaigns');
    expect(deleted).toMatchObject({ status: 'deleted', revision: 3 });
    expect((await call('GET', '/v1/profiles/nobody', undefined, created.apiKey)).status).toBe(401);
    expect((await call('PUT', '/v1/consumers/campaigns', { ...campaign, id: undefined })).status).toBe(409);
    expect((await ok('GET', '/v1/consumers')).items).toEqual([]);
    expect((await ok('GET', '/v1/consumers?status=deleted')).items).toHaveLength(1);
    // Policy denies a deleted consumer everything.
    expect(
      await decide({ consumerId: 'campaigns', purpose: 'marketing', channel: 'sms', attributeClass: 'billing', consent: true }),
    ).toMatchObject({
      allowed: false,
      rules: ['consumer-not-active'],
    });
  });

  it('answers bad consumer registrations with every problem, typed', async () => {
    const noPartner = await call('POST', '/v1/consumers', { ...adnet, partner: undefined });
    expect(noPartner.status).toBe(400);
    expect(noPartner.body.error.code).toBe('VALIDATION_FAILED');
    expect(noPartner.body.error.details).toEqual([expect.objectContaining({ path: '/partner', code: 'PARTNER_REQUIRED' })]);
    const bad = await call('POST', '/v1/consumers', { ...campaign, id: 'Bad Id', channels: ['ads:x'], keyScopes: ['admin'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { code: string }) => d.code).sort()).toEqual([
      'ADMIN_SCOPE',
      'AD_CHANNEL_NOT_ALLOWED',
      'INVALID_ID',
    ]);
    expect((await call('POST', '/v1/consumers', { ...campaign, kind: 'billboard' })).status).toBe(400);
    expect((await call('POST', '/v1/consumers', { ...campaign, unknown: 1 })).status).toBe(400);
    expect((await call('GET', '/v1/consumers/nobody')).status).toBe(404);
    expect((await call('DELETE', '/v1/consumers/nobody')).status).toBe(404);
  });

  it('decides by the default policy: no consent is denied, traffic and location need explicit consent for marketing, ad partners their own channel', async () => {
    await ok('POST', '/v1/consumers', campaign, 201);
    await ok('POST', '/v1/consumers', adnet, 201);
    const marketing = { consumerId: 'campaigns', purpose: 'marketing', channel: 'sms' };

    expect(await decide({ ...marketing, attributeClass: 'billing', consent: false })).toMatchObject({
      allowed: false,
      decision: 'deny',
      rules: ['forbid-without-valid-consent'],
      policyVersion: 1,
    });
    expect(await decide({ ...marketing, attributeClass: 'billing', consent: { valid: false, explicit: false } })).toMatchObject({
      allowed: false,
    });

    for (const attributeClass of ['traffic', 'location']) {
      expect(await decide({ ...marketing, attributeClass, consent: legitimate })).toMatchObject({
        allowed: false,
        rules: ['forbid-traffic-and-location-for-marketing-without-explicit-consent'],
      });
      expect(await decide({ ...marketing, attributeClass, consent: true })).toMatchObject({
        allowed: true,
        rules: ['permit-registered-purpose-and-channel'],
      });
    }
    expect(await decide({ ...marketing, attributeClass: 'billing', consent: legitimate })).toMatchObject({ allowed: true });
    expect(await decide({ ...marketing, purpose: 'profiling', attributeClass: 'billing', consent: true })).toMatchObject({
      allowed: false,
      rules: ['default-deny'],
    });

    const ads = { consumerId: 'adnet', purpose: 'third_party_ads', attributeClass: 'identifier' };
    expect(await decide({ ...ads, channel: 'ads:adnet', consent: true })).toMatchObject({ allowed: true });
    expect(await decide({ ...ads, channel: 'ads:adnet', consent: false })).toMatchObject({
      allowed: false,
      rules: ['forbid-without-valid-consent'],
    });
    expect(await decide({ ...ads, channel: 'ads:other', consent: true })).toMatchObject({
      allowed: false,
      rules: ['forbid-ad-partner-outside-its-channel'],
    });
    expect(await decide({ ...ads, channel: 'sms', consent: true })).toMatchObject({ allowed: false });

    // Bad input is answered with a typed error.
    expect((await call('POST', '/v1/policies/decisions', { ...marketing, attributeClass: 'secret', consent: true })).status).toBe(400);
    expect(
      (await call('POST', '/v1/policies/decisions', { ...marketing, channel: 'SMS!', attributeClass: 'billing', consent: true })).status,
    ).toBe(400);
    const unknown = await call('POST', '/v1/policies/decisions', {
      ...marketing,
      consumerId: 'nobody',
      attributeClass: 'billing',
      consent: true,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('decides on the consent ledger’s own answer: no record denies, a marketing grant alone keeps location out', async () => {
    await ok('POST', '/v1/consumers', campaign, 201);
    const subject = 'msisdn:+79161234567';
    const url = `/v1/consents/${encodeURIComponent(subject)}?purpose=marketing&channel=sms`;
    // The ledger's HTTP answer for one purpose and channel, as the consent evidence policy takes.
    const evidenceOf = async () => {
      const { decision } = await ok('GET', url);
      return {
        valid: decision.valid as boolean,
        explicit: decision.valid && CONSENT_BASES.has(decision.legalBasis),
        legalBasis: decision.legalBasis as string | null,
        signals: [],
        eventIds: decision.eventId ? [decision.eventId as string] : [],
      };
    };
    const marketing = { consumerId: 'campaigns', purpose: 'marketing', channel: 'sms' };

    const none = await evidenceOf();
    expect(none.valid).toBe(false);
    expect(await decide({ ...marketing, attributeClass: 'billing', consent: none })).toMatchObject({
      allowed: false,
      rules: ['forbid-without-valid-consent'],
    });

    await ok('POST', '/v1/consents', {
      events: [
        {
          eventId: 'web-1',
          subject,
          purpose: 'marketing',
          channel: 'sms',
          action: 'grant',
          legalBasis: 'fz38_art18_ad_consent',
          jurisdiction: 'RU',
          validFrom: '2026-11-01T00:00:00Z',
          source: { collectionPoint: 'web-form', channel: 'web' },
          proof: { evidenceRef: 'FORM-1' },
        },
      ],
    });
    const granted = await evidenceOf();
    expect(granted).toMatchObject({ valid: true, explicit: true, eventIds: ['web-1'] });
    expect(await decide({ ...marketing, attributeClass: 'billing', consent: granted })).toMatchObject({ allowed: true });
    expect(await decide({ ...marketing, attributeClass: 'location', consent: granted })).toMatchObject({
      allowed: false,
      rules: ['forbid-traffic-and-location-for-marketing-without-explicit-consent'],
    });
  });

  it('stores policy versions, puts a new one in force at once (cached decisions dropped), and refuses an invalid set', async () => {
    await ok('POST', '/v1/consumers', campaign, 201);
    const first = await ok('GET', '/v1/policies');
    expect(first).toMatchObject({ current: 1, items: [{ version: 1, createdBy: 'system' }] });
    const v1 = await ok('GET', '/v1/policies/1');
    expect(v1.policyIds).toContain('forbid-without-valid-consent');
    expect(v1.inForce).toBe(true);
    const request = { consumerId: 'campaigns', purpose: 'marketing', channel: 'sms', attributeClass: 'billing', consent: true };
    expect(await decide(request)).toMatchObject({ allowed: true, policyVersion: 1 });

    const invalid = await call('POST', '/v1/policies', { policies: '@id("x") permit(principal, action, resource) when { context.nope };' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0]).toMatchObject({ code: 'TYPE', path: '/policies/x' });
    expect((await call('POST', '/v1/policies', { policies: 'permit(principal, action, resource);' })).body.error.details[0].code).toBe(
      'MISSING_ID',
    );
    expect((await call('POST', '/v1/policies', {})).status).toBe(400);

    const quiet = `@id("service-only") permit (principal, action, resource) when { context.purpose == "service" && context.consent.valid };`;
    const v2 = await ok('POST', '/v1/policies', { policies: quiet, description: 'marketing paused' }, 201);
    expect(v2).toMatchObject({ version: 2, policyIds: ['service-only'], inForce: true, description: 'marketing paused' });
    expect(await decide(request)).toMatchObject({ allowed: false, rules: ['default-deny'], policyVersion: 2 });
    expect((await ok('GET', '/v1/policies')).items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await ok('GET', '/v1/policies/1')).inForce).toBe(false);
    expect((await call('GET', '/v1/policies/9')).status).toBe(404);
    expect((await call('GET', '/v1/policies/abc')).status).toBe(400);

    // A restart keeps the versions and the one in force.
    app = await app.restart();
    expect(await decide(request)).toMatchObject({ allowed: false, policyVersion: 2 });
  });

  it('needs the policy scopes', async () => {
    const key = await ok('POST', '/v1/api-keys', { name: 'reader', scopes: ['consumers:read'] }, 201);
    expect((await call('GET', '/v1/consumers', undefined, key.key)).status).toBe(200);
    expect((await call('POST', '/v1/consumers', campaign, key.key)).status).toBe(403);
    expect((await call('GET', '/v1/policies', undefined, key.key)).status).toBe(403);
    expect((await call('GET', '/v1/disclosures?subject=P', undefined, key.key)).status).toBe(403);
    const policyReader = await ok('POST', '/v1/api-keys', { name: 'policy reader', scopes: ['policies:read'] }, 201);
    expect((await call('GET', '/v1/policies', undefined, policyReader.key)).status).toBe(200);
    expect(
      (await call('POST', '/v1/policies', { policies: '@id("a") permit(principal, action, resource);' }, policyReader.key)).status,
    ).toBe(403);
  });

  it('projects a real profile for a consumer and logs the disclosure, readable by subject and by consumer', async () => {
    await ok('POST', '/v1/consumers', campaign, 201);
    const ingest = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(),
      payload: {
        events: [
          event('billing', 'activation', '2026-11-01T10:00:00Z', { msisdn: '+79161110001', accountId: 'A-1' }, { tariffId: 'T-SMART' }),
          event('crm', 'customer_changed', '2026-11-02T10:00:00Z', { msisdn: '+79161110001' }, { name: 'Анна', homeRegion: 'RU-MOW' }),
        ],
      },
    });
    expect(ingest.json().quarantined, ingest.body).toBe(0);
    await app.tessera.services.pipeline.drain();
    const lookup = await ok('GET', '/v1/profiles/lookup?type=msisdn&value=%2B79161110001');
    const profile = await ok('GET', `/v1/profiles/${lookup.profileId}`);
    expect(profile.traits).toMatchObject({ name: 'Анна', homeRegion: 'RU-MOW', tariff: 'T-SMART' });

    const { service, consumers } = app.tessera.policy;
    const consumer = await consumers.get('campaigns');
    const context = { purpose: 'marketing', channel: 'sms' };
    const consent = { ...legitimate, signals: [], legalBasis: 'legitimate_interests' };
    const projection = service.projectProfile(consumer, context, profile, consent);
    expect(projection.profile.traits).toMatchObject({ name: 'Анна', tariff: 'T-SMART' });
    expect(projection.profile.traits).not.toHaveProperty('homeRegion');
    expect(projection.redacted).toEqual(
      expect.arrayContaining([
        {
          attribute: 'traits.homeRegion',
          class: 'location',
          rules: ['forbid-traffic-and-location-for-marketing-without-explicit-consent'],
        },
      ]),
    );
    const nothing = service.projectProfile(consumer, context, profile, false);
    expect(nothing.released).toEqual([]);

    const [record] = await service.recordDisclosures([
      {
        subject: profile.profileId,
        consumerId: consumer.id,
        exit: 'profile_read',
        ...context,
        released: projection.released,
        redacted: projection.redacted,
        consentEvents: consent.eventIds,
        policyVersion: service.current.version,
      },
    ]);
    await service.recordDisclosures([
      {
        subject: 'someone-else',
        consumerId: consumer.id,
        exit: 'audience_export',
        ...context,
        released: [],
        redacted: ['traits.name'],
        consentEvents: [],
        policyVersion: 1,
        reference: 'aud-1',
      },
    ]);

    const bySubject = await ok('GET', `/v1/disclosures?subject=${profile.profileId}`);
    expect(bySubject).toEqual({ items: [record], next: null });
    expect(bySubject.items[0]).toMatchObject({ consumerId: 'campaigns', policyVersion: 1, consentEvents: ['ce-1'], exit: 'profile_read' });
    expect(bySubject.items[0].released).toContain('traits.name');
    expect(bySubject.items[0].redacted).toContain('traits.homeRegion');
    const byConsumer = await ok('GET', '/v1/disclosures?consumer=campaigns');
    expect(byConsumer.items.map((d: { subject: string }) => d.subject)).toEqual([profile.profileId, 'someone-else']);
    const page = await ok('GET', '/v1/disclosures?consumer=campaigns&limit=1');
    expect(page.next).toBe(record?.id);
    expect((await ok('GET', `/v1/disclosures?consumer=campaigns&after=${page.next}`)).items[0].reference).toBe('aud-1');
    expect(await ok('GET', '/v1/disclosures?subject=someone-else&consumer=other')).toEqual({ items: [], next: null });
    const unfiltered = await call('GET', '/v1/disclosures');
    expect(unfiltered.status).toBe(400);
    expect(unfiltered.body.error.code).toBe('BAD_REQUEST');
    expect((await call('GET', '/v1/disclosures?subject=x&limit=0')).status).toBe(400);
  });

  it('serves the attribute catalogue', async () => {
    const { items } = await ok('GET', '/v1/policies/attributes');
    const byId = Object.fromEntries(items.map((a: { id: string; class: string }) => [a.id, a.class]));
    expect(byId['traits.name']).toBe('pii');
    expect(byId['traits.lastLocation']).toBe('location');
    expect(byId['network/data_session:datavolumeFBCUplink']).toBe('traffic');
  });

  it('documents its routes in OpenAPI', async () => {
    const doc = await app.tessera.http.inject({ method: 'GET', url: '/docs/json', headers: basic('anyone', ADMIN_KEY) });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    for (const path of [
      '/v1/consumers',
      '/v1/consumers/{id}',
      '/v1/policies',
      '/v1/policies/{version}',
      '/v1/policies/decisions',
      '/v1/disclosures',
    ])
      expect(paths).toContain(path);
  });
});
