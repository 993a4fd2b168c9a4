import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PropertyFilterCondition } from './conditions.js';
import { compileFilters } from './event-count.js';
import type { FieldType } from './field-types.js';
import { EventTable, propertyKey } from './resident-event-table.js';
import { propertyValue } from './resident-logged-events.js';

/*
 * The typed-array event table against a plain list of events: after any appends and removals
 * (compactions included), each person's count of events in a window matching the filters is the
 * list's, as `compileFilters` (the incremental evaluator's filter) decides a match.
 */

interface Plain {
  row: number;
  at: number;
  seq: number;
  properties: Record<string, unknown>;
}

const KEYS = [propertyKey('number', 'amount.value'), propertyKey('enum', 'method'), propertyKey('boolean', 'auto')];

const filter = (property: string, type: FieldType, operator: string, operand: PropertyFilterCondition['comparison']['operand']) =>
  ({ property, comparison: { type, operator, operand } }) as PropertyFilterCondition;

const FILTERS: readonly (readonly PropertyFilterCondition[])[] = [
  [],
  [filter('amount.value', 'number', '>=', { kind: 'scalar', value: 300 })],
  [filter('method', 'enum', 'in', { kind: 'list', values: ['card', 'cash'] })],
  [filter('auto', 'boolean', 'null', { kind: 'none' }), filter('amount.value', 'number', '!=', { kind: 'scalar', value: 100 })],
  [filter('method', 'enum', '!=', { kind: 'scalar', value: 'card' })],
];

const eventArb = fc.record({
  row: fc.integer({ min: 0, max: 9 }),
  at: fc.integer({ min: 0, max: 100 }),
  properties: fc.record(
    {
      amount: fc.record({ value: fc.constantFrom(100, 300, 500) }),
      method: fc.constantFrom('card', 'cash', 'wallet'),
      auto: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
});

const op = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), event: eventArb }),
  fc.record({ kind: fc.constant('removeRow' as const), row: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('removeBefore' as const), seq: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ kind: fc.constant('raiseFrom' as const), from: fc.integer({ min: 0, max: 60 }) }),
);

describe('EventTable', () => {
  for (const kind of ['chained', 'sequenced'] as const)
    it(`${kind}: counts what a plain list counts after any appends and removals`, () => {
      fc.assert(
        fc.property(
          fc.array(op, { maxLength: 400, size: 'max' }),
          fc.integer({ min: 0, max: 100 }),
          fc.integer({ min: 0, max: 100 }),
          (ops, a, b) => {
            const table = new EventTable({ from: 0, keys: new Set(KEYS), kind, compactFrom: 8 });
            let plain: Plain[] = [];
            let seq = 0;
            for (const o of ops) {
              if (o.kind === 'append') {
                seq++;
                if (!table.holds(o.event.at)) continue;
                table.append(o.event.row, o.event.at, propertyValue(o.event.properties), seq);
                plain.push({ ...o.event, seq });
              } else if (o.kind === 'removeRow' && kind === 'chained') {
                table.removeRow(o.row);
                plain = plain.filter((e) => e.row !== o.row);
              } else if (o.kind === 'removeBefore' && kind === 'sequenced') {
                table.removeBefore(o.seq);
                plain = plain.filter((e) => e.seq >= o.seq);
              } else if (o.kind === 'raiseFrom') {
                table.raiseFrom(o.from);
                plain = plain.filter((e) => e.at >= table.from);
              }
            }
            expect(table.size).toBe(plain.length);
            const [lo, hi] = [Math.min(a, b), Math.max(a, b)];
            for (const filters of FILTERS) {
              const counts = new Int32Array(10);
              const seen = new Uint8Array(10);
              table.countInto(counts, null, lo, hi, table.matches(filters), { from: hi, persons: seen });
              const matches = compileFilters(filters);
              const expected = new Int32Array(10);
              const expectedSeen = new Uint8Array(10);
              for (const e of plain) {
                if (e.at >= lo && e.at <= hi && matches.matches(e.properties)) expected[e.row] = (expected[e.row] as number) + 1;
                if (e.at >= hi) expectedSeen[e.row] = 1;
              }
              expect([...counts]).toEqual([...expected]);
              expect([...seen]).toEqual([...expectedSeen]);
            }
          },
        ),
        { numRuns: 200 },
      );
    });

  it('credits a row to its survivor, and nobody for −1', () => {
    const table = new EventTable({ from: 0, keys: new Set(), kind: 'sequenced' });
    for (const [row, at] of [
      [0, 5],
      [1, 6],
      [2, 7],
      [2, 50],
    ] as const)
      table.append(row, at, () => null, at);
    const counts = new Int32Array(3);
    table.countInto(counts, Int32Array.from([0, 0, -1]), 0, 10, null);
    expect([...counts]).toEqual([2, 0, 0]);
  });
});
