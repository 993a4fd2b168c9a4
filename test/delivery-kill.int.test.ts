import { once } from 'node:events';
import { expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { WebhookReceiver } from './delivery-receiver.js';
import { spawnServer } from './spawn-server.js';
import { ADMIN_KEY } from './test-app.js';

/*
 * `kill -9` of `tessera start` mid-delivery (issue 8 acceptance): the background thread's
 * dispatcher has requests in flight to a receiver that does not answer; the process is killed; a
 * new one on the same store delivers every message, each under its original webhook-id.
 */
describeEachBackend('delivery under kill -9', (backend) => {
  it('loses no message when the server is killed with SIGKILL mid-delivery', async () => {
    const store = await backend.open();
    const receiver = await WebhookReceiver.start();
    const env = { ...store.env, TESSERA_ADMIN_KEY: ADMIN_KEY, TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' };
    const api = (url: string) => async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown> & { items?: { status: string; messageId: string }[] },
      };
    };
    let server = await spawnServer(env);
    try {
      const call = api(server.url);
      expect(
        (await call('POST', '/v1/consumers', { id: 'app', name: 'App', kind: 'app', purposes: ['marketing'], channels: ['app'] })).status,
      ).toBe(201);
      const sub = await call('POST', '/v1/subscriptions', {
        consumerId: 'app',
        eventTypes: ['audience.entered'],
        transport: 'webhook',
        url: receiver.url(),
      });
      expect(sub.status).toBe(201);
      const subjects = Array.from({ length: 30 }, (_, i) => `p-${i}`);
      const consents = subjects.map((s) => ({
        eventId: `c-${s}`,
        subject: `profile:${s}`,
        purpose: 'marketing',
        channel: 'app',
        action: 'grant',
        legalBasis: 'fz152_consent',
        jurisdiction: 'RU',
        validFrom: '2020-01-01T00:00:00Z',
        source: { collectionPoint: 'app', channel: 'app' },
        proof: { evidenceRef: 'F' },
      }));
      expect((await call('POST', '/v1/consents', { events: consents })).status).toBe(200);

      // Two messages per subject, written as the pipeline writes them.
      receiver.behaviour = () => ({ hang: true, status: 0 });
      const now = new Date().toISOString();
      const rows = subjects.flatMap((subject, i) =>
        [0, 1].map((k) => ({
          id: `ob_kill_${String(i).padStart(3, '0')}_${k}`,
          type: 'audience.entered',
          subject,
          data: JSON.stringify({ audienceId: 'a-1', memberId: subject, n: k }),
          created_at: now,
        })),
      );
      await store.storage.db.insertInto('outbox').values(rows).execute();
      await receiver.waitFor(8, 15_000);

      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
      const beforeKill = receiver.received.length;
      receiver.release(204); // the killed process's sockets are gone: nothing is answered to it
      receiver.behaviour = () => ({ status: 204 });

      server = await spawnServer(env);
      const again = api(server.url);
      let delivered = 0;
      for (let i = 0; i < 300 && delivered < rows.length; i++) {
        const list = await again('GET', `/v1/subscriptions/${String(sub.body.id)}/deliveries?limit=500`);
        delivered = (list.body.items ?? []).filter((d) => d.status === 'delivered').length;
        if (delivered < rows.length) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(delivered).toBe(rows.length);
      // Every message arrived; those in flight at the kill arrived again under the same id.
      const received = receiver.received.map((r) => r.headers['webhook-id']);
      expect(new Set(received)).toEqual(new Set(rows.map((r) => r.id)));
      const inFlightAtKill = receiver.received.slice(0, beforeKill).map((r) => r.headers['webhook-id']);
      for (const id of inFlightAtKill) expect(received.filter((x) => x === id).length).toBeGreaterThanOrEqual(2);
      // In order per subject: a subject's second message never before its first.
      for (const subject of subjects) {
        const order = receiver.received.filter((r) => r.event.subject === subject).map((r) => r.event.data.n);
        expect(order.indexOf(1)).toBeGreaterThan(order.lastIndexOf(0));
      }
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await once(server.child, 'exit');
      }
      await receiver.close();
      await store.cleanup();
    }
  }, 60_000);
});
