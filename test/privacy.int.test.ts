import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent as event } from './builtin-event.js';
import { basic, bearer, startTestApp, type TestApp } from './test-app.js';

const NOW = '2026-11-20T12:00:00.000Z';
const ERASED = '+79161230001';
const KEPT = '+79161230002';
const ICCID = '8970101000000000001';
// Purposes 3–9 consented; vendors 23, 37, 47, 48, 53, 65, 98 (src/consent/tcf.test.ts).
const TC = 'COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA';

describeEachBackend('data-subject requests', (backend) => {
  let app: TestApp;
  const clock = new ManualClock(NOW);
  beforeEach(async () => {
    clock.set(NOW);
    app = await startTestApp(backend, { clock });
  });
  afterEach(async () => {
    await app.close();
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: object, key?: string) =>
    app.tessera.http.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });
  const ok = async (method: 'GET' | 'POST', url: string, payload?: object, status = 200, key?: string) => {
    const answer = await call(method, url, payload, key);
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json();
  };
  const drain = async () => {
    await app.tessera.services.pipeline.drain();
    await app.tessera.consent.crmConsumer.drain();
  };
  const ingest = async (events: unknown[]) => {
    const answer = await call('POST', '/v1/events', { events });
    expect(answer.json().quarantined, answer.body).toBe(0);
    await drain();
  };
  const db = () => app.tessera.storage.db;
  const profileOf = async (msisdn: string): Promise<string | undefined> =>
    (await db().selectFrom('identity_nodes').select('profile_id').where('value_key', '=', `msisdn:${msisdn}`).executeTakeFirst())
      ?.profile_id;
  const personEvents = (msisdn: string, iccid: string, suffix: string) => [
    { ...event('billing', 'activation', '2026-10-01T10:00:00Z', { msisdn, iccid }, { planType: 'prepaid' }), eventId: `act-${suffix}` },
    { ...event('billing', 'topup', '2026-11-01T10:00:00Z', { msisdn }, { amount: { value: 100, unit: 'RUB' } }), eventId: `top-${suffix}` },
    {
      ...event('network', 'data_session', '2026-11-02T10:00:00Z', { msisdn, iccid }, { datavolumeFBCUplink: 10, datavolumeFBCDownlink: 0 }),
      eventId: `ses-${suffix}`,
    },
  ];

  /** Person A with an audience membership, consent and a disclosure to a consumer; person B beside. */
  const world = async () => {
    await ok(
      'POST',
      '/v1/audiences',
      {
        id: 'prepaid',
        name: 'Prepaid',
        entity: 'person',
        rule: { combinator: 'and', rules: [{ field: 'traits.planType', operator: '=', value: 'prepaid' }] },
      },
      201,
    );
    await ingest([...personEvents(ERASED, ICCID, 'a'), ...personEvents(KEPT, '8970101000000000002', 'b')]);
    await ok(
      'POST',
      '/v1/consents',
      {
        events: [
          {
            eventId: 'web-1',
            subject: `msisdn:${ERASED}`,
            purpose: 'marketing',
            channel: 'sms',
            action: 'grant',
            legalBasis: 'fz38_art18_ad_consent',
            jurisdiction: 'RU',
            validFrom: '2026-11-01T00:00:00Z',
            source: { collectionPoint: 'web-form' },
          },
        ],
      },
      200,
    );
    await ok(
      'POST',
      '/v1/consumers',
      { id: 'campaigns', name: 'Campaign tool', kind: 'campaign', purposes: ['marketing'], channels: ['sms'] },
      201,
    );
    const profileId = (await profileOf(ERASED)) as string;
    await app.tessera.policy.service.recordDisclosures([
      {
        subject: profileId,
        consumerId: 'campaigns',
        exit: 'profile_read',
        purpose: 'marketing',
        channel: 'sms',
        released: ['traits.planType'],
        redacted: [],
        consentEvents: ['web-1'],
        policyVersion: 1,
      },
    ]);
    return profileId;
  };

  it('access exports the profile, its identifiers, consent history, audiences and recipients, and can be read again', async () => {
    const profileId = await world();
    const reader = (await ok('POST', '/v1/api-keys', { name: 'dpo', scopes: ['privacy:read'] }, 201)) as { id: string; key: string };
    const answer = await ok('POST', '/v1/privacy/requests', { kind: 'access', subject: 'msisdn:8 916 123-00-01' }, 201, reader.key);
    expect(answer).toMatchObject({
      kind: 'access',
      subject: `msisdn:${ERASED}`,
      status: 'completed',
      profileId,
      requestedBy: { apiKeyId: reader.id, name: 'dpo' },
      requestedAt: NOW,
    });
    const result = answer.result;
    expect(result.profile).toMatchObject({ profileId, traits: { planType: 'prepaid' }, activity: { events: 3 } });
    expect(result.profile.lineage.planType).toMatchObject({ source: 'billing' });
    expect(result.identifiers.map((i: { type: string; value: string }) => `${i.type}:${i.value}`).sort()).toEqual(
      [`iccid:${ICCID}`, `msisdn:${ERASED}`].sort(),
    );
    expect(result.consent).toEqual([
      expect.objectContaining({
        subject: `msisdn:${ERASED}`,
        history: [expect.objectContaining({ eventId: 'web-1', purpose: 'marketing', action: 'grant' })],
        chain: expect.objectContaining({ valid: true }),
      }),
    ]);
    expect(result.audiences).toEqual([expect.objectContaining({ audienceId: 'prepaid', audienceName: 'Prepaid', version: 1 })]);
    expect(result.recipients).toEqual([
      expect.objectContaining({ consumerId: 'campaigns', name: 'Campaign tool', disclosures: 1, attributesReleased: ['traits.planType'] }),
    ]);
    expect(JSON.stringify(result)).not.toContain(KEPT);

    expect(await ok('GET', `/v1/privacy/requests/${answer.id}`, undefined, 200, reader.key)).toEqual(answer);
    const listed = await ok('GET', `/v1/privacy/requests?subject=${encodeURIComponent(`msisdn:${ERASED}`)}`);
    expect(listed.items.map((r: { id: string }) => r.id)).toEqual([answer.id]);
    // Erasure needs privacy:write; a key without privacy scopes gets nothing.
    const refused = await call('POST', '/v1/privacy/requests', { kind: 'erasure', subject: `msisdn:${ERASED}` }, reader.key);
    expect(refused.statusCode).toBe(403);
    const other = (await ok('POST', '/v1/api-keys', { name: 'other', scopes: ['profiles:read'] }, 201)) as { key: string };
    expect((await call('GET', `/v1/privacy/requests/${answer.id}`, undefined, other.key)).statusCode).toBe(403);
    expect((await call('POST', '/v1/privacy/requests', { kind: 'access', subject: 'nonsense' })).statusCode).toBe(400);
  });

  it('erasure removes the profile and its events; neither a rebuild nor a re-ingest brings them back', async () => {
    const profileId = await world();
    const kept = (await profileOf(KEPT)) as string;
    const keptBefore = await ok('GET', `/v1/profiles/${kept}`);
    const access = await ok('POST', '/v1/privacy/requests', { kind: 'access', subject: `profile:${profileId}` }, 201);
    const seqs = (await db().selectFrom('event_profiles').select('seq').where('profile_id', '=', profileId).execute()).map((r) => r.seq);
    expect(seqs).toHaveLength(3);

    const erasure = await ok('POST', '/v1/privacy/requests', { kind: 'erasure', subject: `msisdn:${ERASED}` }, 201);
    expect(erasure).toMatchObject({ kind: 'erasure', status: 'completed', profileId, requestedBy: { apiKeyId: 'admin-bootstrap' } });
    expect(erasure.result.deleted).toMatchObject({
      events: 3,
      profiles: 1,
      profileStates: 1,
      identityNodes: 2,
      identityValues: 2,
      audienceMemberships: 1,
      accessExportsPurged: 1,
      tombstones: 2,
    });
    expect(erasure.result.identifiers.erased).toEqual({ iccid: 1, msisdn: 1 });
    expect(erasure.result.retained.consentLedger).toMatchObject({ subjects: [`msisdn:${ERASED}`], events: 1 });
    expect(erasure.result.retained.disclosureLog.recipients).toEqual(['campaigns']);
    expect(JSON.stringify(erasure.result)).not.toContain(ICCID);

    // Gone: the profile, its events, its identity, its memberships; the earlier export is purged.
    expect((await call('GET', `/v1/profiles/${profileId}`)).statusCode).toBe(404);
    expect((await call('GET', `/v1/profiles/lookup?type=msisdn&value=${encodeURIComponent(ERASED)}`)).statusCode).toBe(404);
    expect(await db().selectFrom('event_log').select('seq').where('seq', 'in', seqs).execute()).toEqual([]);
    expect(await db().selectFrom('timeline_index').select('seq').where('seq', 'in', seqs).execute()).toEqual([]);
    expect(await db().selectFrom('audience_members').select('member_id').where('member_id', '=', profileId).execute()).toEqual([]);
    expect(await ok('GET', `/v1/privacy/requests/${access.id}`)).toMatchObject({ status: 'purged', result: { purged: true } });
    // Kept: the consent ledger (proof), the disclosure log, the other person.
    expect((await ok('GET', `/v1/consents/${encodeURIComponent(`msisdn:${ERASED}`)}`)).history).toHaveLength(1);
    expect(await ok('GET', `/v1/profiles/${kept}`)).toEqual(keptBefore);
    const notice = await db().selectFrom('outbox').selectAll().where('type', '=', 'profile.erased').execute();
    expect(notice.map((r) => ({ subject: r.subject, data: JSON.parse(r.data) }))).toEqual([
      { subject: profileId, data: expect.objectContaining({ profileId, requestId: erasure.id, recipients: ['campaigns'] }) },
    ]);
    // The audit: the request row with who and when.
    const audit = await ok('GET', `/v1/privacy/requests/${erasure.id}`);
    expect(audit).toEqual(erasure);

    // A re-ingest of the same events (and a new one of the same line): dropped by the pipeline.
    const again = await call('POST', '/v1/events', { events: [...personEvents(ERASED, ICCID, 'a'), personEvents(ERASED, ICCID, 'c')[1]] });
    expect(again.json().accepted).toBe(4);
    await drain();
    expect(await profileOf(ERASED)).toBeUndefined();
    expect(
      await db().selectFrom('event_log').select('event_id').where('event_id', 'in', ['act-a', 'top-a', 'ses-a', 'top-c']).execute(),
    ).toEqual([]);
    expect(app.tessera.privacy.guard.dropped).toBe(4);

    // A rebuild from the log gives the other person back as they were, and not the erased one.
    await db()
      .transaction()
      .execute((trx) => app.tessera.services.pipeline.reset(trx));
    await drain();
    expect(await profileOf(ERASED)).toBeUndefined();
    expect(await db().selectFrom('identity_values').select('value_key').where('value_key', '=', `iccid:${ICCID}`).execute()).toEqual([]);
    const rebuilt = await ok('GET', `/v1/profiles/${await profileOf(KEPT)}`);
    expect(rebuilt.traits).toEqual(keptBefore.traits);
    expect(rebuilt.activity).toEqual(keptBefore.activity);
  });

  it('erases events logged before the erasure and not yet processed, and records an unknown profile as not found', async () => {
    const answer = await call('POST', '/v1/events', { events: personEvents(ERASED, ICCID, 'a') });
    expect(answer.json().accepted).toBe(3);
    // The pipeline has not run: nobody is known yet, but the identifier is tombstoned all the same.
    const erasure = await ok('POST', '/v1/privacy/requests', { kind: 'erasure', subject: `msisdn:${ERASED}` }, 201);
    expect(erasure).toMatchObject({ status: 'completed', profileId: null, result: { deleted: { events: 0, tombstones: 1 } } });
    await drain();
    expect(await profileOf(ERASED)).toBeUndefined();
    expect((await db().selectFrom('event_log').select('seq').execute()).length).toBe(0);

    const missing = await ok('POST', '/v1/privacy/requests', { kind: 'erasure', subject: 'profile:p_nobody' }, 201);
    expect(missing).toMatchObject({ status: 'not_found', profileId: null });
    expect((await ok('GET', '/v1/privacy/requests')).items.map((r: { id: string }) => r.id)).toEqual([erasure.id, missing.id]);
  });

  it('a released tombstone keeps the next holder of a recycled number, and still suppresses the erased one', async () => {
    await ingest(personEvents(ERASED, ICCID, 'a'));
    await ok('POST', '/v1/privacy/requests', { kind: 'erasure', subject: `msisdn:${ERASED}` }, 201);
    const writer = (await ok('POST', '/v1/api-keys', { name: 'dpo', scopes: ['privacy:read'] }, 201)) as { key: string };
    const body = { subject: 'msisdn:8 916 123-00-01', from: '2026-11-15T00:00:00Z' };
    expect((await call('POST', '/v1/privacy/tombstones/release', body, writer.key)).statusCode).toBe(403);
    const release = await ok('POST', '/v1/privacy/tombstones/release', body, 201);
    expect(release).toMatchObject({
      kind: 'tombstone_release',
      status: 'completed',
      subject: `msisdn:${ERASED}`,
      result: { changed: true },
    });

    const next = event(
      'billing',
      'activation',
      '2026-11-16T10:00:00Z',
      { msisdn: ERASED, iccid: '8970101000000000009' },
      { planType: 'postpaid' },
    );
    const answer = await call('POST', '/v1/events', { events: [...personEvents(ERASED, ICCID, 'a'), next] });
    expect(answer.json().accepted).toBe(4);
    await drain();
    const holder = (await profileOf(ERASED)) as string;
    expect((await ok('GET', `/v1/profiles/${holder}`)).activity).toMatchObject({ events: 1, firstEventAt: '2026-11-16T10:00:00.000Z' });
    expect(app.tessera.privacy.guard.dropped).toBe(3);
  });

  it('records the consent a TC string in the Segment context gives, once per message; a malformed string grants nothing', async () => {
    const writeKey = await app.tessera.services.registry.rotateWriteKey('app');
    const send = (payload: object) => app.tessera.http.inject({ method: 'POST', url: '/v1/identify', headers: basic(writeKey), payload });
    const identify = (messageId: string, context: object) => ({
      userId: 'u-42',
      messageId,
      traits: { phone: ERASED },
      timestamp: '2026-11-20T11:00:00Z',
      context,
    });
    expect((await send(identify('m-1', { consent: { tcString: TC } }))).json()).toMatchObject({ accepted: 1 });
    expect((await send(identify('m-2', { gdpr_consent: 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA' }))).json()).toMatchObject({ accepted: 1 });
    expect((await send(identify('m-3', { gdpr_consent: 'garbage!' }))).json()).toMatchObject({ accepted: 1 });
    await app.tessera.consent.crmConsumer.drain();

    const consent = await ok('GET', `/v1/consents/${encodeURIComponent(`msisdn:${ERASED}`)}?purpose=third_party_ads&channel=ads:gvl-23`);
    expect(consent.decision).toMatchObject({ valid: true, status: 'granted' });
    expect(consent.history).toHaveLength(7);
    expect(consent.history[0]).toMatchObject({
      purpose: 'third_party_ads',
      channel: 'ads:gvl-23',
      action: 'grant',
      tcfString: TC,
      tcfVendorId: 23,
    });
    const unnamed = await ok('GET', `/v1/consents/${encodeURIComponent(`msisdn:${ERASED}`)}?purpose=third_party_ads&channel=ads:gvl-24`);
    expect(unnamed.decision).toMatchObject({ valid: false });

    // A rebuild of the consumer's view of the log records nothing twice.
    await db().deleteFrom('consumer_checkpoints').where('consumer', '=', 'consent').execute();
    expect(await app.tessera.consent.crmConsumer.drain()).toMatchObject({ recorded: 0 });
    expect((await ok('GET', `/v1/consents/${encodeURIComponent(`msisdn:${ERASED}`)}`)).history).toHaveLength(7);

    // Only a malformed string: nothing that grants.
    expect((await send({ ...identify('m-4', { gdpr_consent: 'garbage!' }), traits: { phone: KEPT } })).json()).toMatchObject({
      accepted: 1,
    });
    await app.tessera.consent.crmConsumer.drain();
    expect((await ok('GET', `/v1/consents/${encodeURIComponent(`msisdn:${KEPT}`)}`)).history).toEqual([]);
  });
});
