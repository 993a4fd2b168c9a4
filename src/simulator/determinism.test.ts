import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeWorldToFiles } from './ndjson-output.js';
import { resolveOptions } from './options.js';
import { createWorld } from './world.js';

const dirs: string[] = [];
const generate = async (seed: number | string, gzip = false): Promise<Map<string, Buffer>> => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sim-det-'));
  dirs.push(dir);
  await writeWorldToFiles(createWorld(resolveOptions({ seed, subscribers: 600, days: 2 })), { dir, gzip });
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('determinism', () => {
  it('the same seed gives byte-identical event and truth files, gzipped or not', async () => {
    for (const gzip of [false, true]) {
      const a = await generate(42, gzip);
      const b = await generate(42, gzip);
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      expect(a.size).toBeGreaterThanOrEqual(6 + 7);
      for (const [name, bytes] of a) expect(bytes.equals(b.get(name) as Buffer), name).toBe(true);
    }
  });

  it('a different seed gives a different world', async () => {
    const a = await generate('alpha');
    const b = await generate('beta');
    for (const name of ['events/network.ndjson', 'events/crm.ndjson', 'truth/persons.ndjson', 'truth/identifiers.ndjson']) {
      expect(a.get(name)?.equals(b.get(name) as Buffer), name).toBe(false);
    }
  });

  it('each line is independent of population size: a line of a bigger world has the same identifiers and owner', () => {
    const small = createWorld(resolveOptions({ seed: 3, subscribers: 100, days: 1 }));
    const big = createWorld(resolveOptions({ seed: 3, subscribers: 20_000, days: 1 }));
    const activations = (world: typeof small, limit: number) => {
      const out = new Map<string, unknown>();
      for (const batch of world.batches()) {
        for (const e of batch) if (e.type === 'activation' && out.size < limit) out.set(e.eventId, e.properties.msisdn);
        if (out.size >= limit) break;
      }
      return out;
    };
    const a = activations(small, 50);
    const b = activations(big, 50);
    for (const [id, msisdn] of a) expect(b.get(id), id).toBe(msisdn);
  });
});
