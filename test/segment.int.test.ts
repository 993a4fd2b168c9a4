import { Analytics } from '@segment/analytics-node';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { startTestApp, type TestApp } from './test-app.js';

describeEachBackend('Segment-compatible tracking API', (backend) => {
  let app: TestApp;
  let host: string;
  let writeKey: string;
  beforeEach(async () => {
    app = await startTestApp(backend);
    host = await app.tessera.http.listen({ port: 0, host: '127.0.0.1' });
    writeKey = await app.tessera.services.registry.rotateWriteKey('app');
  });
  afterEach(async () => {
    await app.close();
  });

  const logged = (type: string) =>
    app.tessera.storage.db.selectFrom('event_log').selectAll().where('source_id', '=', 'app').where('event_type', '=', type).execute();

  it('lands identify and track calls from the real analytics-node client with normalised identifiers', async () => {
    const analytics = new Analytics({ writeKey, host, path: '/v1/batch', flushAt: 2, flushInterval: 50, maxRetries: 1 });
    const errors: unknown[] = [];
    analytics.on('error', (err) => errors.push(err));
    analytics.identify({
      userId: 'u-7731',
      anonymousId: 'd-3f9a2c',
      traits: { email: 'Ivan.Petrov@Example.RU', phone: '8 (916) 123-45-67', firstName: 'Иван' },
    });
    analytics.track({ userId: 'u-7731', anonymousId: 'd-3f9a2c', event: 'App Open', properties: { appVersion: '5.12.0', os: 'android' } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const [identify] = await logged('identify');
    expect(identify).toBeDefined();
    const payload = JSON.parse(identify!.payload);
    expect(payload.identifiers).toEqual({
      appUserId: 'u-7731',
      deviceId: 'd-3f9a2c',
      email: 'ivan.petrov@example.ru',
      msisdn: '+79161234567',
    });
    expect(payload.rawIdentifiers).toMatchObject({ msisdn: '8 (916) 123-45-67' });
    expect(payload.channel).toBe('segment');
    expect(payload.context.library.name).toBe('@segment/analytics-node');

    const [track] = await logged('app_open');
    expect(track).toBeDefined();
    expect(JSON.parse(track!.payload)).toMatchObject({
      identifiers: { appUserId: 'u-7731', deviceId: 'd-3f9a2c' },
      properties: { appVersion: '5.12.0', os: 'android' },
    });
    // messageId is the idempotency key: the SDK's id is the eventId.
    expect(track!.event_id).toMatch(/^[0-9a-f-]{36}$|^node-next-/);
  });

  it('quarantines a track call whose event is not in the contract, and refuses bad write keys', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
    const unknown = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/track',
      headers: auth,
      payload: { userId: 'u-1', event: 'Bought Spaceship', messageId: 'm-1' },
    });
    expect(unknown.json().results[0]).toMatchObject({
      status: 'quarantined',
      reasons: [expect.objectContaining({ code: 'UNKNOWN_EVENT_TYPE' })],
    });
    const again = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: auth,
      payload: { userId: 'u-1', messageId: 'm-2', traits: { email: 'a@b.ru' } },
    });
    expect(again.json()).toMatchObject({ success: true, accepted: 1 });
    const repeat = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: auth,
      payload: { userId: 'u-1', messageId: 'm-2', traits: { email: 'a@b.ru' } },
    });
    expect(repeat.json()).toMatchObject({ duplicate: 1 });
    const wrong = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: `Basic ${Buffer.from('wk_wrong:').toString('base64')}` },
      payload: { event: 'x' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('UNAUTHENTICATED');
    const bearerOnSegment = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: 'Bearer test-admin-key-0123456789abcdef' },
      payload: { event: 'x' },
    });
    expect(bearerOnSegment.statusCode).toBe(403);
  });
});
