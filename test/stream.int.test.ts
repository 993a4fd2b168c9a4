import { createServer, type Server } from 'node:http';
import { connect as connectTcp, type AddressInfo } from 'node:net';
import { runSseConnection } from '../src/activation/sse-connection.js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { activationWorld, at, campaigns, NOW, phone } from './activation-fixture.js';
import { describeEachBackend } from './backends.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

/*
 * Server-sent events (issue 8.4) over a real socket, on every backend: CloudEvents 1.0 in
 * structured JSON, resumed with Last-Event-ID strictly after the last event received, and — for a
 * consumer's key — only messages about subjects whose consent lets the consumer have them; a
 * withdrawal reaches it as a remove operation.
 */

interface SseEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

/** A minimal EventSource: parses blocks as the HTML spec says, and tracks the last event id. */
const openStream = async (url: string, headers: Record<string, string>) => {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let lastEventId: string | undefined;
  let ended = false;
  const pump = (async () => {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let event: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (id !== undefined) lastEventId = id;
          if (data.length > 0) events.push({ id, event, data: data.join('\n') });
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    comments,
    lastEventId: () => lastEventId,
    ended: () => ended,
    async waitFor(predicate: () => boolean, timeoutMs = 8_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > until) throw new Error(`timed out; events so far: ${JSON.stringify(events.map((e) => e.event))}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close(): Promise<void> {
      controller.abort();
      await pump;
    },
  };
};

const MINUTE = 60_000;

describeEachBackend('SSE stream', (backend) => {
  let app: TestApp;
  let base: string;
  const clock = new ManualClock(NOW);
  beforeEach(async () => {
    clock.set(NOW);
    app = await startTestApp(backend, { clock });
    await app.tessera.http.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.tessera.http.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await app.close();
  });
  const w = activationWorld(() => app);
  /** Each batch a minute later than the last: the outbox orders by its time. */
  const ingestAt = async (minutes: number, ...events: unknown[]) => {
    clock.set(at(minutes * MINUTE));
    await w.ingest(events);
  };

  it('streams CloudEvents and resumes strictly after Last-Event-ID', async () => {
    await w.createAudience();
    const stream = await openStream(`${base}/v1/stream?types=audience.entered`, bearer());
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    await stream.waitFor(() => stream.comments.includes('connected'));

    await ingestAt(1, w.activation(1, at(-MINUTE)));
    await ingestAt(2, w.activation(2, at(-MINUTE)));
    await stream.waitFor(() => stream.events.length === 2);
    const [first, second] = stream.events as [SseEvent, SseEvent];
    const p1 = await w.profileOf(phone(1));
    expect(first.event).toBe('tessera.audience.entered.v1');
    const cloudEvent = JSON.parse(first.data);
    expect(cloudEvent).toMatchObject({
      specversion: '1.0',
      source: '/tessera',
      type: 'tessera.audience.entered.v1',
      subject: p1,
      time: at(1 * MINUTE),
      datacontenttype: 'application/json',
      data: { audienceId: 'active', version: 1 },
    });
    expect(cloudEvent.id).toMatch(/^ob_/);
    // The SSE id is the outbox cursor: time, then the CloudEvent id.
    expect(first.id).toBe(`${at(1 * MINUTE)}/${cloudEvent.id}`);
    await stream.close();

    // Disconnected after the first event: the second and a third come on resumption, the first does not.
    await ingestAt(3, w.activation(3, at(-MINUTE)));
    const resumed = await openStream(`${base}/v1/stream?types=audience.entered`, { ...bearer(), 'last-event-id': first.id as string });
    await resumed.waitFor(() => resumed.events.length === 2);
    expect(resumed.events.map((e) => e.id)).toEqual([second.id, expect.stringMatching(new RegExp(`^${at(3 * MINUTE)}/ob_`))]);
    expect(JSON.parse((resumed.events[1] as SseEvent).data).subject).toBe(await w.profileOf(phone(3)));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(resumed.events).toHaveLength(2);
    await resumed.close();

    // From the start, the whole outbox in order.
    const all = await openStream(`${base}/v1/stream?types=audience.entered&from=start`, bearer());
    await all.waitFor(() => all.events.length === 3);
    expect(all.events.map((e) => e.id)).toEqual([first.id, second.id, resumed.events[1]?.id]);
    await all.close();
  });

  it('a consumer receives nothing about a subject without consent for its purpose and channel, and gets the remove on withdrawal', async () => {
    await w.createAudience();
    await w.publishNotice();
    const key = await w.registerConsumer(campaigns, ['stream:read']);
    await ingestAt(1, w.activation(1, at(-MINUTE)), w.activation(2, at(-MINUTE)));
    await w.record(w.decision('m-1', 1, 'grant', at(-MINUTE)));
    const [p1, p2] = [await w.profileOf(phone(1)), await w.profileOf(phone(2))];
    const outboxEnd = await app.tessera.storage.db
      .selectFrom('outbox')
      .select(['created_at', 'id'])
      .where('type', '=', 'audience.entered')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();

    const stream = await openStream(`${base}/v1/stream?types=audience.entered,consent.changed&from=start&channel=sms`, bearer(key));
    // Both entered; only subscriber 1's reaches the consumer. The resume point still passes subscriber 2's.
    await stream.waitFor(() => stream.lastEventId() === `${outboxEnd.created_at}/${outboxEnd.id}`);
    expect(stream.events.map((e) => JSON.parse(e.data).subject)).toEqual([p1]);
    expect(stream.events.some((e) => e.data.includes(p2))).toBe(false);
    const delivered = await w.ok('GET', '/v1/disclosures?consumer=campaigns');
    expect(delivered.items).toHaveLength(1);
    expect(delivered.items[0]).toMatchObject({
      subject: p1,
      exit: 'delivery',
      purpose: 'marketing',
      channel: 'sms',
      consentEvents: ['m-1'],
    });

    // An administrator's stream sees both.
    const admin = await openStream(`${base}/v1/stream?types=audience.entered&from=start`, bearer());
    await admin.waitFor(() => admin.events.length === 2);
    await admin.close();

    // Subscriber 1 withdraws: the consumer that received them gets the remove operation.
    clock.set(at(5 * MINUTE));
    await w.record(w.decision('m-1w', 1, 'withdraw', at(5 * MINUTE)));
    await stream.waitFor(() => stream.events.length === 2);
    const remove = JSON.parse((stream.events[1] as SseEvent).data);
    expect(remove).toMatchObject({
      type: 'tessera.consent.changed.v1',
      subject: p1,
      data: { profileId: p1, purpose: 'marketing', channel: 'sms', action: 'withdraw', remove: true, consumers: ['campaigns'] },
    });
    await stream.close();

    // A purpose or channel the consumer is not registered for is refused; so is a cursor not of this stream.
    expect((await w.call('GET', '/v1/stream?channel=push', undefined, key)).status).toBe(400);
    const badCursor = await app.tessera.http.inject({
      method: 'GET',
      url: '/v1/stream',
      headers: { ...bearer(), 'last-event-id': 'nonsense' },
    });
    expect(badCursor.statusCode).toBe(400);
    // A key without the scope is refused.
    const plainKey = await w.registerConsumer({ ...campaigns, id: 'reader', name: 'Reader' });
    expect((await w.call('GET', '/v1/stream', undefined, plainKey)).status).toBe(403);
  });

  it('sends keep-alive comments, and drops a client that stops reading without holding anything else up', async () => {
    const db = app.tessera.storage.db;
    // 3,000 messages of 2 KiB: far more than a socket buffers.
    const filler = 'x'.repeat(2_048);
    for (let i = 0; i < 3_000; i += 500)
      await db
        .insertInto('outbox')
        .values(
          Array.from({ length: 500 }, (_, j) => ({
            id: `ob_fill_${String(i + j).padStart(5, '0')}`,
            type: 'score.changed',
            subject: 'P-fill',
            data: JSON.stringify({ filler }),
            created_at: NOW,
          })),
        )
        .execute();
    const finished: string[] = [];
    const deps = {
      db,
      consent: app.tessera.consent.service,
      policy: app.tessera.policy.service,
      clock,
      log: app.tessera.log,
      options: { pollMs: 20, keepAliveMs: 100, writeTimeoutMs: 300, pageSize: 200 },
    };
    const server: Server = createServer((request, response) => {
      const after = request.url === '/idle' ? { createdAt: NOW, id: 'ob_zzz' } : { createdAt: '', id: '' };
      void runSseConnection(response, deps, { types: [], after, reader: null }).then(() => finished.push(request.url ?? ''));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      // An idle stream gets a comment line every keepAliveMs.
      const idle = await openStream(`http://127.0.0.1:${port}/idle`, {});
      await idle.waitFor(() => idle.comments.filter((c) => c === 'keep-alive').length >= 2, 3_000);
      await idle.close();

      // A client that sends its request and never reads: the connection waits for the socket at most
      // writeTimeoutMs, then is dropped; meanwhile the API answers as usual.
      const stalled = connectTcp(port, '127.0.0.1');
      stalled.pause();
      stalled.write('GET /all HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
      const started = Date.now();
      const health = await app.tessera.http.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      const until = Date.now() + 5_000;
      while (!finished.includes('/all') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(finished).toContain('/all');
      expect(Date.now() - started).toBeLessThan(5_000);
      stalled.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
