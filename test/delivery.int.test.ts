import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { RETRY_DELAYS_MS, httpWebhookTransport } from '../src/delivery/index.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { WebhookReceiver, type Received } from './delivery-receiver.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';
import { apiJsonCalls } from './app-requests.js';

/*
 * Subscriptions and signed webhook delivery (issue 8, part A) against a real HTTP receiver on
 * loopback, on every backend: at-least-once with the retry schedule on a manual clock, the same
 * webhook-id on every attempt, order per subject, Retry-After, 410, dead letters and replay, consent,
 * a restart mid-delivery, isolation of a slow endpoint, and SSRF refusals.
 */

const T0 = '2026-11-25T12:00:00.000Z';
const [FIRST_DELAY, SECOND_DELAY] = RETRY_DELAYS_MS as [number, number];
const ENV = { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true', TESSERA_WEBHOOK_TIMEOUT_MS: '300', TESSERA_DELIVERY_POLL_MS: '5' };

describeEachBackend('delivery', (backend) => {
  let app: TestApp;
  let clock: ManualClock;
  let receiver: WebhookReceiver;
  let outboxCounter = 0;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    app = await startTestApp(backend, { clock, env: ENV });
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    await app.tessera.delivery.dispatcher.stop();
    await receiver.close();
    await app.close();
  });

  const { call, ok } = apiJsonCalls(() => app);

  const consumer = async (id = 'app') =>
    ok('POST', '/v1/consumers', { id, name: 'Mobile app', kind: 'app', purposes: ['marketing'], channels: ['app'] }, 201);
  const subscribe = async (url: string, extra: Record<string, unknown> = {}) =>
    ok(
      'POST',
      '/v1/subscriptions',
      {
        consumerId: 'app',
        eventTypes: ['audience.entered', 'audience.exited', 'score.changed', 'profile.merged'],
        transport: 'webhook',
        url,
        ...extra,
      },
      201,
    );
  const grant = async (profileId: string, action = 'grant') =>
    ok('POST', '/v1/consents', {
      events: [
        {
          eventId: `consent-${profileId}-${action}-${clock.now().getTime()}`,
          subject: `profile:${profileId}`,
          purpose: 'marketing',
          channel: 'app',
          action,
          legalBasis: 'fz152_consent',
          jurisdiction: 'RU',
          source: { collectionPoint: 'app-settings', channel: 'app' },
          proof: { evidenceRef: `FORM-${profileId}` },
        },
      ],
    });
  /** Writes outbox rows as the pipeline does (one transaction, its start time as created_at). */
  const outbox = async (
    messages: { subject: string; type?: string; data?: Record<string, unknown> }[],
    createdAt = clock.now().toISOString(),
  ) => {
    const rows = messages.map((m) => ({
      id: `ob_test${String(outboxCounter++).padStart(6, '0')}${Math.random().toString(16).slice(2, 10)}`,
      type: m.type ?? 'audience.entered',
      subject: m.subject,
      data: JSON.stringify(
        m.data ?? { audienceId: 'a-1', version: 1, memberId: m.subject, reason: 'event', explanation: { why: 'secret' } },
      ),
      created_at: createdAt,
    }));
    await app.tessera.storage.db.insertInto('outbox').values(rows).execute();
    return rows.map((r) => r.id);
  };
  const dispatcher = () => app.tessera.delivery.dispatcher;
  const deliveries = async (subscriptionId: string) =>
    (await ok('GET', `/v1/subscriptions/${subscriptionId}/deliveries`)).items as {
      id: string;
      messageId: string;
      subject: string;
      status: string;
      attempts: number;
      nextAttemptAt: string | null;
      lastError: string | null;
      lastStatus: number | null;
    }[];
  const ids = (requests: readonly Received[]) => requests.map((r) => r.headers['webhook-id']);

  it('delivers what the pipeline writes: audience.entered for a person consented under an MSISDN, nothing for one without', async () => {
    await consumer();
    const sub = await subscribe(receiver.url(), { eventTypes: ['audience.entered'], filters: { audienceIds: ['toppers'] } });
    await ok(
      'POST',
      '/v1/audiences',
      {
        id: 'toppers',
        name: 'Toppers',
        entity: 'person',
        rule: {
          combinator: 'and',
          rules: [
            { field: 'event', operator: 'performed', eventType: 'billing/topup', count: { op: 'atLeast', n: 2 }, window: { lastDays: 30 } },
          ],
        },
      },
      201,
    );
    const msisdn = (n: number) => `+7916555000${n}`;
    const at = (d: number) => new Date(Date.parse(T0) - d * 86_400_000).toISOString();
    await ok('POST', '/v1/consents', {
      events: [
        {
          eventId: 'msisdn-consent-1',
          subject: `msisdn:${msisdn(1)}`,
          purpose: 'marketing',
          channel: 'app',
          action: 'grant',
          legalBasis: 'fz152_consent',
          jurisdiction: 'RU',
          validFrom: '2026-01-01T00:00:00Z',
          source: { collectionPoint: 'shop', channel: 'app' },
          proof: { evidenceRef: 'SHOP-1' },
        },
      ],
    });
    const events = [1, 2].flatMap((n) =>
      [1, 2].map((d) => builtinEvent('billing', 'topup', at(d), { msisdn: msisdn(n) }, { topupId: `T-${n}-${d}` })),
    );
    const answer = await call('POST', '/v1/events', { events });
    expect(answer.body.quarantined, JSON.stringify(answer.body)).toBe(0);
    await app.tessera.services.pipeline.drain();
    const entered = await app.tessera.storage.db.selectFrom('outbox').selectAll().where('type', '=', 'audience.entered').execute();
    expect(entered).toHaveLength(2);

    await dispatcher().drain();
    const profileOf = async (n: number) =>
      (
        await app.tessera.storage.db
          .selectFrom('identity_nodes')
          .select('profile_id')
          .where('id_value', '=', msisdn(n))
          .executeTakeFirstOrThrow()
      ).profile_id;
    expect(receiver.received.map((r) => r.event.subject)).toEqual([await profileOf(1)]);
    expect(receiver.received[0]?.event).toMatchObject({
      type: 'tessera.audience.entered.v1',
      data: { audienceId: 'toppers', version: 1, reason: 'event' },
    });
    expect(WebhookReceiver.verify(sub.secret, receiver.received[0] as Received)).toBeTruthy();
    const state = await deliveries(sub.id);
    expect(state.map((d) => d.status).sort()).toEqual(['delivered', 'suppressed']);
    expect((await ok('GET', '/v1/disclosures?consumer=app')).items[0]).toMatchObject({
      subject: await profileOf(1),
      consentEvents: ['msisdn-consent-1'],
    });
  });

  it('is woken by a pipeline commit: what the batch wrote is sent without waiting for the poll', async () => {
    await app.close();
    // A poll far longer than the test: only the wake can send the message in time.
    app = await startTestApp(backend, { clock, env: { ...ENV, TESSERA_DELIVERY_POLL_MS: '60000' } });
    await consumer();
    await subscribe(receiver.url(), { eventTypes: ['audience.entered'], filters: { audienceIds: ['payers'] } });
    await ok(
      'POST',
      '/v1/audiences',
      {
        id: 'payers',
        name: 'Payers',
        entity: 'person',
        rule: {
          combinator: 'and',
          rules: [{ field: 'event', operator: 'performed', eventType: 'billing/topup', window: { lastDays: 30 } }],
        },
      },
      201,
    );
    const msisdn = '+79165550099';
    await ok('POST', '/v1/consents', {
      events: [
        {
          eventId: 'wake-consent',
          subject: `msisdn:${msisdn}`,
          purpose: 'marketing',
          channel: 'app',
          action: 'grant',
          legalBasis: 'fz152_consent',
          jurisdiction: 'RU',
          validFrom: '2026-01-01T00:00:00Z',
          source: { collectionPoint: 'shop', channel: 'app' },
          proof: { evidenceRef: 'SHOP-W' },
        },
      ],
    });
    dispatcher().start();
    // The first poll has found nothing; the dispatcher sleeps until the pipeline's commit wakes it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(0);
    const topup = builtinEvent('billing', 'topup', new Date(Date.parse(T0) - 86_400_000).toISOString(), { msisdn }, { topupId: 'T-W' });
    expect((await call('POST', '/v1/events', { events: [topup] })).body.quarantined).toBe(0);
    await app.tessera.services.pipeline.drain();
    await receiver.waitFor(1, 10_000);
    expect(receiver.received[0]?.event).toMatchObject({ type: 'tessera.audience.entered.v1', data: { audienceId: 'payers' } });
  });

  it('manages subscriptions: the secret is shown once, never again; drafts are checked against the consumer', async () => {
    await consumer();
    const created = await subscribe(receiver.url(), { filters: { audienceIds: ['a-1'] }, description: 'app pushes' });
    expect(created).toMatchObject({
      consumerId: 'app',
      transport: 'webhook',
      purpose: 'marketing',
      channel: 'app',
      status: 'active',
      revision: 1,
    });
    expect(created.secret).toMatch(/^whsec_/);
    const read = await ok('GET', `/v1/subscriptions/${created.id}`);
    expect(JSON.stringify(read)).not.toContain(created.secret);
    expect(JSON.stringify(await ok('GET', '/v1/subscriptions'))).not.toContain('whsec_');
    expect((await ok('GET', '/v1/subscriptions?consumerId=app')).items).toHaveLength(1);

    const changed = await ok('PUT', `/v1/subscriptions/${created.id}`, {
      eventTypes: ['score.changed'],
      transport: 'webhook',
      url: receiver.url('/v2'),
    });
    expect(changed).toMatchObject({ eventTypes: ['score.changed'], url: receiver.url('/v2'), revision: 2 });

    const bad = await call('POST', '/v1/subscriptions', { consumerId: 'app', eventTypes: ['nope'], transport: 'nats', purpose: 'service' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { code: string }) => d.code)).toEqual([
      'UNKNOWN_EVENT_TYPE',
      'TRANSPORT_NOT_AVAILABLE',
      'PURPOSE_NOT_REGISTERED',
    ]);
    expect(
      (
        await call('POST', '/v1/subscriptions', {
          consumerId: 'ghost',
          eventTypes: ['score.changed'],
          transport: 'webhook',
          url: receiver.url(),
        })
      ).body.error.details[0].code,
    ).toBe('UNKNOWN_CONSUMER');

    const deleted = await ok('DELETE', `/v1/subscriptions/${created.id}`);
    expect(deleted.status).toBe('deleted');
    expect((await call('GET', `/v1/subscriptions/${created.id}`)).status).toBe(404);
  });

  it('delivers signed CloudEvents at least once: retries on the schedule, the same webhook-id, in order per subject', async () => {
    await consumer();
    const sub = await subscribe(receiver.url());
    await grant('p-1');
    await grant('p-2');
    const [m1, m2, m3] = await outbox([{ subject: 'p-1' }, { subject: 'p-1', type: 'audience.exited' }, { subject: 'p-2' }]);
    let failing = true;
    receiver.behaviour = () => ({ status: failing ? 500 : 204 });

    expect(await dispatcher().runOnce()).toMatchObject({ attempted: 2, delivered: 0 });
    // Only each subject's head went out: m2 waits behind m1.
    expect(ids(receiver.received).sort()).toEqual([m1, m3].sort());
    let state = await deliveries(sub.id);
    const first = state.find((d) => d.messageId === m1);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500, lastError: 'HTTP 500' });
    const wait = Date.parse(first?.nextAttemptAt ?? '') - Date.parse(T0);
    expect(wait).toBeGreaterThanOrEqual(FIRST_DELAY * 0.9);
    expect(wait).toBeLessThanOrEqual(FIRST_DELAY * 1.1);

    // Not due yet: nothing is sent.
    clock.advance(4_000);
    expect(await dispatcher().runOnce()).toMatchObject({ attempted: 0 });
    expect(receiver.received).toHaveLength(2);
    // Second attempt fails again: the next one waits about 5 minutes.
    clock.advance(1_600);
    expect(await dispatcher().runOnce()).toMatchObject({ attempted: 2 });
    state = await deliveries(sub.id);
    const second = state.find((d) => d.messageId === m1);
    expect(second).toMatchObject({ attempts: 2 });
    const wait2 = Date.parse(second?.nextAttemptAt ?? '') - clock.now().getTime();
    expect(wait2).toBeGreaterThanOrEqual(SECOND_DELAY * 0.9);
    expect(wait2).toBeLessThanOrEqual(SECOND_DELAY * 1.1);

    failing = false;
    clock.advance(SECOND_DELAY * 1.1);
    await dispatcher().drain();
    state = await deliveries(sub.id);
    expect(state.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);

    // Every attempt at m1 carried m1's id; p-1's messages arrived in order (m2 only after m1 succeeded).
    const forP1 = receiver.received.filter((r) => r.event.subject === 'p-1');
    expect(ids(forP1)).toEqual([m1, m1, m1, m2]);
    for (const r of receiver.received) {
      expect(WebhookReceiver.verify(sub.secret, r)).toMatchObject({ specversion: '1.0', id: r.headers['webhook-id'] });
      expect(r.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    }
    const event = forP1.at(-1)?.event;
    expect(event).toMatchObject({
      specversion: '1.0',
      id: m2,
      source: '/tessera',
      type: 'tessera.audience.exited.v1',
      subject: 'p-1',
      time: T0,
      datacontenttype: 'application/json',
      data: { audienceId: 'a-1', memberId: 'p-1' },
    });
    expect(event?.data).not.toHaveProperty('explanation');

    // What was delivered is in the disclosure log, citing the consent it rested on.
    const disclosures = (await ok('GET', '/v1/disclosures?consumer=app')).items;
    expect(disclosures).toHaveLength(3);
    expect(disclosures[0]).toMatchObject({
      exit: 'delivery',
      purpose: 'marketing',
      channel: 'app',
      redacted: ['audience.entered:explanation'],
    });
    expect(disclosures[0].consentEvents[0]).toMatch(/^consent-p-/);
  });

  it('sends nothing about a subject without consent, and stops when consent is withdrawn before a retry', async () => {
    await consumer();
    const sub = await subscribe(receiver.url());
    await grant('p-1');
    const [withConsent, without] = await outbox([{ subject: 'p-1' }, { subject: 'p-2' }]);
    await dispatcher().drain();
    expect(ids(receiver.received)).toEqual([withConsent]);
    const state = await deliveries(sub.id);
    expect(state.find((d) => d.messageId === without)).toMatchObject({
      status: 'suppressed',
      attempts: 0,
      lastError: 'policy: delivery:no-consent',
    });
    expect((await ok('GET', '/v1/disclosures?subject=p-2')).items).toEqual([]);

    receiver.behaviour = () => ({ status: 500 });
    const [later] = await outbox([{ subject: 'p-1' }]);
    await dispatcher().drain();
    expect(receiver.received).toHaveLength(2);
    clock.advance(1_000);
    await grant('p-1', 'withdraw');
    clock.advance(10_000);
    await dispatcher().drain();
    expect(receiver.received).toHaveLength(2);
    expect((await deliveries(sub.id)).find((d) => d.messageId === later)).toMatchObject({ status: 'suppressed', attempts: 1 });
  });

  it('sends a remove operation to the consumer it names although the subject no longer consents, and to no other', async () => {
    await consumer();
    const sub = await subscribe(receiver.url(), { eventTypes: ['consent.changed'] });
    const remove = (consumers: string[]) => ({
      subject: 'p-9',
      type: 'consent.changed',
      data: { remove: true, action: 'withdraw', purpose: 'marketing', consumers, lostAt: clock.now().toISOString() },
    });
    const [forApp, forOther] = await outbox([remove(['app']), remove(['ads'])]);
    await dispatcher().drain();
    expect(ids(receiver.received)).toEqual([forApp]);
    expect(JSON.parse(receiver.received[0]?.body ?? '{}')).toMatchObject({
      type: expect.stringContaining('consent.changed'),
      data: { remove: true },
    });
    expect((await deliveries(sub.id)).find((d) => d.messageId === forOther)).toMatchObject({
      status: 'suppressed',
      lastError: 'remove operation for other consumers',
    });
  });

  it('honours Retry-After on 429 and 503, retries a timeout, and disables the endpoint on 410', async () => {
    await consumer();
    const sub = await subscribe(receiver.url('/busy'));
    await grant('p-1');
    await grant('p-2');
    const [busy, slow] = await outbox([{ subject: 'p-1' }, { subject: 'p-2' }]);
    receiver.behaviour = (r) =>
      r.event.subject === 'p-1' ? { status: 429, headers: { 'retry-after': '120' } } : { status: 204, delayMs: 1_000 };
    await dispatcher().runOnce();
    let state = await deliveries(sub.id);
    expect(state.find((d) => d.messageId === busy)).toMatchObject({
      status: 'pending',
      lastStatus: 429,
      nextAttemptAt: new Date(Date.parse(T0) + 120_000).toISOString(),
    });
    expect(state.find((d) => d.messageId === slow)).toMatchObject({
      status: 'pending',
      lastStatus: null,
      lastError: 'timed out after 300 ms',
    });

    receiver.behaviour = (r) => (r.event.subject === 'p-2' ? { status: 503, headers: { 'retry-after': '30' } } : { status: 204 });
    clock.advance(6_000);
    await dispatcher().runOnce();
    state = await deliveries(sub.id);
    expect(state.find((d) => d.messageId === slow)).toMatchObject({
      lastStatus: 503,
      nextAttemptAt: new Date(clock.now().getTime() + 30_000).toISOString(),
    });
    expect(state.find((d) => d.messageId === busy)).toMatchObject({ status: 'pending', attempts: 1 });

    // 410 Gone: the subscription is disabled and its waiting deliveries become dead letters.
    receiver.behaviour = () => ({ status: 410 });
    clock.advance(200_000);
    await dispatcher().runOnce();
    expect(await ok('GET', `/v1/subscriptions/${sub.id}`)).toMatchObject({
      status: 'disabled',
      statusReason: expect.stringMatching(/410/),
    });
    state = await deliveries(sub.id);
    expect(state.map((d) => d.status)).toEqual(['dead', 'dead']);
    // While disabled, new messages become dead letters at once: nothing is sent.
    const sent = receiver.received.length;
    const [meanwhile] = await outbox([{ subject: 'p-1' }]);
    await dispatcher().drain();
    expect(receiver.received).toHaveLength(sent);
    expect((await deliveries(sub.id)).find((d) => d.messageId === meanwhile)).toMatchObject({ status: 'dead', attempts: 0 });

    // Enabled again, the dead letters are replayed under their original ids, in order per subject.
    receiver.behaviour = () => ({ status: 200 });
    await ok('PUT', `/v1/subscriptions/${sub.id}`, {
      eventTypes: ['audience.entered'],
      transport: 'webhook',
      url: receiver.url('/busy'),
      status: 'active',
    });
    expect(await ok('POST', `/v1/subscriptions/${sub.id}/replay`, { since: T0 })).toEqual({ replayed: 3 });
    await dispatcher().drain();
    const replayed = receiver.received.slice(sent);
    expect(ids(replayed).sort()).toEqual([busy, slow, meanwhile].sort());
    expect(ids(replayed.filter((r) => r.event.subject === 'p-1'))).toEqual([busy, meanwhile]);
  });

  it('makes a dead letter after the last attempt; replays one message with its original id', async () => {
    await consumer();
    const sub = await subscribe(receiver.url());
    await grant('p-1');
    const [m] = await outbox([{ subject: 'p-1' }]);
    receiver.behaviour = () => ({ status: 500 });
    await dispatcher().runOnce();
    for (const delay of RETRY_DELAYS_MS) {
      clock.advance(delay * 1.1 + 1);
      expect(await dispatcher().runOnce()).toMatchObject({ attempted: 1 });
    }
    expect(receiver.received).toHaveLength(8);
    const [dead] = await deliveries(sub.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 8, lastError: 'HTTP 500 (attempt 8, the last)' });
    clock.advance(36_000_000);
    await dispatcher().runOnce();
    expect(receiver.received).toHaveLength(8);

    receiver.behaviour = () => ({ status: 204 });
    expect(await ok('POST', `/v1/subscriptions/${sub.id}/deliveries/${m}/replay`)).toMatchObject({ status: 'pending', attempts: 0 });
    await dispatcher().drain();
    expect(await ok('GET', `/v1/subscriptions/${sub.id}/deliveries/${dead?.id}`)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(new Set(ids(receiver.received))).toEqual(new Set([m]));
    expect(WebhookReceiver.verify(sub.secret, receiver.received.at(-1) as Received)).toBeTruthy();
  });

  it('signs with both secrets during a rotation', async () => {
    await consumer();
    const sub = await subscribe(receiver.url());
    await grant('p-1');
    const rotated = await ok('POST', `/v1/subscriptions/${sub.id}/rotate-secret?graceSeconds=3600`);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(sub.secret);
    expect(rotated.secrets).toHaveLength(2);
    await outbox([{ subject: 'p-1' }]);
    await dispatcher().drain();
    const [r] = receiver.received;
    expect(r?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(WebhookReceiver.verify(sub.secret, r as Received)).toBeTruthy();
    expect(WebhookReceiver.verify(rotated.secret, r as Received)).toBeTruthy();
    clock.advance(3_600_000);
    await outbox([{ subject: 'p-1' }]);
    await dispatcher().drain();
    const last = receiver.received.at(-1) as Received;
    expect(last.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(() => WebhookReceiver.verify(sub.secret, last)).toThrow();
    expect(WebhookReceiver.verify(rotated.secret, last)).toBeTruthy();
  });

  it('follows the outbox by its own cursor: a row committed late is delivered, none twice', async () => {
    await consumer();
    const sub = await subscribe(receiver.url());
    await grant('p-1');
    clock.advance(10_000);
    const [now] = await outbox([{ subject: 'p-1' }]);
    await dispatcher().drain();
    // A transaction that began 5 s ago commits now: its rows sort before the cursor.
    const [late] = await outbox(
      [{ subject: 'p-1', type: 'score.changed', data: { profileId: 'p-1', scores: { churn: 0.3 }, previous: null, reasons: ['band'] } }],
      new Date(clock.now().getTime() - 5_000).toISOString(),
    );
    await dispatcher().drain();
    await dispatcher().drain();
    expect(ids(receiver.received)).toEqual([now, late]);
    expect((await deliveries(sub.id)).map((d) => d.status)).toEqual(['delivered', 'delivered']);
  });

  it('loses nothing when the app restarts mid-delivery: the message goes again under the same id', async () => {
    await consumer();
    const sub = await subscribe(receiver.url());
    await grant('p-1');
    const [m1, m2] = await outbox([{ subject: 'p-1' }, { subject: 'p-1' }]);
    receiver.behaviour = () => ({ hang: true, status: 0 });
    const inFlight = dispatcher()
      .runOnce()
      .catch((err: unknown) => err);
    await receiver.waitFor(1);
    // The store closes under the attempt, as a kill would end it: its result is never written.
    app = await app.restart();
    await inFlight;
    receiver.behaviour = () => ({ status: 204 });
    await app.tessera.delivery.dispatcher.drain();
    expect(ids(receiver.received)).toEqual([m1, m1, m2]);
    const state = await deliveries(sub.id);
    expect(state.map((d) => [d.messageId, d.status])).toEqual([
      [m1, 'delivered'],
      [m2, 'delivered'],
    ]);
  });

  it('keeps a slow endpoint from holding up another, with its backlog visible in the metrics', async () => {
    await consumer();
    const slowReceiver = await WebhookReceiver.start();
    try {
      slowReceiver.behaviour = () => ({ hang: true, status: 0 });
      const slow = await subscribe(slowReceiver.url());
      const fast = await subscribe(receiver.url());
      const subjects = Array.from({ length: 20 }, (_, i) => `p-${i}`);
      for (const s of subjects) await grant(s);
      await outbox(subjects.map((subject) => ({ subject })));
      dispatcher().start();
      await receiver.waitFor(20, 5_000);
      await slowReceiver.waitFor(8, 5_000);
      for (let i = 0; i < 200 && (await deliveries(fast.id)).some((d) => d.status !== 'delivered'); i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await deliveries(fast.id)).every((d) => d.status === 'delivered')).toBe(true);
      // The slow endpoint has its concurrency (8) in flight, the rest waits; the fast one is done.
      expect(slowReceiver.received).toHaveLength(8);
      const metrics = await app.tessera.http.inject({ method: 'GET', url: '/metrics', headers: bearer() });
      expect(metrics.body).toContain(`tessera_delivery_pending{subscription="${slow.id}"} 20`);
      expect(metrics.body).not.toContain(`tessera_delivery_pending{subscription="${fast.id}"}`);
      expect(metrics.body).toMatch(new RegExp(`tessera_delivery_in_flight\\{subscription="${slow.id}"\\} 8`));
      slowReceiver.release(204);
      await dispatcher().stop();
    } finally {
      await slowReceiver.close();
    }
  });
});

