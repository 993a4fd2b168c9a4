import { once } from 'node:events';
import { expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { spawnServer } from './spawn-server.js';
import { ADMIN_KEY } from './test-app.js';

describeEachBackend('durability', (backend) => {
  it('keeps every event answered 2xx when the server is killed with SIGKILL right after the answer', async () => {
    const store = await backend.open();
    await store.storage.close();
    try {
      const server = await spawnServer({ ...store.env, TESSERA_ADMIN_KEY: ADMIN_KEY });
      const events = Array.from({ length: 300 }, (_, i) => ({
        source: 'network',
        type: 'location_update',
        eventId: `k-${i}`,
        occurredAt: '2026-11-21T08:00:00Z',
        identifiers: { msisdn: `+7916${String(1000000 + i)}` },
        properties: { cellId: 26_478_000 + i, servingNodePLMNIdentifier: '25001', updateType: 'periodic' },
      }));
      const response = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      const body = (await response.json()) as { accepted: number; quarantined: number; results: { reasons?: unknown }[] };
      // Killed the moment the answer is in: nothing after the commit gets a chance to run.
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
      expect(response.status).toBe(200);
      expect(body.quarantined, JSON.stringify(body.results.find((r) => r.reasons))).toBe(0);
      expect(body.accepted).toBe(300);

      const reopened = backend.reopen(store);
      const row = await reopened.db
        .selectFrom('event_log')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('source_id', '=', 'network')
        .where('event_id', 'like', 'k-%')
        .executeTakeFirstOrThrow();
      await reopened.close();
      expect(Number(row.n)).toBe(300);
    } finally {
      await store.cleanup();
    }
  });
});
