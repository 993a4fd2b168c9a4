import { describe, expect, it } from 'vitest';
import { compileExpression, expressionPaths, type EvalContext } from './expression.js';
import { ExpressionError, parseExpression } from './expression-parser.js';

const ctx = (properties: Record<string, unknown>, extra: Partial<EvalContext> = {}): EvalContext => ({
  properties,
  day: '2024-05-03',
  type: 'data_session',
  source: 'network',
  ...extra,
});

const evaluate = (source: string, properties: Record<string, unknown> = {}, extra: Partial<EvalContext> = {}): unknown =>
  compileExpression(source)(ctx(properties, extra));

const errorOf = (source: string): ExpressionError => {
  try {
    compileExpression(source);
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error(`expected ${source} to be refused`);
};

describe('expression literals, paths and variables', () => {
  it('reads numbers, strings, booleans and null', () => {
    expect(evaluate('42')).toBe(42);
    expect(evaluate('1.5e3')).toBe(1500);
    expect(evaluate('"a\\"b"')).toBe('a"b');
    expect(evaluate("'it\\'s'")).toBe("it's");
    expect(evaluate('true')).toBe(true);
    expect(evaluate('null')).toBe(null);
  });

  it('reads dotted paths, array indexes and quoted names', () => {
    const props = { amount: { value: 650, unit: 'RUB' }, list: [{ v: 1 }, { v: 2 }], o: { 'odd key': 7 } };
    expect(evaluate('amount.value', props)).toBe(650);
    expect(evaluate('list.1.v', props)).toBe(2);
    expect(evaluate('list[0].v', props)).toBe(1);
    expect(evaluate('o["odd key"]', props)).toBe(7);
    expect(evaluate('list[5].v', props)).toBe(null);
    expect(evaluate('amount.value.deeper', props)).toBe(null);
  });

  it('treats a missing field, and inherited names, as null', () => {
    expect(evaluate('missing')).toBe(null);
    expect(evaluate('constructor')).toBe(null);
    expect(evaluate('__proto__')).toBe(null);
    expect(evaluate('amount.toString', { amount: { value: 1 } })).toBe(null);
  });

  it('exposes $day, $type and $source', () => {
    expect(evaluate('$day')).toBe('2024-05-03');
    expect(evaluate('$type == "data_session" and $source == "network"')).toBe(true);
  });
});

describe('expression operators', () => {
  it('does arithmetic with precedence and parentheses', () => {
    expect(evaluate('1 + 2 * 3')).toBe(7);
    expect(evaluate('(1 + 2) * 3')).toBe(9);
    expect(evaluate('10 - 4 - 3')).toBe(3);
    expect(evaluate('7 % 4')).toBe(3);
    expect(evaluate('-a + 1', { a: 5 })).toBe(-4);
    expect(evaluate('up + down', { up: 1_048_576, down: 52_428_800 })).toBe(53_477_376);
  });

  it('gives null for arithmetic on null, on non-numbers, and for a division by zero', () => {
    expect(evaluate('up + down', { up: 5 })).toBe(null);
    expect(evaluate('a * 2', { a: '3' })).toBe(null);
    expect(evaluate('-a', { a: 'x' })).toBe(null);
    expect(evaluate('1 / 0')).toBe(null);
    expect(evaluate('0 / 0')).toBe(null);
    expect(evaluate('duration / 60', { duration: 90 })).toBe(1.5);
  });

  it('compares strictly, and never orders unlike things', () => {
    expect(evaluate('a == 1', { a: 1 })).toBe(true);
    expect(evaluate('a == "1"', { a: 1 })).toBe(false);
    expect(evaluate('a == null')).toBe(true);
    expect(evaluate('a != null')).toBe(false);
    expect(evaluate('a > 5', { a: 6 })).toBe(true);
    expect(evaluate('a >= 6', { a: 6 })).toBe(true);
    expect(evaluate('a < "b"', { a: 'a' })).toBe(true);
    expect(evaluate('a > 5')).toBe(false);
    expect(evaluate('a <= 5')).toBe(false);
    expect(evaluate('a < 5', { a: '3' })).toBe(false);
  });

  it('combines with and, or, not on truthiness', () => {
    expect(evaluate('a and b', { a: 1, b: 'x' })).toBe(true);
    expect(evaluate('a and b', { a: 1, b: '' })).toBe(false);
    expect(evaluate('a or b', { b: 0 })).toBe(false);
    expect(evaluate('not a')).toBe(true);
    expect(evaluate('not a == 1 or b', { a: 1, b: true })).toBe(true);
    expect(evaluate('x > 1 and x < 3 or x == 10', { x: 10 })).toBe(true);
  });

  it('tests membership with in and not in, in literal lists and array fields', () => {
    expect(evaluate('plmn in ["25001", "25002"]', { plmn: '25002' })).toBe(true);
    expect(evaluate('plmn not in ["25001", "25002"]', { plmn: '23415' })).toBe(true);
    expect(evaluate('plmn in ["25001"]')).toBe(false);
    expect(evaluate('plmn not in ["25001"]')).toBe(true);
    expect(evaluate('x in tags', { x: 'b', tags: ['a', 'b'] })).toBe(true);
    expect(evaluate('x in tags', { x: 'b', tags: 'b' })).toBe(false);
    expect(evaluate('x in [1 + 1, 3]', { x: 2 })).toBe(true);
  });
});

describe('expression functions', () => {
  it('exists() is true for a present, non-null field', () => {
    expect(evaluate('exists(a.b)', { a: { b: 0 } })).toBe(true);
    expect(evaluate('exists(a.b)', { a: { b: null } })).toBe(false);
    expect(evaluate('exists(a.b)', { a: 3 })).toBe(false);
    expect(evaluate('exists(items[*].v)', { items: [{}, { v: 1 }] })).toBe(true);
  });

  it('coalesce() gives the first non-null argument', () => {
    expect(evaluate('coalesce(a, b, 3)', { b: 0 })).toBe(0);
    expect(evaluate('coalesce(a, b)')).toBe(null);
    expect(
      evaluate('coalesce(servingNodePLMNIdentifier, userLocationInformation.plmnIdentifier)', {
        userLocationInformation: { plmnIdentifier: '23415' },
      }),
    ).toBe('23415');
  });

  it('sum, count, min and max work over [*] paths, arrays, lists and several values', () => {
    const props = { volumes: [{ up: 10, down: 5 }, { up: 20 }, { up: null, down: 1 }], nums: [3, 'x', 9] };
    expect(evaluate('sum(volumes[*].up)', props)).toBe(30);
    expect(evaluate('sum(volumes[*].up) + sum(volumes[*].down)', props)).toBe(36);
    expect(evaluate('count(volumes[*].down)', props)).toBe(2);
    expect(evaluate('min(nums)', props)).toBe(3);
    expect(evaluate('max(nums)', props)).toBe(9);
    expect(evaluate('max([1, 7, 2])')).toBe(7);
    expect(evaluate('sum(a, b)', { a: 1 })).toBe(1);
    expect(evaluate('sum(missing[*].x)')).toBe(0);
    expect(evaluate('sum(missing)')).toBe(null);
    expect(evaluate('count(missing)')).toBe(0);
    expect(evaluate('min(missing)')).toBe(null);
  });
});

describe('expression errors carry the position', () => {
  it.each([
    ['a +', 3, 'unexpected end'],
    ['a = 1', 2, "use '=='"],
    ['a && b', 2, "use 'and'"],
    ['"abc', 0, 'unterminated string'],
    ['(a + 1', 6, 'closing parenthesis'],
    ['a b', 2, "unexpected 'b'"],
    ['a < b < c', 6, 'do not chain'],
    ['frobnicate(a)', 0, "unknown function 'frobnicate'"],
    ['$week', 0, "unknown variable '$week'"],
    ['volumes[*].up + 1', 0, 'is a list'],
    ['[1, 2]', 0, 'a list can only'],
    ['exists(1)', 0, 'exists() takes one property path'],
    ['a.', 2, 'expected a property name'],
    ['a[x]', 2, 'expected an index'],
    ['1e', 0, 'exponent'],
    ['12abc', 2, 'after a number'],
    ['a in 3', 5, 'in needs a list'],
    ['"a\\q"', 2, 'unknown escape'],
    ['coalesce()', 0, 'needs an argument'],
    ['a #', 2, "unexpected character '#'"],
  ])('%s → position %i', (source, position, message) => {
    const error = errorOf(source);
    expect(error.position).toBe(position);
    expect(error.message).toContain(message);
    expect(error.message).toContain(`at position ${position}`);
  });

  it('refuses an absurdly long expression', () => {
    expect(errorOf(`a${' + a'.repeat(500)}`).message).toContain('longer than');
  });
});

describe('parsed form', () => {
  it('keeps the AST (a path with its text, a not-in)', () => {
    expect(parseExpression('a.b not in ["x"]')).toMatchObject({
      kind: 'in',
      negated: true,
      value: {
        kind: 'path',
        text: 'a.b',
        segments: [
          { kind: 'key', key: 'a' },
          { kind: 'key', key: 'b' },
        ],
      },
    });
  });

  it('lists the paths an expression reads', () => {
    expect(expressionPaths('coalesce(a.b, c) + sum(d[*].e) - $day').sort()).toEqual(['a.b', 'c', 'd[*].e']);
  });
});