describeEachBackend('delivery targets (SSRF)', (backend) => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    app = await startTestApp(backend, { clock: new ManualClock(T0) });
    receiver = await WebhookReceiver.start();
    await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/consumers',
      headers: bearer(),
      payload: { id: 'app', name: 'App', kind: 'app', purposes: ['marketing'], channels: ['app'] },
    });
  });
  afterEach(async () => {
    await receiver.close();
    await app.close();
  });

  it('refuses loopback, private, link-local and metadata targets, by address or by name', async () => {
    for (const url of [
      receiver.url(),
      `http://localhost:${receiver.port}/hook`,
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://2130706433/',
      'http://10.0.0.1/',
      'http://192.168.1.1/',
      'file:///etc/passwd',
    ]) {
      const answer = await app.tessera.http.inject({
        method: 'POST',
        url: '/v1/subscriptions',
        headers: bearer(),
        payload: { consumerId: 'app', eventTypes: ['score.changed'], transport: 'webhook', url },
      });
      expect(answer.statusCode, url).toBe(400);
      expect(answer.json().error.details[0].code, url).toMatch(/^(PRIVATE_TARGET|UNSUPPORTED_SCHEME)$/);
    }
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses at connection time a name that resolves to a private address, and never follows a redirect', async () => {
    const guarded = httpWebhookTransport({ allowPrivate: false, userAgent: 'test', maxSockets: 1, resolve: async () => ['127.0.0.1'] });
    const headers = { 'webhook-id': 'x', 'webhook-timestamp': '0', 'webhook-signature': 'v1,x' };
    expect(await guarded({ url: `http://rebound.example.com:${receiver.port}/`, headers, body: '{}', timeoutMs: 1_000 })).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/target refused/),
    });
    expect(await guarded({ url: receiver.url(), headers, body: '{}', timeoutMs: 1_000 })).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/target refused: 127.0.0.1/),
    });
    expect(receiver.received).toHaveLength(0);

    const open = httpWebhookTransport({ allowPrivate: true, userAgent: 'test', maxSockets: 1 });
    receiver.behaviour = () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    expect(await open({ url: receiver.url(), headers, body: '{}', timeoutMs: 1_000 })).toEqual({
      kind: 'response',
      status: 302,
      retryAfter: undefined,
    });
    expect(receiver.received).toHaveLength(1);
  });
});
