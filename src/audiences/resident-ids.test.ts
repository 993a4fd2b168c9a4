import { describe, expect, it } from 'vitest';
import { residentColumn } from './columns-resident.js';
import { ResidentIds } from './resident-ids.js';

const packed = (i: number) => `p_${(i * 7919).toString(16).padStart(24, '0')}`;

describe('ResidentIds', () => {
  it('gives back every id, finds sorted rows by search and later rows by map', () => {
    const ids = new ResidentIds();
    for (let i = 0; i < 5000; i++) expect(ids.push(packed(i))).toBe(i);
    ids.seal();
    expect(ids.sorted).toBe(5000);
    const late = ids.push('p_ffffffffffffffffffffff00');
    const other = ids.push('legacy-42');
    for (const i of [0, 1, 2499, 4999]) {
      expect(ids.id(i)).toBe(packed(i));
      expect(ids.rowOf(packed(i))).toBe(i);
    }
    expect(late).toBe(5000);
    expect(ids.rowOf('p_ffffffffffffffffffffff00')).toBe(5000);
    expect(ids.id(other)).toBe('legacy-42');
    expect(ids.rowOf('legacy-42')).toBe(other);
    expect(ids.rowOf(packed(5001))).toBeUndefined();
    expect(ids.rowOf('p_0000')).toBeUndefined();
    // Twelve bytes an id of the packed form (at capacity), plus the two kept by map.
    expect(ids.bytes()).toBeLessThan(5002 * 12 * 2 + 2 * 200);
  });

  it('leaves rows not in ascending order to the map', () => {
    const ids = new ResidentIds();
    for (const i of [3, 1, 2]) ids.push(packed(i));
    ids.seal();
    expect(ids.sorted).toBe(0);
    expect([1, 2, 3].map((i) => ids.rowOf(packed(i)))).toEqual([1, 2, 0]);
  });

  it('searches by map when an id of another form is among the sorted ones', () => {
    const ids = new ResidentIds();
    for (const id of [packed(1), packed(2), 'q-3']) ids.push(id);
    ids.seal();
    expect(ids.sorted).toBe(3);
    expect(['q-3', packed(2), packed(1)].map((id) => ids.rowOf(id))).toEqual([2, 1, 0]);
  });
});

describe('resident columns', () => {
  it('grow as rows are set and read back as the bulk evaluator encodes them', () => {
    const numbers = residentColumn('number');
    const strings = residentColumn('string');
    const flags = residentColumn('boolean');
    for (let row = 0; row < 3000; row += 1000) {
      numbers.set(row, row / 2);
      strings.set(row, row === 1000 ? null : `v${row % 2000}`);
      flags.set(row, row === 0);
    }
    expect(numbers.view(2001)).toMatchObject({ kind: 'number' });
    const n = numbers.view(2001) as { values: Float64Array };
    expect([n.values[0], n.values[1], n.values[1000], n.values[2000], n.values.length]).toEqual([0, Number.NaN, 500, 1000, 2001]);
    const s = strings.view(2001) as { codes: Int32Array; dictionary: readonly string[] };
    expect([s.codes[0], s.codes[1], s.codes[1000], s.codes[2000]]).toEqual([0, -1, -1, 0]);
    expect(s.dictionary).toEqual(['v0']);
    const b = flags.view(2001) as { values: Int8Array };
    expect([b.values[0], b.values[1], b.values[1000]]).toEqual([1, -1, 0]);
  });
});
