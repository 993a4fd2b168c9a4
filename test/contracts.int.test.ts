import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/core/package-info.js';
import { describeEachBackend } from './backends.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

const loyaltySchema = (properties: Record<string, unknown>, required: string[]) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});

const v1 = {
  type: 'points_earned',
  description: 'Loyalty points earned',
  schema: loyaltySchema({ msisdn: { type: 'string' }, points: { type: 'integer', minimum: 0 }, reason: { type: 'string' } }, [
    'msisdn',
    'points',
  ]),
  identifierMappings: { msisdn: 'msisdn' },
  classifications: { msisdn: 'identifier', points: 'behavioural', reason: 'behavioural' },
};

describeEachBackend('sources and contracts', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(backend);
  });
  afterEach(async () => {
    await app.close();
  });
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    app.tessera.http.inject({ method, url, headers: bearer(), ...(payload !== undefined ? { payload: payload as object } : {}) });

  it('ships the built-in telecom catalogue', async () => {
    const sources = (await call('GET', '/v1/sources')).json().items.map((s: { id: string }) => s.id);
    expect(sources).toEqual(['app', 'billing', 'crm', 'network', 'reference', 'web']);
    const network = (await call('GET', '/v1/sources/network/schemas')).json().items.map((t: { type: string }) => t.type);
    expect(network).toEqual(expect.arrayContaining(['data_session', 'voice_call', 'location_update', 'sim_change']));
  });

  it('registers a source with an owner, SLA and write key, and its first contract', async () => {
    const created = await call('POST', '/v1/sources', {
      id: 'loyalty',
      name: 'Loyalty programme',
      owner: 'Loyalty data steward',
      description: 'Points and rewards',
      freshnessSlaSeconds: 3600,
      eventTypes: [v1],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: 'loyalty',
      owner: 'Loyalty data steward',
      hasWriteKey: true,
      freshness: { status: 'never' },
    });
    expect(created.json().writeKey).toMatch(/^wk_/);
    expect((await call('POST', '/v1/sources', { id: 'loyalty', name: 'x', owner: 'y', freshnessSlaSeconds: 1 })).json().error.code).toBe(
      'CONFLICT',
    );
  });

  it('refuses, under BACKWARD, a version that removes a required field and names it; accepts an added optional field', async () => {
    await call('POST', '/v1/sources', { id: 'loyalty', name: 'Loyalty', owner: 'Steward', freshnessSlaSeconds: 3600, eventTypes: [v1] });

    const removed = await call('POST', '/v1/sources/loyalty/schemas', {
      ...v1,
      schema: loyaltySchema({ msisdn: { type: 'string' }, reason: { type: 'string' } }, ['msisdn']),
      classifications: { msisdn: 'identifier', reason: 'behavioural' },
    });
    expect(removed.statusCode).toBe(409);
    expect(removed.json().error.code).toBe('INCOMPATIBLE_SCHEMA');
    expect(removed.json().error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/points', code: 'REQUIRED_FIELD_REMOVED', message: expect.stringContaining("'points'") }),
      ]),
    );

    const added = await call('POST', '/v1/sources/loyalty/schemas', {
      ...v1,
      schema: loyaltySchema({ ...v1.schema.properties, campaign: { type: 'string' } }, ['msisdn', 'points']),
      classifications: { ...v1.classifications, campaign: 'behavioural' },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({ type: 'points_earned', version: 2, created: true });

    const same = await call('POST', '/v1/sources/loyalty/schemas', {
      ...v1,
      schema: loyaltySchema({ ...v1.schema.properties, campaign: { type: 'string' } }, ['msisdn', 'points']),
      classifications: { ...v1.classifications, campaign: 'behavioural' },
    });
    expect(same.statusCode).toBe(200);
    expect(same.json().created).toBe(false);

    const diff = await call('GET', '/v1/sources/loyalty/schemas/points_earned/diff?from=1&to=2');
    expect(diff.json().changes).toEqual([expect.objectContaining({ path: '/campaign', change: 'OPTIONAL_FIELD_ADDED' })]);
  });

  it('applies the mode of the event type: FORWARD refuses a new field in a closed model, NONE accepts anything', async () => {
    await call('POST', '/v1/sources', { id: 'loyalty', name: 'Loyalty', owner: 'Steward', freshnessSlaSeconds: 3600, eventTypes: [v1] });
    await call('PUT', '/v1/sources/loyalty/schemas/points_earned/compatibility', { compatibility: 'FORWARD' });
    const next = { ...v1, schema: loyaltySchema({ ...v1.schema.properties, campaign: { type: 'string' } }, ['msisdn', 'points']) };
    const check = await call('POST', '/v1/sources/loyalty/schemas/points_earned/check', { schema: next.schema });
    expect(check.json()).toMatchObject({ compatible: false, mode: 'FORWARD', againstVersion: 1 });
    expect((await call('POST', '/v1/sources/loyalty/schemas', next)).statusCode).toBe(409);
    await call('PUT', '/v1/sources/loyalty/schemas/points_earned/compatibility', { compatibility: 'NONE' });
    expect((await call('POST', '/v1/sources/loyalty/schemas', next)).statusCode).toBe(201);
  });

  it('refuses invalid schemas and mappings of undeclared fields with precise errors', async () => {
    await call('POST', '/v1/sources', { id: 'loyalty', name: 'Loyalty', owner: 'Steward', freshnessSlaSeconds: 3600 });
    const badSchema = await call('POST', '/v1/sources/loyalty/schemas', {
      ...v1,
      schema: { type: 'object', properties: { a: { type: 'strng' } } },
    });
    expect(badSchema.statusCode).toBe(422);
    expect(badSchema.json().error.code).toBe('INVALID_SCHEMA');
    const badMapping = await call('POST', '/v1/sources/loyalty/schemas', { ...v1, identifierMappings: { phone: 'msisdn' } });
    expect(badMapping.statusCode).toBe(422);
    expect(badMapping.json().error).toMatchObject({ code: 'INVALID_CONTRACT', details: [expect.objectContaining({ path: 'phone' })] });
    const unknownSource = await call('POST', '/v1/sources/nowhere/schemas', v1);
    expect(unknownSource.statusCode).toBe(404);
    expect(unknownSource.json().error.code).toBe('UNKNOWN_SOURCE');
  });

  it('loads contract files from the contracts directory at start and accepts events under them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-contracts-'));
    writeFileSync(
      join(dir, 'loyalty.json'),
      JSON.stringify({ source: { id: 'loyalty', name: 'Loyalty', owner: 'Steward', freshnessSlaSeconds: 3600 }, eventTypes: [v1] }),
    );
    await app.tessera.http.close();
    const withFiles = await startTestApp(backend, {
      store: app.store,
      storage: backend.reopen(app.store),
      env: { TESSERA_CONTRACTS_DIR: dir },
    });
    app = withFiles;
    const source = await call('GET', '/v1/sources/loyalty');
    expect(source.json()).toMatchObject({ origin: 'file', eventTypes: [{ type: 'points_earned', latestVersion: 1 }] });
    const ingest = await call('POST', '/v1/events', {
      events: [
        {
          source: 'loyalty',
          type: 'points_earned',
          eventId: 'l-1',
          occurredAt: '2026-11-01T00:00:00Z',
          properties: { msisdn: '89161234567', points: 5 },
        },
      ],
    });
    expect(ingest.json().accepted).toBe(1);

    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ source: { id: 'Bad Id' }, eventTypes: 'none' }));
    await app.tessera.http.close();
    await expect(
      startTestApp(backend, { store: app.store, storage: backend.reopen(app.store), env: { TESSERA_CONTRACTS_DIR: dir } }),
    ).rejects.toThrow(/broken\.json/);
  });

  it('declares the example contract file shipped in contracts/', async () => {
    await app.tessera.http.close();
    app = await startTestApp(backend, {
      store: app.store,
      storage: backend.reopen(app.store),
      env: { TESSERA_CONTRACTS_DIR: join(PROJECT_ROOT, 'contracts') },
    });
    expect((await call('GET', '/v1/sources/loyalty')).json()).toMatchObject({ origin: 'file', owner: 'Loyalty data steward' });
  });
});
