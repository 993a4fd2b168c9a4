import { once } from 'node:events';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { bucketBounds, bucketOf } from '../src/operations/latency-histogram.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { spawnServer } from './spawn-server.js';
import { ADMIN_KEY, basic, bearer, startTestApp, type TestApp } from './test-app.js';

/**
 * The console's live overview (`GET /v1/operations/overview`): figures written by ingestion and by
 * the pipeline in their own transactions, read by the HTTP thread from the database.
 */
describeEachBackend('operations overview', (backend) => {
  let app: TestApp;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock('2026-11-22T10:00:10.000Z');
    app = await startTestApp(backend, { clock });
  });
  afterEach(async () => {
    await app.close();
  });

  const request = (url: string, key?: string) => app.tessera.http.inject({ method: 'GET', url, headers: bearer(key) });
  const overview = async (minutes: number) => {
    const answer = await request(`/v1/operations/overview?minutes=${minutes}`);
    expect(answer.statusCode, answer.body).toBe(200);
    return answer.json();
  };
  const ingest = async (events: unknown[]) => {
    const answer = await app.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events } });
    expect(answer.statusCode, answer.body).toBe(200);
    return answer.json();
  };
  /** The bucket's bounds hold the latency: what a histogram read can promise. */
  const expectLatency = (read: number, ms: number) => {
    const { low, high } = bucketBounds(bucketOf(ms));
    expect(read).toBeGreaterThanOrEqual(Math.min(low, ms) * 0.999);
    expect(read).toBeLessThanOrEqual(Math.min(high, ms) * 1.001);
  };

  it('answers outcomes per source and minute, the pipeline lag, latency percentiles and freshness', async () => {
    const topups = [0, 1, 2].map((i) =>
      builtinEvent('billing', 'topup', '2026-11-22T09:59:00Z', { msisdn: `+7916555000${i}` }, { amount: { value: 100, unit: 'RUB' } }),
    );
    const broken = builtinEvent('billing', 'topup', '2026-11-22T09:59:00Z', { msisdn: '+79165550009' }, { amount: 'a lot' });
    const first = await ingest([...topups, topups[0], broken]);
    expect(first).toMatchObject({ accepted: 3, duplicate: 1, quarantined: 1 });

    // Before the pipeline runs: three events behind, the oldest received two seconds ago.
    clock.advance(2_000);
    const waiting = await overview(1);
    expect(waiting.pipeline).toMatchObject({
      checkpointSeq: 0,
      eventsBehind: 3,
      eventsBehindEstimated: false,
      oldestUnprocessedAgeSeconds: 2,
    });
    expect(waiting.pipeline.oldestUnprocessedReceivedAt).toBe('2026-11-22T10:00:10.000Z');
    expect(waiting.latency.events).toBe(0);

    clock.advance(250);
    await app.tessera.services.pipeline.drain();

    // The next minute: two network records, processed 40 ms after they arrive.
    clock.set('2026-11-22T10:01:05.000Z');
    const sessions = [0, 1].map((i) => builtinEvent('network', 'data_session', '2026-11-22T10:00:00Z', { msisdn: `+7916555000${i}` }));
    await ingest(sessions);
    clock.advance(40);
    await app.tessera.services.pipeline.drain();
    clock.advance(1_000);

    const body = await overview(3);
    expect(body.windowMinutes).toBe(3);
    expect(body.minutes).toEqual(['2026-11-22T09:59:00.000Z', '2026-11-22T10:00:00.000Z', '2026-11-22T10:01:00.000Z']);
    expect(body.secondsCovered).toEqual([60, 60, 6]);
    const billing = body.sources.find((s: { sourceId: string }) => s.sourceId === 'billing');
    expect(billing.series).toEqual({ accepted: [0, 3, 0], duplicate: [0, 1, 0], quarantined: [0, 1, 0] });
    expect(billing.totals).toEqual({ accepted: 3, duplicate: 1, quarantined: 1 });
    // Five answers over the previous full minute and the six seconds of this one.
    expect(billing.eventsPerSecond).toBe(Math.round((5 / 66) * 10) / 10);
    const network = body.sources.find((s: { sourceId: string }) => s.sourceId === 'network');
    expect(network.series.accepted).toEqual([0, 0, 2]);
    expect(body.totals).toMatchObject({ accepted: 5, duplicate: 1, quarantined: 1 });

    expect(body.pipeline).toMatchObject({
      eventsBehind: 0,
      oldestUnprocessedReceivedAt: null,
      processed: 5,
      lastSeq: body.pipeline.checkpointSeq,
    });
    expect(body.pipeline.batches).toBeGreaterThanOrEqual(2);
    expect(body.pipeline.series).toEqual({ processed: [0, 3, 2], eventsBehind: [0, 0, 0] });

    expect(body.latency).toMatchObject({ events: 5, maxMs: 2250 });
    expect(body.latency.meanMs).toBe((3 * 2250 + 2 * 40) / 5);
    expectLatency(body.latency.p50Ms, 2250);
    expectLatency(body.latency.p99Ms, 2250);
    expect(body.latency.series.events).toEqual([0, 3, 2]);
    expect(body.latency.series.p50Ms[0]).toBeNull();
    expectLatency(body.latency.series.p95Ms[1], 2250);
    expectLatency(body.latency.series.p95Ms[2], 40);
    expect(body.latency.series.maxMs).toEqual([null, 2250, 40]);

    const freshness = Object.fromEntries(body.freshness.map((f: { sourceId: string }) => [f.sourceId, f]));
    expect(freshness.billing).toMatchObject({
      lastEventAt: '2026-11-22T10:00:10.000Z',
      secondsSinceLastEvent: 56,
      slaSeconds: 900,
      status: 'fresh',
    });
    expect(freshness.network).toMatchObject({ secondsSinceLastEvent: 1, status: 'fresh' });
    expect(freshness.web).toMatchObject({ lastEventAt: null, status: 'never', slaUsed: null });

    // An hour later billing is past its 15-minute SLA; the window no longer holds the events.
    clock.advance(3_600_000);
    const later = await overview(15);
    expect(later.freshness.find((f: { sourceId: string }) => f.sourceId === 'billing')).toMatchObject({ status: 'stale', slaUsed: 4.062 });
    expect(later.totals).toMatchObject({ accepted: 0, duplicate: 0, quarantined: 0, eventsPerSecond: 0 });
    expect(later.latency.events).toBe(0);
  });

  it('counts a backlog up to 10,000 events, and past that reads it from sequence numbers', async () => {
    const total = 10_050;
    for (let start = 0; start < total; start += 1_000) {
      const events = Array.from({ length: Math.min(1_000, total - start) }, (_, i) =>
        builtinEvent('network', 'data_session', '2026-11-22T10:00:00Z', { msisdn: `+7916${String(start + i).padStart(7, '0')}` }),
      );
      expect((await app.tessera.services.ingest.ingest(events, { channel: 'native' })).accepted).toBe(events.length);
    }
    const { pipeline } = await overview(1);
    expect(pipeline.eventsBehindEstimated).toBe(true);
    expect(pipeline.lastSeq - pipeline.checkpointSeq).toBeGreaterThanOrEqual(total);
    expect(pipeline.eventsBehind).toBe(pipeline.lastSeq - pipeline.checkpointSeq);
    // SQLite hands out sequence numbers without gaps; PostgreSQL's are an upper bound.
    if (backend.name === 'sqlite') expect(pipeline.eventsBehind).toBe(total);
  });

  it('keeps a bounded history: the first pipeline batch of a minute trims what is older than 25 hours', async () => {
    await ingest([
      builtinEvent('billing', 'topup', '2026-11-22T09:59:00Z', { msisdn: '+79165550001' }, { amount: { value: 1, unit: 'RUB' } }),
    ]);
    await app.tessera.services.pipeline.drain();
    const { db } = app.tessera.storage;
    const rows = async () =>
      (await db.selectFrom('ingest_minutes').select('minute').execute()).length +
      (await db.selectFrom('pipeline_minutes').select('minute').execute()).length +
      (await db.selectFrom('pipeline_latency').select('minute').execute()).length;
    expect(await rows()).toBe(3);

    clock.advance(25 * 3_600_000 + 60_000);
    await ingest([
      builtinEvent('billing', 'topup', '2026-11-22T09:59:00Z', { msisdn: '+79165550002' }, { amount: { value: 1, unit: 'RUB' } }),
    ]);
    await app.tessera.services.pipeline.drain();
    const minutes = await db.selectFrom('ingest_minutes').select('minute').execute();
    expect(minutes.map((m) => m.minute)).toEqual(['2026-11-23T11:01']);
    expect(await rows()).toBe(3);
    expect((await overview(1440)).totals.accepted).toBe(1);
  });

  it('is documented in OpenAPI', async () => {
    const doc = await app.tessera.http.inject({ method: 'GET', url: '/docs/json', headers: basic('anyone', ADMIN_KEY) });
    const path = doc.json().paths['/v1/operations/overview'];
    expect(path.get.parameters.map((p: { name: string }) => p.name)).toEqual(['minutes']);
    expect(Object.keys(path.get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
  });

  it('needs metrics:read and refuses a window outside 1–1440 minutes with a typed error', async () => {
    expect((await app.tessera.http.inject({ method: 'GET', url: '/v1/operations/overview' })).statusCode).toBe(401);
    const reader = await app.tessera.services.apiKeys.create('profiles only', ['profiles:read']);
    const forbidden = await request('/v1/operations/overview', reader.key);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('FORBIDDEN');
    const scraper = await app.tessera.services.apiKeys.create('dashboard', ['metrics:read']);
    const allowed = await request('/v1/operations/overview', scraper.key);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json().windowMinutes).toBe(15);
    for (const minutes of ['0', '1441', 'soon']) {
      const refused = await request(`/v1/operations/overview?minutes=${minutes}`);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('with `tessera start`, reads in the HTTP thread what the ingest and background threads wrote', async () => {
    const store = await backend.open();
    await store.storage.close();
    const server = await spawnServer({ ...store.env, TESSERA_ADMIN_KEY: ADMIN_KEY }, 60_000);
    try {
      const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
      const events = [0, 1, 2, 3].map((i) =>
        builtinEvent('network', 'data_session', new Date().toISOString(), { msisdn: `+7916777000${i}` }),
      );
      const posted = await fetch(`${server.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ events }) });
      expect(((await posted.json()) as { accepted: number }).accepted).toBe(4);
      let body:
        { totals: { accepted: number }; latency: { events: number; p50Ms: number | null }; pipeline: { eventsBehind: number } } | undefined;
      for (let tries = 0; tries < 120; tries++) {
        const response = await fetch(`${server.url}/v1/operations/overview?minutes=5`, { headers });
        body = (await response.json()) as typeof body;
        if (body?.latency.events === 4) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(body?.totals.accepted).toBe(4);
      expect(body?.latency.events).toBe(4);
      expect(body?.latency.p50Ms).toBeGreaterThanOrEqual(0);
      expect(body?.pipeline.eventsBehind).toBe(0);
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await store.cleanup();
    }
  }, 120_000);
});
