import { once } from 'node:events';
import { expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { spawnServer } from './spawn-server.js';
import { ADMIN_KEY } from './test-app.js';

const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const MSISDN = '+79161239999';

/**
 * `tessera start`: the erasure runs in the HTTP thread, the pipeline in the background thread with
 * its own caches. The background guard must notice the tombstones and drop a re-ingest.
 */
describeEachBackend('erasure with the worker threads of tessera start', (backend) => {
  it('erases in the HTTP thread; the background pipeline drops the same events sent again', async () => {
    const store = await backend.open();
    await store.storage.close();
    const server = await spawnServer({ ...store.env, TESSERA_ADMIN_KEY: ADMIN_KEY }, 60_000);
    try {
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const status = async (path: string): Promise<number> => {
        const response = await fetch(`${server.url}${path}`, { headers });
        await response.arrayBuffer();
        return response.status;
      };
      const until = async (path: string, wanted: number): Promise<number> => {
        let got = 0;
        for (let tries = 0; tries < 120 && got !== wanted; tries++) {
          got = await status(path);
          if (got !== wanted) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        return got;
      };
      const events = [
        { ...builtinEvent('billing', 'activation', '2026-10-01T10:00:00Z', { msisdn: MSISDN }, { planType: 'prepaid' }), eventId: 'e-act' },
        {
          ...builtinEvent('billing', 'topup', '2026-11-01T10:00:00Z', { msisdn: MSISDN }, { amount: { value: 50, unit: 'RUB' } }),
          eventId: 'e-top',
        },
      ];
      const lookup = `/v1/profiles/lookup?type=msisdn&value=${encodeURIComponent(MSISDN)}`;
      expect((await post('/v1/events', { events })).body).toMatchObject({ accepted: 2 });
      expect(await until(lookup, 200)).toBe(200);

      const erasure = await post('/v1/privacy/requests', { kind: 'erasure', subject: `msisdn:${MSISDN}` });
      expect(erasure.status).toBe(201);
      expect(erasure.body).toMatchObject({ status: 'completed', result: { deleted: { events: 2, profiles: 1 } } });
      expect(await status(lookup)).toBe(404);
      expect(await status('/v1/events/billing/e-act')).toBe(404);

      // Sent again: accepted by the ingest thread, then dropped from the log by the background pipeline.
      expect((await post('/v1/events', { events })).body).toMatchObject({ accepted: 2 });
      expect(await until('/v1/events/billing/e-top', 404)).toBe(404);
      expect(await until('/v1/events/billing/e-act', 404)).toBe(404);
      expect(await status(lookup)).toBe(404);

      server.child.kill('SIGTERM');
      const [code] = (await once(server.child, 'exit')) as [number | null];
      expect(code, server.output()).toBe(0);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await store.cleanup();
    }
  }, 120_000);
});
