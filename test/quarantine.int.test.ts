import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { basic, bearer, startTestApp, type TestApp } from './test-app.js';

const schema = (extra: Record<string, unknown> = {}) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: { msisdn: { type: 'string' }, points: { type: 'integer', minimum: 0 }, ...extra },
  required: ['msisdn', 'points'],
});
const contract = (extra: Record<string, unknown> = {}) => ({
  type: 'points_earned',
  schema: schema(extra),
  identifierMappings: { msisdn: 'msisdn' },
  classifications: {
    msisdn: 'identifier',
    points: 'behavioural',
    ...Object.fromEntries(Object.keys(extra).map((k) => [k, 'behavioural'])),
  },
});
const earned = (eventId: string, properties: Record<string, unknown>) => ({
  source: 'loyalty',
  type: 'points_earned',
  eventId,
  occurredAt: '2026-11-01T12:00:00Z',
  properties: { msisdn: '+79161234567', points: 10, ...properties },
});

describeEachBackend('quarantine and replay', (backend) => {
  let app: TestApp;
  let writeKey: string;
  beforeEach(async () => {
    app = await startTestApp(backend);
    const created = await call('POST', '/v1/sources', {
      id: 'loyalty',
      name: 'Loyalty',
      owner: 'Steward',
      freshnessSlaSeconds: 60,
      eventTypes: [contract()],
    });
    expect(created.statusCode).toBe(201);
    writeKey = created.json().writeKey as string;
  });
  afterEach(async () => {
    await app.close();
  });
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    app.tessera.http.inject({ method, url, headers: bearer(), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const logged = async (eventId: string): Promise<number> => {
    const row = await app.tessera.storage.db
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source_id', '=', 'loyalty')
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  it('replays quarantined events after a contract fix exactly once, even when the replay runs twice', async () => {
    const sent = await call('POST', '/v1/events', {
      events: [earned('q-1', { campaign: 'winter' }), earned('q-2', { campaign: 'spring' }), earned('q-3', {})],
    });
    expect(sent.json()).toMatchObject({ accepted: 1, quarantined: 2 });
    // The same broken event sent again is one entry seen twice, not two entries.
    await call('POST', '/v1/events', { events: [earned('q-1', { campaign: 'winter' })] });
    const open = (await call('GET', '/v1/quarantine?source=loyalty&status=open')).json().items;
    expect(open).toHaveLength(2);
    expect(open.find((e: { eventId: string }) => e.eventId === 'q-1')).toMatchObject({
      count: 2,
      reasons: [expect.objectContaining({ code: 'SCHEMA_VIOLATION', path: '/properties/campaign' })],
    });

    const tooEarly = (await call('POST', '/v1/quarantine/replay', { source: 'loyalty' })).json();
    expect(tooEarly).toMatchObject({ selected: 2, accepted: 0, stillQuarantined: 2 });

    expect((await call('POST', '/v1/sources/loyalty/schemas', contract({ campaign: { type: 'string' } }))).json()).toMatchObject({
      version: 2,
      created: true,
    });

    const pinned = (await call('POST', '/v1/quarantine/replay', { source: 'loyalty', schemaVersion: 1 })).json();
    expect(pinned).toMatchObject({ accepted: 0, stillQuarantined: 2 });

    const first = (await call('POST', '/v1/quarantine/replay', { source: 'loyalty', reason: 'SCHEMA_VIOLATION' })).json();
    expect(first).toMatchObject({ selected: 2, accepted: 2, duplicate: 0 });
    const second = (await call('POST', '/v1/quarantine/replay', { source: 'loyalty' })).json();
    expect(second).toMatchObject({ selected: 0, accepted: 0 });
    const byId = (
      await call('POST', '/v1/quarantine/replay', { ids: first.items.map((i: { quarantineId: string }) => i.quarantineId) })
    ).json();
    expect(byId).toMatchObject({ selected: 2, accepted: 0, duplicate: 2 });

    expect(await logged('q-1')).toBe(1);
    expect(await logged('q-2')).toBe(1);
    const entry = (await call('GET', `/v1/quarantine/${first.items[0].quarantineId}`)).json();
    expect(entry).toMatchObject({ status: 'replayed', replayAttempts: 4 });
    const event = (await call('GET', '/v1/events/loyalty/q-1')).json();
    expect(event).toMatchObject({ schemaVersion: 2, payload: { channel: 'replay', properties: { campaign: 'winter' } } });
  });

  it('fixes and replays one event with a corrected body', async () => {
    const sent = (await call('POST', '/v1/events', { events: [earned('f-1', { points: -5 })] })).json();
    const id = sent.results[0].quarantineId as string;
    const stillBad = (await call('POST', `/v1/quarantine/${id}/replay`, {})).json();
    expect(stillBad.items[0]).toMatchObject({ status: 'quarantined', reasons: [expect.objectContaining({ path: '/properties/points' })] });
    const fixed = (await call('POST', `/v1/quarantine/${id}/replay`, { event: earned('f-1', { points: 5 }) })).json();
    expect(fixed).toMatchObject({ accepted: 1, items: [{ quarantineId: id, status: 'accepted' }] });
    expect(await logged('f-1')).toBe(1);
    expect((await call('GET', '/v1/quarantine?status=open&source=loyalty')).json().items).toHaveLength(0);
  });

  it('keeps a malformed body and replays it once corrected', async () => {
    const bad = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...bearer(), 'content-type': 'application/json' },
      payload: '{"events":[{"source":"loyalty",',
    });
    const id = bad.json().error.details[0].quarantineId as string;
    const asIs = (await call('POST', `/v1/quarantine/${id}/replay`, {})).json();
    expect(asIs.items[0]).toMatchObject({ status: 'quarantined', reasons: [expect.objectContaining({ code: 'MALFORMED_JSON' })] });
    const list = (await call('GET', '/v1/quarantine?reason=MALFORMED_JSON')).json().items;
    expect(list.map((e: { id: string }) => e.id)).toContain(id);
    const fixed = (await call('POST', `/v1/quarantine/${id}/replay`, { event: earned('m-1', {}) })).json();
    expect(fixed.accepted).toBe(1);
  });

  it('refuses a correction that changes the eventId or the source, and keeps the entry open', async () => {
    const sent = (await call('POST', '/v1/events', { events: [earned('k-1', { points: -1 })] })).json();
    const id = sent.results[0].quarantineId as string;
    const renamed = await call('POST', `/v1/quarantine/${id}/replay`, { event: earned('k-2', { points: 1 }) });
    expect(renamed.statusCode).toBe(400);
    expect(renamed.json().error).toMatchObject({ code: 'BAD_REQUEST', details: [{ path: '/event/eventId', code: 'EVENT_ID_CHANGED' }] });
    const moved = await call('POST', `/v1/quarantine/${id}/replay`, { event: { ...earned('k-1', { points: 1 }), source: 'billing' } });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().error.details).toEqual([expect.objectContaining({ path: '/event/source', code: 'SOURCE_CHANGED' })]);
    expect(await logged('k-1')).toBe(0);
    expect(await logged('k-2')).toBe(0);
    expect((await call('GET', `/v1/quarantine/${id}`)).json()).toMatchObject({ status: 'open', replayAttempts: 0 });
  });

  it('keeps the stored body and the last correction when the correction is still refused', async () => {
    const original = earned('c-1', { points: -3 });
    const sent = (await call('POST', '/v1/events', { events: [original] })).json();
    const id = sent.results[0].quarantineId as string;
    const attempt = earned('c-1', { points: 'seven' });
    const refused = (await call('POST', `/v1/quarantine/${id}/replay`, { event: attempt })).json();
    expect(refused.items[0]).toMatchObject({ status: 'quarantined', reasons: [expect.objectContaining({ path: '/properties/points' })] });
    const entry = (await call('GET', `/v1/quarantine/${id}`)).json();
    expect(JSON.parse(entry.raw)).toEqual(original);
    expect(entry).toMatchObject({
      status: 'open',
      replayAttempts: 1,
      lastReplayResult: { status: 'quarantined', correctedEvent: attempt },
    });
    // The entry's reasons still describe the body as received; the correction's are with the correction.
    expect(entry.reasons).toEqual([expect.objectContaining({ path: '/properties/points', keyword: 'minimum' })]);
    expect(entry.lastReplayResult.reasons).toEqual([expect.objectContaining({ path: '/properties/points', keyword: 'type' })]);
    expect(await logged('c-1')).toBe(0);
  });

  it('lets a correction name the right source when the source was the reason', async () => {
    const sent = (await call('POST', '/v1/events', { events: [{ ...earned('u-1', {}), source: 'loyalty-typo' }] })).json();
    const id = sent.results[0].quarantineId as string;
    expect(sent.results[0].reasons).toEqual([expect.objectContaining({ code: 'UNKNOWN_SOURCE' })]);
    const fixed = (await call('POST', `/v1/quarantine/${id}/replay`, { event: earned('u-1', {}) })).json();
    expect(fixed).toMatchObject({ accepted: 1 });
    expect(await logged('u-1')).toBe(1);
  });

  it("replays an event sent with the source's write key and no source, under that source", async () => {
    const { source: _omitted, ...withoutSource } = earned('w-1', { campaign: 'autumn' });
    const sent = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: basic(writeKey),
      payload: { events: [withoutSource] },
    });
    expect(sent.json()).toMatchObject({ quarantined: 1 });
    const id = sent.json().results[0].quarantineId as string;
    expect((await call('GET', `/v1/quarantine/${id}`)).json()).toMatchObject({ sourceId: 'loyalty', eventId: 'w-1' });
    await call('POST', '/v1/sources/loyalty/schemas', contract({ campaign: { type: 'string' } }));
    expect((await call('POST', '/v1/quarantine/replay', { ids: [id] })).json()).toMatchObject({ accepted: 1 });
    expect(await logged('w-1')).toBe(1);
    // A correction may omit the source too: the write key's source stands.
    const second = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: basic(writeKey),
      payload: { events: [{ ...withoutSource, eventId: 'w-2', properties: { msisdn: '+79161234567', points: -1 } }] },
    });
    const secondId = second.json().results[0].quarantineId as string;
    const corrected = { ...withoutSource, eventId: 'w-2', properties: { msisdn: '+79161234567', points: 1 } };
    expect((await call('POST', `/v1/quarantine/${secondId}/replay`, { event: corrected })).json()).toMatchObject({ accepted: 1 });
    expect(await logged('w-2')).toBe(1);
  });

  it('answers unknown entries with 404', async () => {
    expect((await call('POST', '/v1/quarantine/replay', { ids: ['nope'] })).statusCode).toBe(404);
    expect((await call('GET', '/v1/quarantine/nope')).statusCode).toBe(404);
  });
});
