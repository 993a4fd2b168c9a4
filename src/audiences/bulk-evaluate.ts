import type { ColumnStore } from './columns.js';
import { predicateOf } from './compare.js';
import type { AttributeCondition, Condition, EventCondition, GroupCondition, MembersCondition, ValidAudience } from './conditions.js';
import { consentKey } from './dependencies.js';
import { compareCount, compileFilters } from './event-count.js';
import { DAY_MS, type FieldValue } from './field-types.js';
import {
  AND,
  booleanTable,
  combine,
  countsMatch,
  dictionaryTable,
  eventCounts,
  fill,
  flagEquals,
  invert,
  nextDown,
  nextUp,
  numberInside,
  numberOutside,
  OR,
  rowTest,
  SET,
  type Mode,
} from './scan-kernels.js';

/*
 * The bulk evaluator: a validated audience compiled into scans over a ColumnStore, for exact
 * counts, previews and full recomputes. It must select exactly the members the incremental
 * evaluator (evaluate.ts) would; evaluators.property.test.ts checks that on random rules and
 * profiles. Where a comparison is an interval on numbers it runs a tight kernel; strings and
 * booleans are answered once per dictionary entry; everything else falls back to the same
 * predicates the incremental evaluator uses.
 */

/** A compiled condition: writes its answer for every row into `out`, as `mode` says. */
export type ScanNode = (store: ColumnStore, now: number, out: Uint8Array, mode: Mode) => void;

/** A number or date comparison as a closed interval [lo, hi], or its outside (as `predicateOf` defines it; null never matches). */
interface Interval {
  readonly lo: number;
  readonly hi: number;
  readonly outside: boolean;
}

const intervalOf = (condition: AttributeCondition, now: number): Interval | undefined => {
  const { operator, operand } = condition.comparison;
  const x = operand.kind === 'scalar' ? (operand.value as number) : Number.NaN;
  const inside = (lo: number, hi: number): Interval => ({ lo, hi, outside: false });
  switch (operator) {
    case '=':
      return inside(x, x);
    case '!=':
      return { lo: x, hi: x, outside: true };
    case '<':
      return inside(-Infinity, nextDown(x));
    case '<=':
      return inside(-Infinity, x);
    case '>':
      return inside(nextUp(x), Infinity);
    case '>=':
      return inside(x, Infinity);
    case 'between':
    case 'notBetween':
      return operand.kind === 'range' ? { lo: operand.low, hi: operand.high, outside: operator === 'notBetween' } : undefined;
    case 'withinLastDays':
      return operand.kind === 'days' ? inside(nextUp(now - operand.days * DAY_MS), now) : undefined;
    case 'olderThanDays':
      return operand.kind === 'days' ? inside(-Infinity, now - operand.days * DAY_MS) : undefined;
    case 'notNull':
      return inside(-Infinity, Infinity);
    default:
      return undefined;
  }
};

const attributeScan =
  (condition: AttributeCondition): ScanNode =>
  (store, now, out, mode) => {
    const predicate = predicateOf(condition.comparison);
    const column = store.column(condition.field.id);
    if (column === undefined) return fill(predicate(condition.field.whenAbsent ?? null, now), out, mode);
    if (column.kind === 'number') {
      const interval = intervalOf(condition, now);
      if (interval) return (interval.outside ? numberOutside : numberInside)(column.values, interval.lo, interval.hi, out, mode);
      const values = column.values;
      return rowTest(store.size, (row) => predicate(Number.isNaN(values[row] as number) ? null : (values[row] as number), now), out, mode);
    }
    // Strings and booleans: the predicate once per distinct value, then a table lookup per row.
    const entries: readonly FieldValue[] = column.kind === 'dictionary' ? column.dictionary : [false, true];
    const table = new Uint8Array(entries.length + 1);
    table[0] = predicate(null, now) ? 1 : 0;
    entries.forEach((value, code) => (table[code + 1] = predicate(value, now) ? 1 : 0));
    if (column.kind === 'dictionary') dictionaryTable(column.codes, table, out, mode);
    else booleanTable(column.values, table, out, mode);
  };

