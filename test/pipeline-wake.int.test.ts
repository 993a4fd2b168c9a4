import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { bearer, startTestApp } from './test-app.js';

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
