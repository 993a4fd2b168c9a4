import { describe, expect, it } from 'vitest';
import { WorkingProfileCache, type CachedProfile } from './working-profile-cache.js';

const entry = (profileId: string, bytes: number): CachedProfile => ({
  body: `{"id":"${profileId}"}`,
  nextChangeAt: null,
  wakeUps: undefined,
  bytes,
});

describe('WorkingProfileCache', () => {
  it('keeps within its memory bound, the least recently used out first', () => {
    const cache = new WorkingProfileCache(300);
    cache.set('a', entry('a', 100));
    cache.set('b', entry('b', 100));
    cache.set('c', entry('c', 100));
    expect(cache.get('a')?.body).toBe('{"id":"a"}'); // now the newest
    cache.set('d', entry('d', 100));
    expect([cache.get('b'), cache.size, cache.bytes]).toEqual([undefined, 3, 300]);
    expect(cache.get('c')).toBeDefined();
    // A bigger entry pushes out as many as it needs.
    cache.set('e', entry('e', 250));
    expect([cache.get('a'), cache.get('d'), cache.get('c')]).toEqual([undefined, undefined, undefined]);
    expect([cache.size, cache.bytes]).toEqual([1, 250]);
  });

  it('replaces an entry, counting its memory once', () => {
    const cache = new WorkingProfileCache(1000);
    cache.set('a', entry('a', 100));
    cache.set('a', entry('a', 300));
    expect([cache.size, cache.bytes]).toEqual([1, 300]);
  });

  it('never holds an entry larger than the bound, and holds nothing when the bound is 0', () => {
    const cache = new WorkingProfileCache(100);
    cache.set('a', entry('a', 50));
    cache.set('a', entry('a', 150));
    expect([cache.get('a'), cache.size, cache.bytes]).toEqual([undefined, 0, 0]);
    const off = new WorkingProfileCache(0);
    off.set('a', entry('a', 1));
    expect(off.size).toBe(0);
  });

  it('forgets and clears', () => {
    const cache = new WorkingProfileCache(1000);
    for (const id of ['a', 'b', 'c']) cache.set(id, entry(id, 10));
    cache.forget(['a', 'x']);
    expect([cache.get('a'), cache.size, cache.bytes]).toEqual([undefined, 2, 20]);
    cache.clear();
    expect([cache.get('b'), cache.size, cache.bytes]).toEqual([undefined, 0, 0]);
  });
});
