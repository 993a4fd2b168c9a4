import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/core/package-info.js';
import { describeEachBackend } from './backends.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

/** The `-d '…'` bodies of the curl examples in a document. */
const curlBodies = (file: string): unknown[] =>
  [...readFileSync(join(PROJECT_ROOT, file), 'utf8').matchAll(/-d '(\{[\s\S]*?\})'/g)].map((m) => JSON.parse(m[1] as string) as unknown);

describeEachBackend('documentation examples', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(backend);
  });
  afterEach(async () => {
    await app.close();
  });

  it('accepts the events the README and the API guide tell a newcomer to send', async () => {
    const bodies = [...curlBodies('README.md'), ...curlBodies('docs/api.md')];
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    for (const body of bodies) {
      const answer = await app.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: body as object });
      expect(answer.json().quarantined, answer.body).toBe(0);
    }
  });
});
