import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { basic, bearer, startTestApp, type TestApp } from './test-app.js';

const payment = (eventId: string, overrides: Record<string, unknown> = {}) => ({
  source: 'billing',
  type: 'payment',
  eventId,
  occurredAt: '2026-11-20T10:00:00+03:00',
  identifiers: { msisdn: '+79161234567', accountId: 'A-1' },
  properties: {
    paymentId: `P-${eventId}`,
    totalAmount: { value: 500, unit: 'RUB' },
    paymentMethod: 'bankCard',
    paymentDate: '2026-11-20T10:00:00+03:00',
  },
  ...overrides,
});

describeEachBackend('ingestion', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(backend);
  });
  afterEach(async () => {
    await app.close();
  });

  const post = (events: unknown[], headers: Record<string, string> = bearer()) =>
    app.tessera.http.inject({ method: 'POST', url: '/v1/events', headers, payload: { events } });

  it('answers accepted, duplicate and quarantined with typed reasons in one batch', async () => {
    await app.tessera.services.blocked.add('msisdn', '+79990001122', 'known fraud number');
    const first = await post([payment('e-1')]);
    expect(first.statusCode).toBe(200);
    expect(first.json().results[0]).toMatchObject({ status: 'accepted', eventId: 'e-1' });

    const response = await post([
      payment('e-2'),
      payment('e-1'),
      payment('e-3', {
        properties: {
          paymentId: 'P-3',
          totalAmount: { value: 'lots', unit: 'RUB' },
          paymentMethod: 'bankCard',
          paymentDate: '2026-11-20T10:00:00Z',
        },
      }),
      payment('e-4', { identifiers: { msisdn: '8 (999) 000-11-22' } }),
    ]);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ accepted: 1, duplicate: 1, quarantined: 2 });
    expect(body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'duplicate', 'quarantined', 'quarantined']);
    expect(body.results[2].reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'SCHEMA_VIOLATION', path: '/properties/totalAmount/value', keyword: 'type' }),
      ]),
    );
    expect(body.results[3].reasons).toEqual([expect.objectContaining({ code: 'BLOCKED_IDENTIFIER', path: '/identifiers/msisdn' })]);
    expect(body.results[3].quarantineId).toEqual(expect.any(String));

    const stored = await app.tessera.http.inject({
      method: 'GET',
      url: '/v1/quarantine?source=billing&reason=BLOCKED_IDENTIFIER',
      headers: bearer(),
    });
    expect(stored.json().items).toHaveLength(1);
    expect(JSON.parse(stored.json().items[0].raw)).toMatchObject({ eventId: 'e-4' });
  });

  it('keeps idempotency across a restart', async () => {
    expect((await post([payment('r-1')])).json().accepted).toBe(1);
    app = await app.restart();
    const again = await post([payment('r-1'), payment('r-2')]);
    expect(again.json().results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'accepted']);
    const { events } = await app.tessera.storage.db
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll<number>().as('events'))
      .where('event_id', '=', 'r-1')
      .executeTakeFirstOrThrow();
    expect(Number(events)).toBe(1);
  });

  it('normalises identifiers and keeps the raw value', async () => {
    const result = await post([payment('n-1', { identifiers: { msisdn: '8 (916) 123-45-67', email: '  Ivan.Petrov@Example.COM ' } })]);
    expect(result.json().accepted).toBe(1);
    const event = await app.tessera.http.inject({ method: 'GET', url: '/v1/events/billing/n-1', headers: bearer() });
    expect(event.json().payload.identifiers).toMatchObject({ msisdn: '+79161234567', email: 'ivan.petrov@example.com' });
    expect(event.json().payload.rawIdentifiers).toMatchObject({ msisdn: '8 (916) 123-45-67' });
  });

  it('drops placeholder identifiers with a warning, and quarantines an event left with none', async () => {
    const response = await post([
      payment('p-1', { identifiers: { msisdn: '+79161234567', email: 'test@test.com' } }),
      payment('p-2', { identifiers: { msisdn: '+70000000000', email: 'null' } }),
    ]);
    const [kept, refused] = response.json().results;
    expect(kept).toMatchObject({
      status: 'accepted',
      warnings: [expect.objectContaining({ code: 'PLACEHOLDER_IDENTIFIER', path: '/identifiers/email' })],
    });
    expect(refused.status).toBe('quarantined');
    expect(refused.reasons.map((r: { code: string }) => r.code)).toEqual([
      'NO_IDENTIFIER',
      'PLACEHOLDER_IDENTIFIER',
      'PLACEHOLDER_IDENTIFIER',
    ]);
    const event = await app.tessera.http.inject({ method: 'GET', url: '/v1/events/billing/p-1', headers: bearer() });
    expect(event.json().payload.identifiers).toEqual({ msisdn: '+79161234567' });
  });

  it('quarantines unknown sources, unknown types and broken envelopes with their reasons', async () => {
    const response = await post([
      payment('u-1', { source: 'nowhere' }),
      payment('u-2', { type: 'no_such_type' }),
      { source: 'billing', type: 'payment', occurredAt: 'yesterday' },
      'not an object',
    ]);
    const codes = response.json().results.map((r: { reasons: { code: string }[] }) => r.reasons.map((x) => x.code));
    expect(codes[0]).toEqual(['UNKNOWN_SOURCE']);
    expect(codes[1]).toEqual(['UNKNOWN_EVENT_TYPE']);
    expect(codes[2]).toEqual(['INVALID_ENVELOPE', 'INVALID_ENVELOPE']);
    expect(codes[3]).toEqual(['INVALID_ENVELOPE']);
  });

  it('answers bad requests with typed errors and stays up', async () => {
    const http = app.tessera.http;
    const malformed = await http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...bearer(), 'content-type': 'application/json' },
      payload: '{"events": [ {"source": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('MALFORMED_JSON');
    const quarantineId = malformed.json().error.details[0].quarantineId as string;
    const kept = await http.inject({ method: 'GET', url: `/v1/quarantine/${quarantineId}`, headers: bearer() });
    expect(kept.json()).toMatchObject({ raw: '{"events": [ {"source": ', reasons: [expect.objectContaining({ code: 'MALFORMED_JSON' })] });

    const huge = await http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...bearer(), 'content-type': 'application/json' },
      payload: JSON.stringify({ events: [{ pad: 'x'.repeat(6 * 1024 * 1024) }] }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('PAYLOAD_TOO_LARGE');

    const many = await post(Array.from({ length: 1001 }, (_, i) => payment(`m-${i}`)));
    expect(many.statusCode).toBe(413);
    expect(many.json().error.code).toBe('BATCH_TOO_LARGE');

    const noKey = await post([payment('k-1')], {});
    expect(noKey.statusCode).toBe(401);
    expect(noKey.json().error.code).toBe('UNAUTHENTICATED');
    expect(noKey.headers['www-authenticate']).toContain('Bearer');

    const wrongKey = await post([payment('k-2')], bearer('tsk_not-a-real-key'));
    expect(wrongKey.statusCode).toBe(401);

    const wrongShape = await http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events: 'nope' } });
    expect(wrongShape.statusCode).toBe(400);
    expect(wrongShape.json().error.code).toBe('VALIDATION_FAILED');

    const health = await http.inject({ method: 'GET', url: '/health' });
    expect(health.json()).toMatchObject({ status: 'ok' });
  });

  it('enforces scopes and write keys', async () => {
    const http = app.tessera.http;
    const reader = await app.tessera.services.apiKeys.create('reader', ['sources:read']);
    const forbidden = await post([payment('s-1')], bearer(reader.key));
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('FORBIDDEN');

    const crmKey = await app.tessera.services.registry.rotateWriteKey('crm');
    const billingKey = await app.tessera.services.registry.rotateWriteKey('billing');
    const mismatch = await post([payment('s-2')], basic(crmKey));
    expect(mismatch.statusCode).toBe(403);
    expect(mismatch.json().error.code).toBe('WRITE_KEY_SOURCE_MISMATCH');

    const own = await post([{ ...payment('s-3'), source: undefined }], basic(billingKey));
    expect(own.json().results[0]).toMatchObject({ status: 'accepted' });

    const writeKeyElsewhere = await http.inject({ method: 'GET', url: '/v1/sources', headers: basic(billingKey) });
    expect(writeKeyElsewhere.statusCode).toBe(403);
    const unknownWriteKey = await http.inject({
      method: 'POST',
      url: '/v1/track',
      headers: basic('wk_unknown'),
      payload: { event: 'x', userId: 'u' },
    });
    expect(unknownWriteKey.statusCode).toBe(401);
  });

  it('counts outcomes per source and records contract drift', async () => {
    const drifting = payment('d-1', {
      properties: {
        paymentId: 'P-d1',
        totalAmount: { value: 10, unit: 'RUB' },
        paymentMethod: 'bankCard',
        paymentDate: '2026-11-20T10:00:00Z',
        loyaltyPoints: 12,
      },
    });
    await post([payment('c-1'), payment('c-1'), drifting]);
    const stats = await app.tessera.http.inject({ method: 'GET', url: '/v1/sources/billing/stats', headers: bearer() });
    expect(stats.json().totals).toEqual({ accepted: 1, duplicate: 1, quarantined: 1 });
    expect(stats.json().quarantinedByReason).toEqual({ SCHEMA_VIOLATION: 1 });
    expect(stats.json().drift).toEqual([
      expect.objectContaining({ type: 'payment', path: '/loyaltyPoints', kind: 'undeclared_field', count: 1 }),
    ]);
    const source = await app.tessera.http.inject({ method: 'GET', url: '/v1/sources/billing', headers: bearer() });
    expect(source.json().freshness.status).toBe('fresh');
  });
});
