import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config.js';
import { createTessera, type Tessera } from '../server/app.js';
import { requestBatches } from './batches.js';
import { runLoad } from './load-driver.js';
import { MemoryTruth } from './memory-truth.js';
import { DEMO_VOLUMES, resolveOptions } from './options.js';
import { createWorld } from './world.js';

describe('streaming a simulated world into a running server', () => {
  let dir: string;
  let tessera: Tessera;
  let url: string;
  let apiKey: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sim-'));
    const config = parseConfig({ TESSERA_DATA_DIR: dir, TESSERA_PORT: '0', TESSERA_LOG_LEVEL: 'silent', TESSERA_CONTRACTS_DIR: join(dir, 'no-contracts') });
    tessera = await createTessera(config);
    url = await tessera.http.listen({ port: 0, host: '127.0.0.1' });
    apiKey = (await tessera.services.apiKeys.create('simulator-test', ['admin'])).key;
  });

  afterAll(async () => {
    await tessera.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the world, quarantines exactly the events injected to break their contract and reports duplicates', async () => {
    const truth = new MemoryTruth();
    const world = createWorld(resolveOptions({ seed: 5, subscribers: 300, days: 2, volumes: DEMO_VOLUMES, rates: { brokenShare: 0.01, duplicateShare: 0.01 } }));
    const progress: number[] = [];
    const summary = await runLoad({ url, apiKey, batches: requestBatches(world.batches(truth), 500), concurrency: 2, onProgress: (p) => progress.push(p.events) });

    const injected = (kind: string) => truth.injectedRecords.filter((r) => r.kind === kind).length;
    expect(summary.failedRequests).toBe(0);
    expect(summary.accepted).toBeGreaterThan(1000);
    expect(injected('broken')).toBeGreaterThan(0);
    expect(injected('drift')).toBeGreaterThan(0);
    expect(summary.quarantined).toBe(injected('broken') + injected('drift'));
    expect(summary.duplicate).toBe(injected('duplicate'));
    expect(summary.events).toBe(summary.accepted + summary.duplicate + summary.quarantined);
    expect(summary.latencyMs.p99).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(summary.events);
  });

  it('keeps to a set rate', async () => {
    const world = createWorld(resolveOptions({ seed: 6, subscribers: 20, days: 1, volumes: DEMO_VOLUMES }));
    const batches = [...requestBatches(world.batches(), 100)].slice(0, 6);
    const events = batches.reduce((n, b) => n + b.length, 0);
    const summary = await runLoad({ url, apiKey, batches, concurrency: 1, ratePerSecond: events * 2 });
    // Six batches at twice their total per second: the last one is due after ~5/12 s.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(350);
    expect(summary.events).toBe(events);
  });

  it('fails loudly on a refused API key', async () => {
    await expect(runLoad({ url, apiKey: 'wrong-key-0123456789', batches: [[{ source: 'billing' }]] })).rejects.toThrow(/API key/);
  });
});
