import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent as event } from './builtin-event.js';
import { apiCalls } from './app-requests.js';
import { startTestApp, type TestApp } from './test-app.js';

/** The profile-read exit (issue 7.5): a consumer's key reads only what the policy releases, and the read is logged. */
describeEachBackend('profile reads by a consumer', (backend) => {
  let app: TestApp;
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  beforeEach(async () => {
    clock.set('2026-11-20T12:00:00Z');
    app = await startTestApp(backend, { clock });
  });
  afterEach(async () => {
    await app.close();
  });

  const { call, ok } = apiCalls(() => app);

  it('releases nothing without consent, the permitted attributes with it, names purpose and channel, and logs each read', async () => {
    const consumer = await ok(
      'POST',
      '/v1/consumers',
      { id: 'campaigns', name: 'Campaign tool', kind: 'campaign', purposes: ['marketing'], channels: ['sms', 'email'] },
      201,
    );
    const ingest = await call('POST', '/v1/events', {
      events: [
        event('billing', 'activation', '2026-11-01T10:00:00Z', { msisdn: '+79161110001' }, { tariffId: 'T-SMART' }),
        event('crm', 'customer_changed', '2026-11-02T10:00:00Z', { msisdn: '+79161110001' }, { name: 'Анна', homeRegion: 'RU-MOW' }),
      ],
    });
    expect(ingest.json().quarantined, ingest.body).toBe(0);
    await app.tessera.services.pipeline.drain();
    const { profileId } = await ok('GET', '/v1/profiles/lookup?type=msisdn&value=%2B79161110001');

    // The operator's key reads everything, with no disclosure.
    const whole = await ok('GET', `/v1/profiles/${profileId}`);
    expect(whole.traits).toMatchObject({ name: 'Анна', homeRegion: 'RU-MOW' });
    expect(whole).not.toHaveProperty('disclosure');

    // Two channels: the consumer must say which; a channel it is not registered for is forbidden.
    expect((await call('GET', `/v1/profiles/${profileId}`, undefined, consumer.apiKey)).statusCode).toBe(400);
    expect((await call('GET', `/v1/profiles/${profileId}?channel=push`, undefined, consumer.apiKey)).statusCode).toBe(403);

    const denied = await ok('GET', `/v1/profiles/${profileId}?channel=sms`, undefined, 200, consumer.apiKey);
    expect(denied).toMatchObject({ profileId, disclosure: { purpose: 'marketing', channel: 'sms', released: [] } });
    expect(denied.traits ?? {}).toEqual({});
    expect(denied.disclosure.redacted.length).toBeGreaterThan(0);

    await ok(
      'POST',
      '/v1/notices',
      { id: 'privacy', version: '2026-10', language: 'ru', title: 'Политика', text: 'Текст', purposes: ['marketing'] },
      201,
    );
    await ok('POST', '/v1/consents', {
      events: [
        {
          eventId: 'c-1',
          subject: 'msisdn:+79161110001',
          purpose: 'marketing',
          channel: 'sms',
          action: 'grant',
          legalBasis: 'fz38_art18_ad_consent',
          jurisdiction: 'RU',
          validFrom: '2026-11-10T00:00:00Z',
          source: { collectionPoint: 'web-form', channel: 'web' },
          proof: { noticeId: 'privacy', noticeVersion: '2026-10', evidenceRef: 'SUB-1' },
        },
      ],
    });
    const released = await ok('GET', `/v1/profiles/${profileId}?channel=sms`, undefined, 200, consumer.apiKey);
    expect(released.traits).toMatchObject({ name: 'Анна', tariff: 'T-SMART' });
    // Location data feeds marketing only with its own explicit consent.
    expect(released.traits).not.toHaveProperty('homeRegion');
    expect(released.disclosure.released).toContain('traits.name');
    expect(released.disclosure.redacted).toEqual(
      expect.arrayContaining([expect.objectContaining({ attribute: 'traits.homeRegion', class: 'location' })]),
    );
    expect(released.disclosure.consentEvents).toEqual(['c-1']);

    const log = await ok('GET', `/v1/disclosures?subject=${encodeURIComponent(`profile:${profileId}`)}`);
    expect(log.items).toHaveLength(2);
    expect(log.items.every((d: { exit: string; consumerId: string }) => d.exit === 'profile_read' && d.consumerId === 'campaigns')).toBe(
      true,
    );
  });
});
