import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { ADMIN_KEY, basic, bearer, startTestApp, type TestApp } from './test-app.js';

describeEachBackend('operations', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(backend);
  });
  afterEach(async () => {
    await app.close();
  });

  it('serves /health without a key and reports the backend', async () => {
    const health = await app.tessera.http.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', backend: backend.name });
  });

  it('serves Prometheus metrics to a key with metrics:read, counting ingestion', async () => {
    await app.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events: [{ source: 'nowhere' }] } });
    expect((await app.tessera.http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const scraper = await app.tessera.services.apiKeys.create('prometheus', ['metrics:read']);
    const metrics = await app.tessera.http.inject({ method: 'GET', url: '/metrics', headers: bearer(scraper.key) });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/tessera_ingest_events_total\{source="_unknown",outcome="quarantined",reason="INVALID_ENVELOPE"\} 1/);
    expect(metrics.body).toContain('tessera_http_request_duration_seconds_bucket');
  });

  it('documents every route in OpenAPI at /docs, behind a key a browser can give', async () => {
    const anonymous = await app.tessera.http.inject({ method: 'GET', url: '/docs/json' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('Basic');
    const doc = await app.tessera.http.inject({ method: 'GET', url: '/docs/json', headers: basic('anyone', ADMIN_KEY) });
    expect(doc.statusCode).toBe(200);
    const openapi = doc.json();
    expect(openapi.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/events',
      '/v1/batch',
      '/v1/track',
      '/v1/identify',
      '/v1/sources',
      '/v1/sources/{id}/schemas',
      '/v1/quarantine',
      '/v1/quarantine/replay',
      '/v1/audiences',
      '/v1/audiences/{id}',
      '/v1/audiences/fields',
      '/health',
      '/metrics',
    ]) {
      expect(Object.keys(openapi.paths)).toContain(path);
    }
    expect(openapi.paths['/v1/events'].post.responses['200']).toBeDefined();
    const ui = await app.tessera.http.inject({ method: 'GET', url: '/docs', headers: bearer() });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('answers unknown routes with a typed 404', async () => {
    const missing = await app.tessera.http.inject({ method: 'GET', url: '/v1/nothing', headers: bearer() });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });
});
