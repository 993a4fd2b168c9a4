import { afterEach, beforeEach, expect, it } from 'vitest';
import { consentSnapshot, hasValidConsent, type ConsentState } from '../src/consent/index.js';
import { ManualClock } from '../src/core/clock.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { ADMIN_KEY, basic, bearer, startTestApp, type TestApp } from './test-app.js';

const SUBJECT = encodeURIComponent('msisdn:+79161234567');

const grant = (overrides: Record<string, unknown> = {}) => ({
  eventId: 'web-1',
  subject: 'msisdn:8 (916) 123-45-67',
  purpose: 'marketing',
  channel: 'sms',
  action: 'grant',
  legalBasis: 'fz38_art18_ad_consent',
  jurisdiction: 'RU',
  validFrom: '2026-11-01T10:00:00Z',
  source: { collectionPoint: 'web-form', channel: 'web' },
  proof: { noticeId: 'privacy', noticeVersion: '2026-10', evidenceRef: 'SUB-1' },
  ...overrides,
});

describeEachBackend('consent ledger', (backend) => {
  let app: TestApp;
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  beforeEach(async () => {
    clock.set('2026-11-20T12:00:00Z');
    app = await startTestApp(backend, { clock });
  });
  afterEach(async () => {
    await app.close();
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: object, key?: string) =>
    app.tessera.http.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });
  const ok = async (method: 'GET' | 'POST', url: string, payload?: object, status = 200) => {
    const answer = await call(method, url, payload);
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json();
  };
  const refused = async (url: string, payload: object, status: number) => {
    const answer = await call('POST', url, payload);
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json().error as { code: string; message: string; details?: { path?: string; code?: string; message: string }[] };
  };
  const publishNotice = () =>
    ok(
      'POST',
      '/v1/notices',
      { id: 'privacy', version: '2026-10', language: 'ru', title: 'Политика', text: 'Текст уведомления', purposes: ['marketing'] },
      201,
    );

  it('serves the built-in purposes, versions a changed purpose and keeps an unchanged one', async () => {
    const listed = await ok('GET', '/v1/purposes');
    expect(listed.items.map((p: { code: string }) => p.code).sort()).toEqual(
      ['analytics', 'location_data', 'marketing', 'profiling', 'service', 'third_party_ads', 'traffic_data'].sort(),
    );
    expect(listed.items.find((p: { code: string }) => p.code === 'third_party_ads')).toMatchObject({
      version: 1,
      tcfPurposeId: 4,
      advertising: true,
    });

    const created = await ok('POST', '/v1/purposes', { code: 'loyalty', legalBases: ['fz152_consent'], name: 'Loyalty programme' }, 201);
    expect(created).toMatchObject({
      code: 'loyalty',
      version: 1,
      created: true,
      createdBy: 'admin-bootstrap',
      createdAt: '2026-11-20T12:00:00.000Z',
    });
    const same = await ok('POST', '/v1/purposes', { code: 'loyalty', legalBases: ['fz152_consent'], name: 'Loyalty programme' });
    expect(same).toMatchObject({ version: 1, created: false });
    const changed = await ok(
      'POST',
      '/v1/purposes',
      { code: 'loyalty', legalBases: ['fz152_consent', 'gdpr_art6_1a_consent'], name: 'Loyalty programme' },
      201,
    );
    expect(changed).toMatchObject({ version: 2, created: true });
    expect((await ok('GET', '/v1/purposes/loyalty')).items.map((p: { version: number }) => p.version)).toEqual([1, 2]);
    expect((await call('GET', '/v1/purposes/nothing')).statusCode).toBe(404);

    const bad = await refused('/v1/purposes', { code: 'x', legalBases: ['whim'], tcfPurposeId: 40 }, 400);
    expect(bad.details?.map((d) => d.path)).toEqual(['/legalBases/0', '/tcfPurposeId']);
    expect((await refused('/v1/purposes', { code: 'Bad Code', legalBases: [] }, 400)).code).toBe('VALIDATION_FAILED');
  });

  it('publishes notices by hash, idempotently, and refuses another text under the same version', async () => {
    const notice = await publishNotice();
    expect(notice).toMatchObject({ id: 'privacy', version: '2026-10', language: 'ru', created: true });
    expect(notice.textHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await ok('POST', '/v1/notices', { id: 'privacy', version: '2026-10', language: 'ru', textHash: notice.textHash })).toMatchObject(
      { created: false },
    );
    const conflict = await refused('/v1/notices', { id: 'privacy', version: '2026-10', language: 'ru', text: 'другой текст' }, 409);
    expect(conflict.details?.[0]?.path).toBe('/version');
    expect((await refused('/v1/notices', { id: 'n2', version: '1', language: 'ru' }, 400)).details?.[0]?.path).toBe('/text');
    expect(
      (await refused('/v1/notices', { id: 'n2', version: '1', language: 'ru', text: 't', purposes: ['nope'] }, 400)).details?.[0]?.path,
    ).toBe('/purposes/0');
    expect((await ok('GET', '/v1/notices?id=privacy')).items).toHaveLength(1);
  });

  it('records decisions into a verified chain, idempotently, and answers as of any time', async () => {
    await publishNotice();
    const first = await ok('POST', '/v1/consents', {
      events: [grant(), grant({ eventId: 'web-2', channel: 'email', legalBasis: 'fz152_consent' })],
    });
    expect(first.results).toEqual([
      { eventId: 'web-1', subject: 'msisdn:+79161234567', status: 'recorded', seq: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { eventId: 'web-2', subject: 'msisdn:+79161234567', status: 'recorded', seq: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    // A retry answers duplicate and records nothing.
    const retry = await ok('POST', '/v1/consents', { events: [grant()] });
    expect(retry.results).toEqual([{ ...first.results[0], status: 'duplicate' }]);
    // The same id for another decision is a conflict naming the field.
    const reused = await refused('/v1/consents', { events: [grant({ action: 'deny' })] }, 409);
    expect(reused.details?.[0]).toMatchObject({ path: '/events/0/eventId', code: 'EVENT_ID_REUSED' });

    clock.set('2026-11-21T09:00:00Z');
    // A withdrawal that names a later validFrom still takes effect now.
    await ok('POST', '/v1/consents', {
      events: [grant({ eventId: 'call-7', action: 'withdraw', validFrom: '2026-12-01T00:00:00Z', proof: undefined })],
    });

    const now = await ok('GET', `/v1/consents/${SUBJECT}?purpose=marketing&channel=sms`);
    expect(now.subject).toBe('msisdn:+79161234567');
    expect(now.chain).toEqual({ valid: true, length: 3, head: now.history[2].hash });
    expect(now.history.map((e: { seq: number; eventId: string }) => [e.seq, e.eventId])).toEqual([
      [1, 'web-1'],
      [2, 'web-2'],
      [3, 'call-7'],
    ]);
    expect(now.history[0]).toMatchObject({
      purposeVersion: 1,
      recordedAt: '2026-11-20T12:00:00.000Z',
      source: { collectionPoint: 'web-form', channel: 'web', agent: 'admin-bootstrap' },
      proof: { noticeId: 'privacy', noticeVersion: '2026-10', evidenceRef: 'SUB-1' },
    });
    expect(now.decision).toMatchObject({
      purpose: 'marketing',
      channel: 'sms',
      status: 'withdrawn',
      valid: false,
      reason: 'WITHDRAWN',
      eventId: 'call-7',
    });
    expect(now.consents).toEqual([
      expect.objectContaining({ channel: 'email', status: 'granted', valid: true, legalBasis: 'fz152_consent' }),
      expect.objectContaining({ channel: 'sms', status: 'withdrawn', valid: false }),
    ]);

    const before = await ok('GET', `/v1/consents/${SUBJECT}?asOf=2026-11-15T00:00:00Z&purpose=marketing&channel=sms`);
    expect(before.decision).toMatchObject({ status: 'granted', valid: true, eventId: 'web-1', legalBasis: 'fz38_art18_ad_consent' });
    const beforeAny = await ok('GET', `/v1/consents/${SUBJECT}?asOf=2026-10-01T00:00:00Z&purpose=marketing&channel=sms`);
    expect(beforeAny.decision).toMatchObject({ status: 'none', valid: false, reason: 'NO_CONSENT_RECORD' });

    // A subject with no record: nothing granted, an empty valid chain.
    const nobody = await ok('GET', `/v1/consents/${encodeURIComponent('msisdn:+79169999999')}?purpose=marketing&channel=sms`);
    expect(nobody).toMatchObject({
      consents: [],
      history: [],
      chain: { valid: true, length: 0 },
      decision: { valid: false, reason: 'NO_CONSENT_RECORD' },
    });
  });

  it('keeps one unbroken chain per subject under concurrent requests', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call('POST', '/v1/consents', { events: [grant({ eventId: `par-${i}`, action: i % 2 ? 'withdraw' : 'grant', proof: undefined })] }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
    const state = await ok('GET', `/v1/consents/${SUBJECT}`);
    expect(state.chain).toMatchObject({ valid: true, length: 8 });
    expect(state.history.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('detects a tampered ledger row', async () => {
    await ok('POST', '/v1/consents', {
      events: [grant({ proof: undefined }), grant({ eventId: 'web-2', action: 'withdraw', proof: undefined })],
    });
    await app.tessera.storage.db.updateTable('consent_events').set({ action: 'grant' }).where('event_id', '=', 'web-2').execute();
    const answer = await ok('GET', `/v1/consents/${SUBJECT}`);
    expect(answer.chain).toMatchObject({ valid: false, brokenAt: 2, reason: 'HASH_MISMATCH' });
  });

  it('answers bad input with typed errors naming the field', async () => {
    const semantic = await refused(
      '/v1/consents',
      {
        events: [
          grant({ purpose: 'astrology', proof: undefined }),
          grant({ eventId: 'web-3', purpose: 'traffic_data', legalBasis: 'fz152_consent', proof: undefined }),
          grant({ eventId: 'web-4', proof: { noticeId: 'missing', noticeVersion: '1' } }),
          grant({ eventId: 'web-5', subject: 'msisdn:12', proof: undefined }),
          grant({ eventId: 'web-6', expiresAt: '2026-10-01T00:00:00Z', proof: undefined }),
        ],
      },
      400,
    );
    expect(semantic.code).toBe('VALIDATION_FAILED');
    expect(semantic.details?.map((d) => [d.path, d.code])).toEqual([
      ['/events/0/purpose', 'UNKNOWN_PURPOSE'],
      ['/events/1/legalBasis', 'LEGAL_BASIS_NOT_ALLOWED'],
      ['/events/2/proof/noticeId', 'UNKNOWN_NOTICE'],
      ['/events/3/subject', 'INVALID_SUBJECT'],
      ['/events/4/expiresAt', 'EXPIRY_BEFORE_START'],
    ]);
    // Nothing of a refused batch is recorded.
    expect((await ok('GET', `/v1/consents/${SUBJECT}`)).history).toEqual([]);

    const shape = await refused('/v1/consents', { events: [grant({ action: 'perhaps' })] }, 400);
    expect(shape.code).toBe('VALIDATION_FAILED');
    expect(shape.details?.some((d) => d.path?.includes('/events/0/action'))).toBe(true);
    expect((await refused('/v1/consents', { events: [] }, 400)).code).toBe('VALIDATION_FAILED');
    expect((await refused('/v1/consents', { events: [grant({ extra: 1 })] }, 400)).code).toBe('VALIDATION_FAILED');
    const inBatch = await refused(
      '/v1/consents',
      { events: [grant({ proof: undefined }), grant({ proof: undefined, action: 'deny' })] },
      400,
    );
    expect(inBatch.details?.[0]).toMatchObject({ path: '/events/1/eventId', code: 'DUPLICATE_EVENT_ID' });

    expect((await call('GET', '/v1/consents/nonsense')).statusCode).toBe(400);
    const asOf = await call('GET', `/v1/consents/${SUBJECT}?asOf=yesterday`);
    expect(asOf.statusCode).toBe(400);
    expect(asOf.json().error.details[0].path).toBe('querystring/asOf');
    expect((await call('GET', `/v1/consents/${SUBJECT}?purpose=marketing`)).statusCode).toBe(400);
  });

  it("answers a person's consent over the profile and its identifiers, and 404 for no profile", async () => {
    await publishNotice();
    const activation = builtinEvent('billing', 'activation', '2026-11-19T10:00:00Z', { msisdn: '+79161234567' }, { tariffId: 'T-1' });
    expect((await ok('POST', '/v1/events', { events: [activation] })).accepted).toBe(1);
    await app.tessera.services.pipeline.drain();
    const { profileId } = await ok('GET', '/v1/profiles/lookup?type=msisdn&value=%2B79161234567');
    await ok('POST', '/v1/consents', { events: [grant()] });
    await ok('POST', '/v1/consents', {
      events: [grant({ eventId: 'app-1', subject: `profile:${profileId}`, channel: 'app', action: 'deny', legalBasis: 'fz152_consent' })],
    });
    const answer = await ok('GET', `/v1/profiles/${profileId}/consents`);
    expect(answer.subjects).toEqual([`profile:${profileId}`, 'msisdn:+79161234567']);
    expect(answer.consents).toEqual([
      expect.objectContaining({ purpose: 'marketing', channel: 'app', valid: false, status: 'denied', subject: `profile:${profileId}` }),
      expect.objectContaining({ purpose: 'marketing', channel: 'sms', valid: true, status: 'granted', subject: 'msisdn:+79161234567' }),
    ]);
    expect((await call('GET', '/v1/profiles/p_nobody/consents')).statusCode).toBe(404);
  });

  it('documents its routes in OpenAPI', async () => {
    const doc = await app.tessera.http.inject({ method: 'GET', url: '/docs/json', headers: basic('anyone', ADMIN_KEY) });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    for (const path of ['/v1/consents', '/v1/consents/{subject}', '/v1/purposes', '/v1/purposes/{code}', '/v1/notices'])
      expect(paths).toContain(path);
  });

  it('takes a retry without validFrom, later and from another key, as the same decision', async () => {
    const writer = (await ok('POST', '/v1/api-keys', { name: 'crm', scopes: ['consent:write'] }, 201)).key as string;
    const body = { events: [grant({ validFrom: undefined, proof: undefined })] };
    const first = await ok('POST', '/v1/consents', body);
    clock.set('2026-11-20T12:05:00Z');
    const retry = await call('POST', '/v1/consents', body, writer);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().results).toEqual([{ ...first.results[0], status: 'duplicate' }]);
  });

  it('needs the consent scopes', async () => {
    const key = await ok('POST', '/v1/api-keys', { name: 'reader', scopes: ['consent:read'] }, 201);
    const secret = key.key as string;
    expect((await call('GET', `/v1/consents/${SUBJECT}`, undefined, secret)).statusCode).toBe(200);
    expect((await call('GET', '/v1/purposes', undefined, secret)).statusCode).toBe(200);
    expect((await call('POST', '/v1/consents', { events: [grant({ proof: undefined })] }, secret)).statusCode).toBe(403);
    expect((await call('POST', '/v1/purposes', { code: 'x', legalBases: ['fz152_consent'] }, secret)).statusCode).toBe(403);
    expect((await app.tessera.http.inject({ method: 'GET', url: '/v1/purposes' })).statusCode).toBe(401);
  });

  it('records CRM consent_changed events from the event log, once', async () => {
    const events = [
      builtinEvent(
        'crm',
        'consent_changed',
        '2026-11-19T10:00:00Z',
        { msisdn: '+79161234567' },
        {
          purpose: 'marketing',
          channel: 'sms',
          action: 'grant',
          legalBasis: 'consent',
          noticeVersion: '2026-10',
          evidenceRef: 'FORM-1',
        },
      ),
      builtinEvent(
        'crm',
        'consent_changed',
        '2026-11-19T11:00:00Z',
        { msisdn: '+79161234567' },
        {
          purpose: 'profiling',
          channel: 'all',
          action: 'withdraw',
          legalBasis: 'consent',
        },
      ),
      builtinEvent(
        'crm',
        'consent_changed',
        '2026-11-19T12:00:00Z',
        { msisdn: '+79161234567' },
        {
          purpose: 'marketing',
          channel: 'post',
          action: 'grant',
          legalBasis: 'consent',
        },
      ),
    ];
    const ingested = await ok('POST', '/v1/events', { events });
    expect(ingested.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);

    const { db } = app.tessera.storage;
    // The composition root's ledger and CRM consumer (startBackground would run the consumer in the background).
    const { service, crmConsumer: consumer } = app.tessera.consent;
    const drained = await consumer.drain();
    expect(drained).toMatchObject({ recorded: 6, duplicates: 0, refused: 1 });
    expect(drained.read).toBeGreaterThanOrEqual(3);
    expect(await consumer.drain()).toEqual({ read: 0, recorded: 0, duplicates: 0, refused: 0 });

    const state = await ok('GET', `/v1/consents/${SUBJECT}?purpose=marketing&channel=sms`);
    expect(state.decision).toMatchObject({
      status: 'granted',
      valid: true,
      eventId: `crm:${events[0]?.eventId}`,
      legalBasis: 'fz38_art18_ad_consent',
    });
    expect(state.history).toHaveLength(6);
    expect(state.history[0]).toMatchObject({
      validFrom: '2026-11-19T10:00:00.000Z',
      proof: { noticeVersion: '2026-10', evidenceRef: 'FORM-1' },
      source: { agent: 'source:crm' },
    });
    expect(state.consents.filter((c: { purpose: string }) => c.purpose === 'profiling').map((c: { status: string }) => c.status)).toEqual([
      'withdrawn',
      'withdrawn',
      'withdrawn',
      'withdrawn',
      'withdrawn',
    ]);
    expect(state.chain.valid).toBe(true);

    // The person's state across subjects, one and many at a time.
    await ok('POST', '/v1/consents', {
      events: [grant({ eventId: 'app-1', subject: 'profile:P1', action: 'withdraw', validFrom: '2026-11-20T11:00:00Z', proof: undefined })],
    });
    const person = await service.stateOf(['msisdn:8 916 123 45 67', 'profile:P1']);
    expect(hasValidConsent(person, 'marketing', 'sms', '2026-11-20T10:00:00Z')).toBe(true);
    expect(hasValidConsent(person, 'marketing', 'sms', '2026-11-20T12:00:00Z')).toBe(false);
    const many = await service.statesOf(
      new Map([
        ['P1', ['msisdn:+79161234567', 'profile:P1']],
        ['P2', ['msisdn:+79169999999']],
      ]),
    );
    expect(hasValidConsent(many.get('P1') as ConsentState, 'marketing', 'sms', '2026-11-20T12:00:00Z')).toBe(false);
    expect(hasValidConsent(many.get('P1') as ConsentState, 'marketing', 'sms', '2026-11-20T10:00:00Z')).toBe(true);
    expect(consentSnapshot(many.get('P2') as ConsentState, '2026-11-20T12:00:00Z')).toEqual([]);
    await expect(service.stateOf(['nonsense'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    // A replay of the log from the start records nothing twice.
    await db.deleteFrom('consumer_checkpoints').where('consumer', '=', 'consent').execute();
    expect(await consumer.drain()).toMatchObject({ recorded: 0, duplicates: 6, refused: 1 });
    expect((await ok('GET', `/v1/consents/${SUBJECT}`)).history).toHaveLength(6);
  });

  it('an expiry recorded ahead of its time is propagated when it takes effect, by the scheduler; one that takes effect at once, when recorded', async () => {
    await publishNotice();
    const changes = async () =>
      (
        await app.tessera.storage.db.selectFrom('outbox').selectAll().where('type', '=', 'consent.changed').orderBy('created_at').execute()
      ).map((r) => ({ subject: r.subject, data: JSON.parse(r.data) }));
    const settle = async () => {
      for (let i = 0; i < 20 && (await app.tessera.services.pipeline.advanceTime()) > 0; i++);
    };
    await ok('POST', '/v1/consents', {
      events: [
        grant(),
        grant({
          eventId: 'crm-exp',
          action: 'expire',
          validFrom: '2026-11-20T13:00:00Z',
          legalBasis: 'fz38_art18_ad_consent',
          proof: undefined,
        }),
      ],
    });
    await settle();
    expect(await changes()).toEqual([]);

    clock.set('2026-11-20T13:00:01Z');
    await settle();
    const expected = {
      profileId: null,
      consentSubject: 'msisdn:+79161234567',
      purpose: 'marketing',
      channel: 'sms',
      action: 'expire',
      remove: true,
      consumers: [],
      consentEventId: 'crm-exp',
      lostAt: '2026-11-20T13:00:00.000Z',
    };
    // No profile holds the number: the message is under the subject's own name.
    expect(await changes()).toEqual([{ subject: 'msisdn:+79161234567', data: expected }]);
    await settle();
    expect(await changes()).toHaveLength(1);

    // An expiry of the email channel that takes effect at once is propagated in the ledger's transaction.
    await ok('POST', '/v1/consents', {
      events: [
        grant({ eventId: 'web-email', channel: 'email', validFrom: '2026-11-01T10:00:00Z' }),
        grant({ eventId: 'crm-exp-email', channel: 'email', action: 'expire', validFrom: '2026-11-20T13:00:00Z', proof: undefined }),
      ],
    });
    expect((await changes()).map((c) => [c.data.channel, c.data.action, c.data.consentEventId]).sort()).toEqual([
      ['email', 'expire', 'crm-exp-email'],
      ['sms', 'expire', 'crm-exp'],
    ]);
  });
});
