import { ExpressionError, parseExpression, type ExpressionNode, type PathSegment } from './expression-parser.js';

/*
 * Compiles a parsed expression to a tree of closures, once per definition, so that evaluating it on
 * an event is a few function calls (this runs for every event of every matching definition).
 *
 * Semantics, chosen so that a missing field never throws and never invents a number:
 * - A property path reads the event's `properties`; a missing field (or a step into a non-object) is
 *   `null`. Only own properties are read, so `constructor` or `__proto__` are just missing fields.
 * - Arithmetic (`+ - * / %`, unary `-`) needs two numbers; anything else, a division by zero or a
 *   non-finite result gives `null`. So `a + b` is null when either is missing.
 * - `==` / `!=` compare strictly (no coercion: `1 == "1"` is false; a missing field `== null`).
 *   `< <= > >=` compare two numbers or two strings; any other pair is false (use `exists()` to be
 *   explicit about missing fields).
 * - `and`, `or`, `not` work on truthiness and give booleans: `false`, `null`, `0` and `""` are falsy.
 * - `x in [a, b]` is strict membership; the right side may also be a path holding an array.
 * - Functions: `exists(path)` — the field is present and not null; `coalesce(a, b, …)` — the first
 *   non-null argument; `sum`, `count`, `min`, `max` take either one list (a `[*]` path such as
 *   `volumes[*].uplink`, an array-valued path, or `[…]`) or several values: `sum` adds the numbers
 *   (0 when none; null when its single argument is missing), `count` counts non-null items, `min` /
 *   `max` give the extreme number or null.
 * - Variables: `$day` (the event's local date, YYYY-MM-DD, in the person's time zone), `$type` (the
 *   event type), `$source` (the source id).
 */

/** What an expression can see of one event. */
export interface EvalContext {
  readonly properties: Readonly<Record<string, unknown>>;
  /** The event's local date (YYYY-MM-DD) in the person's time zone. */
  readonly day: string;
  readonly type: string;
  readonly source: string;
}

/** A compiled expression: returns a JSON value (number, string, boolean, null, array or object). */
export type CompiledExpression = (ctx: EvalContext) => unknown;

export const VARIABLES = ['day', 'type', 'source'] as const;
const LIST_FUNCTIONS = new Set(['sum', 'count', 'min', 'max']);
const FUNCTIONS = new Set(['exists', 'coalesce', ...LIST_FUNCTIONS]);

/** `false`, `null` (and a missing value), `0` and `""` are falsy; everything else is truthy. */
export const truthy = (value: unknown): boolean => value !== null && value !== undefined && value !== false && value !== 0 && value !== '';

const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);

const own = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;

const step = (value: unknown, segment: PathSegment): unknown => {
  if (segment.kind === 'key') return own(value, segment.key);
  if (segment.kind === 'index') return Array.isArray(value) ? value[segment.index] : own(value, String(segment.index));
  return undefined;
};

const hasWildcard = (node: ExpressionNode): boolean => node.kind === 'path' && node.segments.some((s) => s.kind === 'all');

/** Where a list (a `[*]` path or a `[…]` literal) may appear. */
type Place = 'value' | 'list';

const compilePath = (segments: readonly PathSegment[]): CompiledExpression => {
  const [first, second] = segments;
  // The common shapes (`duration`, `amount.value`) get a closure without a loop.
  if (segments.length === 1 && first?.kind === 'key') {
    const key = first.key;
    return (ctx) => own(ctx.properties, key) ?? null;
  }
  if (segments.length === 2 && first?.kind === 'key' && second !== undefined) {
    const key = first.key;
    return (ctx) => step(own(ctx.properties, key), second) ?? null;
  }
  return (ctx) => {
    let value: unknown = ctx.properties;
    for (const segment of segments) value = step(value, segment);
    return value ?? null;
  };
};

