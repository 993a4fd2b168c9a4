import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTessera } from '../src/server/app.js';
import { CLI, ROOT } from './spawn-server.js';
import { testConfig } from './test-app.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-cli-')), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('tessera CLI', () => {
  it('documents start and migrate with --help, listing the configuration', () => {
    for (const command of ['start', 'migrate']) {
      const result = run([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`Usage: tessera ${command}`);
      expect(result.stdout).toContain('TESSERA_PG_URL');
    }
  });

  it('stops start-up on a bad configuration value, naming the variable', () => {
    const badPort = run(['start'], { TESSERA_PORT: 'eighty' });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toContain('TESSERA_PORT');
    const badRegion = run(['start'], { TESSERA_DEFAULT_REGION: 'XX', TESSERA_PG_URL: 'mysql://nope' });
    expect(badRegion.status).toBe(2);
    expect(badRegion.stderr).toContain('TESSERA_DEFAULT_REGION');
    expect(badRegion.stderr).toContain('TESSERA_PG_URL');
  });

  it('migrates an embedded database and reports it up to date the second time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-migrate-'));
    const first = run(['migrate'], { TESSERA_DATA_DIR: dir });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('0001-foundation');
    const second = run(['migrate'], { TESSERA_DATA_DIR: dir });
    expect(second.stdout).toContain('already up to date');
  });

  it('rebuilds the identity graph from the event log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-rebuild-'));
    const tessera = await createTessera(testConfig({ TESSERA_DATA_DIR: dir }));
    const activation = (eventId: string, msisdn: string, imsi: string) => ({
      source: 'network',
      type: 'location_update',
      eventId,
      occurredAt: '2026-11-01T00:00:00Z',
      identifiers: { msisdn, imsi },
      properties: { cellId: 1, servingNodePLMNIdentifier: '25001' },
    });
    const answer = await tessera.services.ingest.ingest(
      [activation('r-1', '+79161111111', '250010000000011'), activation('r-2', '+79162222222', '250010000000022')],
      {
        channel: 'native',
      },
    );
    expect(answer.accepted).toBe(2);
    await tessera.close();
    const rebuilt = run(['identity', 'rebuild'], {
      TESSERA_DATA_DIR: dir,
      TESSERA_LOG_LEVEL: 'silent',
      TESSERA_CONTRACTS_DIR: join(dir, 'none'),
    });
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/rebuilt: 2 events resolved into 2 profiles/);
  });
});