const eventScan = (condition: EventCondition): ScanNode => {
  const filters = compileFilters(condition.filters);
  const { op, n } = condition.count;
  const { window } = condition;
  return (store, now, out, mode) => {
    // `inWindow` of event-count.ts as one closed interval: (now − D, now], or [from, to) up to now.
    const [lo, hi] = window.kind === 'last' ? [nextUp(now - window.days * DAY_MS), now] : [window.from, Math.min(nextDown(window.to), now)];
    const counter = store.counter(condition.eventType);
    if (counter !== undefined) return countsMatch(counter.count(condition.filters, lo, hi), op, n, out, mode);
    const events = store.events(condition.eventType);
    if (events === undefined) return fill(compareCount(op, n, 0), out, mode);
    const { start, at, properties } = events;
    let matches: Uint8Array | null = null;
    if (condition.filters.length > 0) {
      matches = new Uint8Array(at.length);
      for (let j = 0; j < at.length; j++) matches[j] = filters.matches(properties?.[j] ?? {}) ? 1 : 0;
    }
    eventCounts(start, at, matches, lo, hi, op, n, out, mode);
  };
};

const membersScan = (condition: MembersCondition): ScanNode => {
  const inner = groupScan(condition.group);
  return (store, now, out, mode) => {
    const index = store.members;
    const { start, rows } = index ?? { start: new Int32Array(store.size + 1), rows: new Int32Array(0) };
    const personMask = new Uint8Array(index?.persons.size ?? 0);
    if (index) inner(index.persons, now, personMask, SET);
    const decide = (row: number): boolean => {
      const from = start[row] as number;
      const to = start[row + 1] as number;
      let matching = 0;
      for (let j = from; j < to; j++) matching += personMask[rows[j] as number] as number;
      const members = to - from;
      const inside =
        condition.quantifier === 'any'
          ? matching > 0
          : condition.quantifier === 'all'
            ? members > 0 && matching === members
            : matching === 0;
      return inside !== condition.not;
    };
    rowTest(store.size, decide, out, mode);
  };
};

const COST: Readonly<Record<Condition['kind'], number>> = { attribute: 0, consent: 1, audience: 1, group: 2, event: 3, members: 4 };

const groupScan = (condition: GroupCondition): ScanNode => {
  // Cheap conditions first: an `and` narrows before the costly ones, which skip unselected rows.
  const children = [...condition.children].sort((a, b) => COST[a.kind] - COST[b.kind]).map(compileScan);
  const own: Mode = condition.combinator === 'and' ? AND : OR;
  return (store, now, out, mode) => {
    // Refine the parent's mask in place when the group combines the way the parent does.
    if (!condition.not && mode === own) {
      for (const child of children) child(store, now, out, mode);
      return;
    }
    const mask = mode === SET ? out : new Uint8Array(store.size);
    children.forEach((child, i) => child(store, now, mask, i === 0 ? SET : own));
    if (condition.not) invert(mask);
    if (mask !== out) combine(mask, out, mode);
  };
};

export const compileScan = (condition: Condition): ScanNode => {
  switch (condition.kind) {
    case 'group':
      return groupScan(condition);
    case 'members':
      return membersScan(condition);
    case 'attribute':
      return attributeScan(condition);
    case 'event':
      return eventScan(condition);
    case 'consent': {
      const key = consentKey(condition.purpose, condition.channel);
      return (store, _now, out, mode) => flagEquals(store.consent(key), condition.granted ? 1 : 0, out, mode);
    }
    case 'audience':
      return (store, _now, out, mode) => flagEquals(store.membership(condition.audienceId), condition.isIn ? 1 : 0, out, mode);
  }
};

/** The members of an audience among the store's rows: one byte per row, 1 for a member. */
export const scanAudience = (audience: ValidAudience, store: ColumnStore, now: number): Uint8Array => {
  const mask = new Uint8Array(store.size);
  compileScan(audience.root)(store, now, mask, SET);
  return mask;
};