const collect = (value: unknown, segments: readonly PathSegment[], from: number, out: unknown[]): void => {
  for (let i = from; i < segments.length; i++) {
    const segment = segments[i] as PathSegment;
    if (segment.kind === 'all') {
      if (Array.isArray(value)) for (const item of value) collect(item, segments, i + 1, out);
      return;
    }
    value = step(value, segment);
  }
  out.push(value ?? null);
};

const compileMultiPath = (segments: readonly PathSegment[]): CompiledExpression => {
  return (ctx) => {
    const out: unknown[] = [];
    collect(ctx.properties, segments, 0, out);
    return out;
  };
};

const compare = (a: unknown, b: unknown): number | undefined => {
  if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))
    return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
};

const arithmetic = (op: '+' | '-' | '*' | '/' | '%', left: CompiledExpression, right: CompiledExpression): CompiledExpression => {
  const apply = (a: number, b: number): number =>
    op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  return (ctx) => {
    const a = left(ctx);
    if (typeof a !== 'number') return null;
    const b = right(ctx);
    return typeof b === 'number' ? finiteOrNull(apply(a, b)) : null;
  };
};

const listFunction = (name: string, args: readonly CompiledExpression[]): CompiledExpression => {
  const items = (ctx: EvalContext): unknown[] | null => {
    if (args.length !== 1) return args.map((arg) => arg(ctx));
    const value = (args[0] as CompiledExpression)(ctx);
    if (value === null || value === undefined) return null;
    return Array.isArray(value) ? value : [value];
  };
  switch (name) {
    case 'sum':
      return (ctx) => {
        const list = items(ctx);
        if (list === null) return null;
        let total = 0;
        for (const item of list) if (typeof item === 'number') total += item;
        return finiteOrNull(total);
      };
    case 'count':
      return (ctx) => (items(ctx) ?? []).filter((item) => item !== null && item !== undefined).length;
    default: {
      const better = name === 'min' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
      return (ctx) => {
        let best: number | null = null;
        for (const item of items(ctx) ?? []) if (typeof item === 'number' && (best === null || better(item, best))) best = item;
        return best;
      };
    }
  }
};

const compileCall = (node: Extract<ExpressionNode, { kind: 'call' }>): CompiledExpression => {
  if (!FUNCTIONS.has(node.name))
    throw new ExpressionError(`unknown function '${node.name}' (known: ${[...FUNCTIONS].join(', ')})`, node.pos);
  if (node.args.length === 0) throw new ExpressionError(`${node.name}() needs an argument`, node.pos);
  if (node.name === 'exists') {
    const [arg] = node.args;
    if (node.args.length !== 1 || arg?.kind !== 'path') throw new ExpressionError('exists() takes one property path', node.pos);
    if (hasWildcard(arg)) {
      const list = compileMultiPath(arg.segments);
      return (ctx) => (list(ctx) as unknown[]).some((item) => item !== null);
    }
    const path = compilePath(arg.segments);
    return (ctx) => path(ctx) !== null;
  }
  if (node.name === 'coalesce') {
    const args = node.args.map((arg) => compileNode(arg, 'value'));
    return (ctx) => {
      for (const arg of args) {
        const value = arg(ctx);
        if (value !== null && value !== undefined) return value;
      }
      return null;
    };
  }
  return listFunction(
    node.name,
    node.args.map((arg) => compileNode(arg, 'list')),
  );
};

