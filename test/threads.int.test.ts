import { once } from 'node:events';
import { expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { spawnServer } from './spawn-server.js';
import { ADMIN_KEY } from './test-app.js';

const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

/** `tessera start` runs ingestion and the pipeline in worker threads (decision 0009); the HTTP thread only reads. */
describeEachBackend('tessera start with its worker threads', (backend) => {
  it('ingests in the ingest thread, follows contract and blocked-value changes, resolves in the background thread, and stops cleanly', async () => {
    const store = await backend.open();
    await store.storage.close();
    const server = await spawnServer({ ...store.env, TESSERA_ADMIN_KEY: ADMIN_KEY }, 60_000);
    try {
      const post = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
        const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      // A source registered over the API after start-up: the ingest thread must know it at once.
      const registered = await post('/v1/sources', {
        id: 'kiosk',
        name: 'Shop kiosks',
        owner: 'Retail data steward',
        freshnessSlaSeconds: 3600,
        eventTypes: [
          {
            type: 'visit',
            description: 'A customer checked in at a kiosk',
            compatibility: 'BACKWARD',
            schema: { type: 'object', properties: { msisdn: { type: 'string' } }, required: ['msisdn'] },
            identifierMappings: { msisdn: 'msisdn' },
            classifications: { msisdn: 'identifier' },
          },
        ],
      });
      expect(registered.status).toBe(201);
      const visit = {
        source: 'kiosk',
        type: 'visit',
        eventId: 'v-1',
        occurredAt: '2026-11-21T08:00:00Z',
        properties: { msisdn: '+79161112233' },
      };
      const accepted = await post('/v1/events', { events: [visit] });
      expect(accepted.body).toMatchObject({ accepted: 1, quarantined: 0 });

      // A value blocked over the API: the ingest thread refuses it as a merge key from the next batch on.
      expect((await post('/v1/identifiers/blocked', { type: 'msisdn', value: '+79169998877', reason: 'test line' })).status).toBe(201);
      const blocked = await post('/v1/events', { events: [{ ...visit, eventId: 'v-2', properties: { msisdn: '+79169998877' } }] });
      expect(JSON.stringify(blocked.body)).toContain('BLOCKED');

      // The background thread's pipeline resolves the accepted event; the HTTP thread reads it.
      let lookup = 0;
      for (let tries = 0; tries < 120 && lookup !== 200; tries++) {
        const response = await fetch(`${server.url}/v1/profiles/lookup?type=msisdn&value=%2B79161112233`, { headers });
        await response.arrayBuffer();
        lookup = response.status;
        if (lookup !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(lookup).toBe(200);

      // A malformed body is still quarantined, by the ingest thread, and counted in /metrics.
      const malformed = await fetch(`${server.url}/v1/events`, { method: 'POST', headers, body: '{"events": [' });
      expect(malformed.status).toBe(400);
      const metrics = await (await fetch(`${server.url}/metrics`, { headers })).text();
      expect(metrics).toMatch(/tessera_ingest_events_total\{source="kiosk",outcome="accepted",reason=""\} 1/);
      expect(metrics).toMatch(/outcome="quarantined",reason="MALFORMED_JSON"\} 1/);

      server.child.kill('SIGTERM');
      const [code] = (await once(server.child, 'exit')) as [number | null];
      expect(code, server.output()).toBe(0);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await store.cleanup();
    }
  }, 120_000);
});
