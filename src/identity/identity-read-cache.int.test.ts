import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/backends.js';
import { startTestApp, type TestApp } from '../../test/test-app.js';
import { DEMO_VOLUMES, createWorld, requestBatches, resolveOptions } from '../simulator/index.js';
import type { Db } from '../storage/index.js';
import { IdentityReadCache } from './identity-read-cache.js';
import { identityStore } from './identity.store.js';

/*
 * The packed read cache against the store it reads, on a resolved simulator world (recycled
 * numbers, SIM swaps, families, shared emails and devices, cookies with a TTL): every answer —
 * filled from the store, then from memory — equals the store's, field by field.
 */
const WORLD = { seed: 11, subscribers: 120, days: 2 } as const;

/**
 * Exact equality of answers: JSON keeps key order, so a reordered or extra field shows. Maps are
 * compared by entry (the store lists them in its row order, the cache in the order asked).
 */
const json = (x: unknown): string => JSON.stringify(x instanceof Map ? [...x].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : x);

describeEachBackend('identity read cache (packed) against the store', (backend) => {
  let app: TestApp;
  let db: Db;
  beforeEach(async () => {
    app = await startTestApp(backend, { env: { TESSERA_DEFAULT_REGION: 'RU' } });
    db = app.tessera.storage.db;
    const world = createWorld(resolveOptions({ ...WORLD, volumes: DEMO_VOLUMES }));
    for (const batch of requestBatches(world.batches(), 500)) await app.tessera.services.ingest.ingest(batch, { channel: 'native' });
    await app.tessera.services.pipeline.drain();
  }, 120_000);
  afterEach(async () => {
    await app.close();
  });

  const storedKeys = async (): Promise<string[]> => [
    ...(await db.selectFrom('identity_values').select('value_key').orderBy('value_key').execute()).map((r) => r.value_key),
    'msisdn:+70000000000', // never seen: the store has nothing
  ];
  const storedPairs = async (): Promise<[string, string][]> => [
    ...(await db.selectFrom('identity_edges').select(['a_key', 'b_key']).orderBy('a_key').orderBy('b_key').execute()).map(
      (r): [string, string] => [r.a_key, r.b_key],
    ),
    ['imsi:250010000000000', 'msisdn:+70000000000'],
  ];

  it('packs nodes asked for before their values, as it does those asked after', { timeout: 120_000 }, async () => {
    const keys = await storedKeys();
    const valuesFirst = new IdentityReadCache();
    await valuesFirst.values(db, keys);
    await valuesFirst.nodesOfValues(db, keys);
    // The pipeline's order for values new in a batch: their nodes are read after the values were forgotten.
    const nodesFirst = new IdentityReadCache();
    const nodes = await nodesFirst.nodesOfValues(db, keys);
    expect(nodes.length).toBeGreaterThan(500);
    expect(nodesFirst.counts().side).toBe(valuesFirst.counts().side);
    expect(json(await nodesFirst.values(db, keys))).toBe(json(await identityStore.values(db, keys)));
  });

  it('answers exactly what the store answers, when filling and from memory', { timeout: 120_000 }, async () => {
    const keys = await storedKeys();
    const pairs = await storedPairs();
    expect(keys.length).toBeGreaterThan(500);
    const cache = new IdentityReadCache();
    for (const pass of ['fill', 'memory']) {
      expect(json(await cache.values(db, keys)), pass).toBe(json(await identityStore.values(db, keys)));
      expect(json(await cache.lineEnds(db, keys)), pass).toBe(json(await identityStore.lineEnds(db, keys)));
      expect(json(await cache.existingEdges(db, pairs)), pass).toBe(json(await identityStore.existingEdges(db, pairs)));
      // The store answers nodes in its own order; the cache in the order of the keys asked.
      const byKey = (nodes: readonly { valueKey: string; nodeKey: string }[]) =>
        [...nodes].sort((x, y) => (x.valueKey + x.nodeKey < y.valueKey + y.nodeKey ? -1 : 1));
      expect(json(byKey(await cache.nodesOfValues(db, keys))), pass).toBe(json(byKey(await identityStore.nodesOfValues(db, keys))));
    }
    // The world has the shapes kept whole (several epochs, validity, line ends) and they are answered too.
    const ends = await identityStore.lineEnds(db, keys);
    expect(ends.size).toBeGreaterThan(0);

    // The cache remembers the last keys' places in its index: the same array changed in place
    // (reversed) must still be answered key by key.
    await cache.values(db, keys);
    keys.reverse();
    expect(json(await cache.lineEnds(db, keys))).toBe(json(ends));
    expect(json(await cache.values(db, keys))).toBe(json(await identityStore.values(db, keys)));
  });

  it('answers from memory until told to forget, and reads the store again after forget or clear', { timeout: 60_000 }, async () => {
    const keys = await storedKeys();
    const key = keys[0] as string;
    const cache = new IdentityReadCache();
    const before = (await cache.values(db, keys)).get(key);
    const nodesBefore = await cache.nodesOfValues(db, [key]);
    // The store changes behind the cache's back (as a batch's writes do before it forgets).
    await db.updateTable('identity_values').set({ component: 'changed' }).where('value_key', '=', key).execute();
    await db.updateTable('identity_nodes').set({ profile_id: 'p_changed' }).where('value_key', '=', key).execute();
    expect((await cache.values(db, [key])).get(key)).toEqual(before);
    expect(await cache.nodesOfValues(db, [key])).toEqual(nodesBefore);
    cache.forget([key]);
    expect((await cache.values(db, [key])).get(key)?.component).toBe('changed');
    expect((await cache.nodesOfValues(db, [key])).every((n) => n.profileId === 'p_changed')).toBe(true);

    // clear() (a failed batch) forgets everything.
    const other = keys[1] as string;
    await cache.values(db, [other]);
    await db.updateTable('identity_values').set({ component: 'changed-too' }).where('value_key', '=', other).execute();
    expect((await cache.values(db, [other])).get(other)?.component).not.toBe('changed-too');
    cache.clear();
    expect((await cache.values(db, [other])).get(other)?.component).toBe('changed-too');
  });

  it('stays within its bound and still answers every read completely', { timeout: 60_000 }, async () => {
    const keys = await storedKeys();
    const pairs = await storedPairs();
    const cache = new IdentityReadCache(200);
    for (let i = 0; i < keys.length; i += 60) {
      const part = keys.slice(i, i + 60);
      expect(json(await cache.values(db, part))).toBe(json(await identityStore.values(db, part)));
      expect(json(await cache.lineEnds(db, part))).toBe(json(await identityStore.lineEnds(db, part)));
    }
    for (let i = 0; i < pairs.length; i += 40) {
      const part = pairs.slice(i, i + 40);
      expect(json(await cache.existingEdges(db, part))).toBe(json(await identityStore.existingEdges(db, part)));
    }
    expect(() => new IdentityReadCache(20_000_000)).toThrow(RangeError);
  });
});
