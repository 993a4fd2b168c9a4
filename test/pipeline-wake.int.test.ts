import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

describeEachBackend('pipeline wake-up on append', (backend) => {
  it('starts a batch as soon as events are appended, without waiting for its poll', { timeout: 60_000 }, async () => {
    // A ten-minute poll: only the append signal can bring the event in within the test's time.
    const app = await startTestApp(backend, { env: { TESSERA_PIPELINE_POLL_MS: '600000' } });
    try {
      app.tessera.startBackground();
      await sleep(500); // the first round has found an empty log and waits for its poll
      const event = builtinEvent('billing', 'activation', new Date().toISOString(), { msisdn: '+79167770001' });
      const answer = await app.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events: [event] } });
      expect(answer.json().accepted, answer.body).toBe(1);
      const started = Date.now();
      let status = 0;
      while (Date.now() - started < 15_000) {
        const lookup = await app.tessera.http.inject({
          method: 'GET',
          url: '/v1/profiles/lookup?type=msisdn&value=%2B79167770001',
          headers: bearer(),
        });
        status = lookup.statusCode;
        if (status === 200) break;
        await sleep(20);
      }
      expect(status).toBe(200);
    } finally {
      await app.tessera.close();
      await app.close();
    }
  });
});

/** Ingests in requests of 500 (the API's most per request is 1,000). */
const ingest = async (app: TestApp, events: readonly unknown[]): Promise<void> => {
  for (let i = 0; i < events.length; i += 500) {
    const answer = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(),
      payload: { events: events.slice(i, i + 500) },
    });
    expect(answer.json().accepted, answer.body).toBe(Math.min(500, events.length - i));
  }
};

describeEachBackend('pipeline batch sizing', (backend) => {
  const events = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      builtinEvent('billing', 'activation', new Date(Date.UTC(2026, 10, 20, 0, 0, i)).toISOString(), {
        msisdn: `+7916${String(1_000_000 + i).padStart(7, '0')}`,
      }),
    );

  it('takes smaller batches after one that held the write lock too long, never fewer than 100 events', { timeout: 60_000 }, async () => {
    // 1 ms: every batch of new lines runs longer, so the pipeline sizes itself down to its floor.
    const app = await startTestApp(backend, { env: { TESSERA_PIPELINE_BATCH_EVENTS: '1000', TESSERA_PIPELINE_BATCH_MS: '1' } });
    try {
      const { pipeline } = app.tessera.services;
      expect(pipeline.batchLimit).toBe(1000);
      await ingest(app, events(1500));
      const first = await pipeline.step();
      expect(first).toBe(1000);
      expect(pipeline.batchLimit).toBeLessThan(1000);
      expect(pipeline.batchLimit).toBeGreaterThanOrEqual(100);
      const { events: rest } = await pipeline.drain();
      expect(rest).toBe(500);
      expect(pipeline.batchLimit).toBe(100);
    } finally {
      await app.tessera.close();
      await app.close();
    }
  });

  it('keeps the configured size when batches are quick, or when the limit is off', { timeout: 60_000 }, async () => {
    const app = await startTestApp(backend, { env: { TESSERA_PIPELINE_BATCH_EVENTS: '1000', TESSERA_PIPELINE_BATCH_MS: '0' } });
    try {
      const { pipeline } = app.tessera.services;
      await ingest(app, events(1500));
      expect(await pipeline.step()).toBe(1000);
      expect(pipeline.batchLimit).toBe(1000);
    } finally {
      await app.tessera.close();
      await app.close();
    }
  });
});
