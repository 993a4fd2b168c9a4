import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteArena, StringPool, hashString } from './packed-strings.js';

/** Keys of every encoding the arena has, and near misses of each other. */
const keysOfEveryShape = (n: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      `msisdn:+7916${String(i).padStart(7, '0')}`, // prefix + decimal tail (odd length)
      `imsi:25001${String(i).padStart(10, '0')}`, // even tail
      `p_${(i * 2654435761).toString(16).padStart(12, '0')}`, // hex tail
      `email:user${i}@example.com`, // Latin-1, no tail
      `email:josé.${i}@exämple.org`, // Latin-1 beyond ASCII
      `email:用户${i}@例子.中国`, // UTF-16
      `bench-${i}`, // short tail after a known prefix
    );
  }
  return out;
};

describe('StringPool', () => {
  it('gives every distinct string its own entry and answers exactly, among many keys', () => {
    const pool = new StringPool();
    const keys = keysOfEveryShape(30_000);
    const entries = keys.map((k) => pool.intern(k));
    expect(new Set(entries).size).toBe(keys.length);
    expect(pool.size).toBe(keys.length);
    // One expect for the lot: 210,000 expects would take longer than the work.
    const wrong = keys.filter(
      (k, i) => pool.lookup(k) !== entries[i] || pool.intern(k) !== entries[i] || pool.text(entries[i] as number) !== k || !pool.matches(entries[i] as number, k),
    );
    expect(wrong).toEqual([]);
  });

  it('never takes a near miss for a stored string: leading zeros, case, one digit, a longer or shorter tail', () => {
    const pool = new StringPool();
    for (const k of ['imsi:250010000000001', 'p_00ab', 'msisdn:+79160000001', 'email:a@b.c', 'x', '']) pool.intern(k);
    for (const miss of [
      'imsi:25001000000001', // one zero fewer
      'imsi:2500100000000001', // one more
      'imsi:250010000000002',
      'imsi:250010000000001 ',
      'IMSI:250010000000001',
      'p_00AB', // upper-case hex is another string
      'p_0ab',
      'msisdn:79160000001',
      'email:a@b.C',
      'y',
      ' ',
    ]) {
      expect(pool.lookup(miss), miss).toBe(-1);
    }
    expect(pool.text(pool.lookup(''))).toBe('');
  });

  it('tells apart different strings with the same 32-bit hash', () => {
    // 300,000 random keys hold about ten pairs that share the whole hash (birthday bound); the pool compares strings.
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const byHash = new Map<number, Set<string>>();
    for (let i = 0; i < 300_000; i++) {
      let k = 'email:';
      for (let j = 0; j < 10; j++) k += alphabet[next() % alphabet.length] as string;
      const h = hashString(k);
      byHash.set(h, (byHash.get(h) ?? new Set()).add(k));
    }
    const colliding = [...byHash.values()].filter((ks) => ks.size > 1).map((ks) => [...ks]);
    expect(colliding.length).toBeGreaterThan(3);
    const pool = new StringPool();
    for (const ks of colliding) for (const k of ks) pool.intern(k);
    expect(pool.size).toBe(colliding.flat().length);
    for (const ks of colliding) {
      const entries = ks.map((k) => pool.lookup(k));
      expect(new Set(entries).size).toBe(ks.length);
      ks.forEach((k, i) => expect(pool.text(entries[i] as number)).toBe(k));
      // A string that shares the hash but was never interned is not found.
      const fresh = new StringPool();
      fresh.intern(ks[0] as string);
      expect(fresh.lookup(ks[1] as string)).toBe(-1);
    }
  });

  it('round-trips any string, and the stored hash equals the string hash (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.stringMatching(/^[a-z:+_-]{0,8}[0-9a-f]{0,30}$/)), { maxLength: 50 }), (strings) => {
        const arena = new ByteArena();
        const pool = new StringPool();
        for (const s of strings) {
          const off = arena.write(s);
          expect(arena.read(off)).toBe(s);
          expect(arena.equals(off, s)).toBe(true);
          expect(arena.hash(off)).toBe(hashString(s));
          expect(arena.recordLength(off)).toBeGreaterThan(0);
          pool.intern(s);
        }
        const distinct = [...new Set(strings)];
        expect(pool.size).toBe(distinct.length);
        for (const s of distinct) expect(pool.text(pool.lookup(s))).toBe(s);
      }),
    );
  });

  it('keeps records readable after the arena drops the ones no longer used', () => {
    const arena = new ByteArena();
    const offsets = Array.from({ length: 5000 }, (_, i) => arena.write(`bench-${i}`));
    const kept = offsets.map((off, i) => ({ off, text: `bench-${i}` })).filter((_, i) => i % 3 === 0);
    const before = arena.used;
    arena.compact((relocate) => {
      for (const k of kept) k.off = relocate(k.off);
    });
    expect(arena.used).toBeLessThan(before / 2);
    for (const k of kept) expect(arena.read(k.off)).toBe(k.text);
  });
});
