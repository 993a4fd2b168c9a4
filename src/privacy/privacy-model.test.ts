import { describe, expect, it } from 'vitest';
import { likeContaining, nodeAt, planErasure, releaseWindows, type SubjectNode } from './privacy-model.js';
import { TombstoneSet, tombstoneHash, tombstoneOf } from './tombstones.js';

const node = (valueKey: string, epoch: number, profileId: string, validFrom: string | null, validTo: string | null): SubjectNode => ({
  valueKey,
  type: valueKey.slice(0, valueKey.indexOf(':')),
  value: valueKey.slice(valueKey.indexOf(':') + 1),
  epoch,
  validFrom,
  validTo,
  profileId,
});

describe('tombstones', () => {
  it('never hold the value itself, and cover an identifier only within the erased window', () => {
    const t = tombstoneOf('msisdn:+79161234567', '2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z');
    expect(JSON.stringify(t)).not.toContain('79161234567');
    expect(t.idHash).toBe(tombstoneHash('msisdn:+79161234567'));
    expect(t.idType).toBe('msisdn');
    const set = new TombstoneSet([t]);
    expect(set.covers('msisdn:+79161234567', '2026-03-01T00:00:00.000Z')).toBe(true);
    expect(set.covers('msisdn:+79161234567', '2026-01-01T00:00:00.000Z')).toBe(true);
    // The next holder of a recycled number, and the one before, are not the erased person.
    expect(set.covers('msisdn:+79161234567', '2026-06-01T00:00:00.000Z')).toBe(false);
    expect(set.covers('msisdn:+79161234567', '2025-12-31T23:59:59.000Z')).toBe(false);
    expect(set.covers('msisdn:+79161234568', '2026-03-01T00:00:00.000Z')).toBe(false);
  });

  it('an unbounded window covers every time; an event is covered when any identifier is', () => {
    const set = new TombstoneSet([tombstoneOf('email:a_b@example.com', null, null)]);
    expect(set.coversAny({ msisdn: '+79160000000', email: 'a_b@example.com' }, '1999-01-01T00:00:00.000Z')).toBe(true);
    expect(set.coversAny({ msisdn: '+79160000000' }, '2030-01-01T00:00:00.000Z')).toBe(false);
    expect(new TombstoneSet().coversAny({ email: 'a_b@example.com' }, '2030-01-01T00:00:00.000Z')).toBe(false);
  });
});

describe('subjects and erasure plans', () => {
  const epochs = [
    node('msisdn:+79161234567', 0, 'p_old', null, '2026-03-01T00:00:00.000Z'),
    node('msisdn:+79161234567', 1, 'p_new', '2026-03-01T00:00:00.000Z', null),
  ];

  it('an identifier names the holder of the epoch valid at the time, else its latest epoch', () => {
    expect(nodeAt(epochs, '2026-02-01T00:00:00.000Z')?.profileId).toBe('p_old');
    expect(nodeAt(epochs, '2026-11-01T00:00:00.000Z')?.profileId).toBe('p_new');
    expect(nodeAt([epochs[0] as SubjectNode], '2026-11-01T00:00:00.000Z')?.profileId).toBe('p_old');
    expect(nodeAt([], '2026-11-01T00:00:00.000Z')).toBeUndefined();
  });

  it('keeps the evidence of a value another person holds in another epoch', () => {
    const person = [epochs[0] as SubjectNode, node('imsi:250011234567890', 0, 'p_old', null, null)];
    expect(planErasure(person, new Set(['msisdn:+79161234567']))).toEqual({
      exclusive: ['imsi:250011234567890'],
      shared: ['msisdn:+79161234567'],
    });
    expect(planErasure(person, new Set()).exclusive).toEqual(['imsi:250011234567890', 'msisdn:+79161234567']);
  });

  it('escapes LIKE wildcards so an e-mail matches only itself', () => {
    expect(likeContaining('a_b%c!d@x.org')).toBe('%a!_b!%c!!d@x.org%');
  });
});

describe('releasing a tombstone', () => {
  const from = '2026-11-15T00:00:00.000Z';
  it('ends a window that runs past the release, drops one that starts after it, keeps an earlier one', () => {
    expect(releaseWindows([{ validFrom: null, validTo: null }], from)).toEqual({
      keep: [{ validFrom: null, validTo: from }],
      changed: true,
    });
    expect(releaseWindows([{ validFrom: '2026-11-16T00:00:00.000Z', validTo: null }], from)).toEqual({ keep: [], changed: true });
    const earlier = { validFrom: null, validTo: '2026-03-01T00:00:00.000Z' };
    expect(releaseWindows([earlier], from)).toEqual({ keep: [earlier], changed: false });
  });
});