const compileNode = (node: ExpressionNode, place: Place): CompiledExpression => {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return () => value;
    }
    case 'variable': {
      if (node.name === 'day') return (ctx) => ctx.day;
      if (node.name === 'type') return (ctx) => ctx.type;
      if (node.name === 'source') return (ctx) => ctx.source;
      throw new ExpressionError(`unknown variable '$${node.name}' (known: ${VARIABLES.map((v) => `$${v}`).join(', ')})`, node.pos);
    }
    case 'path':
      if (!hasWildcard(node)) return compilePath(node.segments);
      if (place !== 'list')
        throw new ExpressionError(`'${node.text}' is a list: use it inside sum(), count(), min(), max() or after in`, node.pos);
      return compileMultiPath(node.segments);
    case 'list': {
      if (place !== 'list')
        throw new ExpressionError('a list can only follow in or be the argument of sum(), count(), min() or max()', node.pos);
      const items = node.items.map((item) => compileNode(item, 'value'));
      return (ctx) => items.map((item) => item(ctx));
    }
    case 'negate': {
      const operand = compileNode(node.operand, 'value');
      return (ctx) => {
        const value = operand(ctx);
        return typeof value === 'number' ? -value : null;
      };
    }
    case 'not': {
      const operand = compileNode(node.operand, 'value');
      return (ctx) => !truthy(operand(ctx));
    }
    case 'in':
      return compileIn(node);
    case 'call':
      return compileCall(node);
    case 'binary':
      return compileBinary(node);
  }
};

const compileIn = (node: Extract<ExpressionNode, { kind: 'in' }>): CompiledExpression => {
  const value = compileNode(node.value, 'value');
  const negated = node.negated;
  // A literal list of constants (the usual `plmn in ["25001", "25002"]`) becomes a Set.
  if (node.list.kind === 'list' && node.list.items.every((item) => item.kind === 'literal')) {
    const members = new Set(node.list.items.map((item) => (item as Extract<ExpressionNode, { kind: 'literal' }>).value));
    return (ctx) => members.has(value(ctx) as never) !== negated;
  }
  if (node.list.kind !== 'list' && node.list.kind !== 'path')
    throw new ExpressionError('in needs a list [...] or a property path holding one', node.list.pos);
  const list = compileNode(node.list, 'list');
  return (ctx) => {
    const items = list(ctx);
    return (Array.isArray(items) && items.includes(value(ctx))) !== negated;
  };
};

const compileBinary = (node: Extract<ExpressionNode, { kind: 'binary' }>): CompiledExpression => {
  const left = compileNode(node.left, 'value');
  const right = compileNode(node.right, 'value');
  switch (node.op) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return arithmetic(node.op, left, right);
    case '==':
      return (ctx) => left(ctx) === right(ctx);
    case '!=':
      return (ctx) => left(ctx) !== right(ctx);
    case '<':
      return (ctx) => (compare(left(ctx), right(ctx)) ?? 0) < 0;
    case '<=': {
      return (ctx) => {
        const c = compare(left(ctx), right(ctx));
        return c !== undefined && c <= 0;
      };
    }
    case '>':
      return (ctx) => (compare(left(ctx), right(ctx)) ?? 0) > 0;
    case '>=': {
      return (ctx) => {
        const c = compare(left(ctx), right(ctx));
        return c !== undefined && c >= 0;
      };
    }
    case 'and':
      return (ctx) => truthy(left(ctx)) && truthy(right(ctx));
    case 'or':
      return (ctx) => truthy(left(ctx)) || truthy(right(ctx));
  }
};

/**
 * Parses and compiles an expression; throws `ExpressionError` (with the position) for a syntax
 * error, an unknown function or variable, or a list where a single value is needed.
 */
export const compileExpression = (source: string): CompiledExpression => compileNode(parseExpression(source), 'value');

/** The property paths an expression reads (as written, e.g. `amount.value`), for checks against contracts. */
export const expressionPaths = (source: string): string[] => {
  const paths = new Set<string>();
  const visit = (node: ExpressionNode): void => {
    switch (node.kind) {
      case 'path':
        paths.add(node.text);
        return;
      case 'list':
        node.items.forEach(visit);
        return;
      case 'negate':
      case 'not':
        visit(node.operand);
        return;
      case 'binary':
        visit(node.left);
        visit(node.right);
        return;
      case 'in':
        visit(node.value);
        visit(node.list);
        return;
      case 'call':
        node.args.forEach(visit);
        return;
      case 'literal':
      case 'variable':
        return;
    }
  };
  visit(parseExpression(source));
  return [...paths];
};
