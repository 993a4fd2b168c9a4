/**
 * The syntax of the expressions in aggregate definitions (`value`, `filter`): a tokenizer and a
 * recursive-descent parser producing an AST. Nothing here evaluates anything; `expression.ts`
 * compiles the AST to closures. There is no `eval` and no `new Function` anywhere: a definition is
 * operator-written text, and the only things it can reach are the event's properties and the
 * variables listed in `VARIABLES`.
 *
 * Grammar (lowest precedence first):
 *
 *   or         := and ('or' and)*
 *   and        := not ('and' not)*
 *   not        := 'not' not | comparison
 *   comparison := additive (('==' | '!=' | '<' | '<=' | '>' | '>=') additive
 *                           | 'in' additive | 'not' 'in' additive)?
 *   additive   := multiplicative (('+' | '-') multiplicative)*
 *   multiplicative := unary (('*' | '/' | '%') unary)*
 *   unary      := '-' unary | primary
 *   primary    := number | string | 'true' | 'false' | 'null' | variable | '(' or ')'
 *               | '[' (or (',' or)*)? ']' | name '(' (or (',' or)*)? ')' | path
 *   path       := name ('.' name | '.' integer | '[' integer ']' | '[' string ']' | '[' '*' ']')*
 *   variable   := '$' name
 *
 * Positions are 0-based offsets into the source text.
 */

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export type PathSegment =
  { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'all' };

export type ExpressionNode =
  | { readonly kind: 'literal'; readonly value: number | string | boolean | null; readonly pos: number }
  | { readonly kind: 'list'; readonly items: readonly ExpressionNode[]; readonly pos: number }
  | { readonly kind: 'path'; readonly segments: readonly PathSegment[]; readonly text: string; readonly pos: number }
  | { readonly kind: 'variable'; readonly name: string; readonly pos: number }
  | { readonly kind: 'negate'; readonly operand: ExpressionNode; readonly pos: number }
  | { readonly kind: 'not'; readonly operand: ExpressionNode; readonly pos: number }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
      readonly pos: number;
    }
  | { readonly kind: 'in'; readonly negated: boolean; readonly value: ExpressionNode; readonly list: ExpressionNode; readonly pos: number }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly ExpressionNode[]; readonly pos: number };

/** A syntax or meaning error in an expression, with the offset of the offending text. */
export class ExpressionError extends Error {
  readonly position: number;
  /** The message without the position, for callers that report the position separately. */
  readonly reason: string;

  constructor(reason: string, position: number) {
    super(`${reason} at position ${position}`);
    this.name = 'ExpressionError';
    this.reason = reason;
    this.position = position;
  }
}

type TokenKind = 'number' | 'string' | 'name' | 'variable' | 'punct' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
  readonly value?: number | string;
}

/** Longest first, so `<=` is not read as `<` then `=`. */
const PUNCTUATION = ['==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.'];
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const MAX_SOURCE_LENGTH = 2_000;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isNameStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isNamePart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t' };

const tokenize = (source: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c)) {
      while (isDigit(source[i])) i++;
      // After a dot the number is a path index (`list.0.value`), never a fraction.
      const afterDot = tokens.at(-1)?.text === '.';
      if (!afterDot && source[i] === '.' && isDigit(source[i + 1])) {
        i++;
        while (isDigit(source[i])) i++;
      }
      if (!afterDot && (source[i] === 'e' || source[i] === 'E')) {
        let j = i + 1;
        if (source[j] === '+' || source[j] === '-') j++;
        if (!isDigit(source[j])) throw new ExpressionError('malformed number exponent', start);
        i = j;
        while (isDigit(source[i])) i++;
      }
      if (isNameStart(source[i])) throw new ExpressionError(`unexpected '${source[i]}' after a number`, i);
      const text = source.slice(start, i);
      tokens.push({ kind: 'number', text, pos: start, value: Number(text) });
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      for (;;) {
        const ch = source[i];
        if (ch === undefined) throw new ExpressionError('unterminated string', start);
        if (ch === c) break;
        if (ch === '\\') {
          const escaped = ESCAPES[source[i + 1] ?? ''];
          if (escaped === undefined) throw new ExpressionError('unknown escape in string', i);
          value += escaped;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', text: source.slice(start, i), pos: start, value });
      continue;
    }
    if (isNameStart(c) || (c === '$' && isNameStart(source[i + 1]))) {
      i++;
      while (isNamePart(source[i])) i++;
      const text = source.slice(start, i);
      tokens.push(c === '$' ? { kind: 'variable', text, pos: start, value: text.slice(1) } : { kind: 'name', text, pos: start });
      continue;
    }
    const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
    if (punct === undefined) {
      const hint = c === '=' ? " (use '==' to compare)" : c === '!' ? " (use 'not')" : c === '&' || c === '|' ? " (use 'and' / 'or')" : '';
      throw new ExpressionError(`unexpected character '${c}'${hint}`, i);
    }
    tokens.push({ kind: 'punct', text: punct, pos: start });
    i += punct.length;
  }
  tokens.push({ kind: 'end', text: '', pos: source.length });
  return tokens;
};

class Parser {
  readonly #tokens: readonly Token[];
  #at = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  parse(): ExpressionNode {
    const node = this.#or();
    const next = this.#peek();
    if (next.kind !== 'end') throw new ExpressionError(`unexpected '${next.text}'`, next.pos);
    return node;
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#at + offset, this.#tokens.length - 1)] as Token;
  }

  #next(): Token {
    const token = this.#peek();
    if (token.kind !== 'end') this.#at++;
    return token;
  }

  #isPunct(text: string): boolean {
    const token = this.#peek();
    return token.kind === 'punct' && token.text === text;
  }

  #isKeyword(word: string, offset = 0): boolean {
    const token = this.#peek(offset);
    return token.kind === 'name' && token.text === word;
  }

  #expect(text: string, what: string): Token {
    const token = this.#peek();
    if (token.kind !== 'punct' || token.text !== text) throw new ExpressionError(`expected ${what}, found ${describe(token)}`, token.pos);
    return this.#next();
  }

  #or(): ExpressionNode {
    let left = this.#and();
    while (this.#isKeyword('or')) {
      const { pos } = this.#next();
      left = { kind: 'binary', op: 'or', left, right: this.#and(), pos };
    }
    return left;
  }

  #and(): ExpressionNode {
    let left = this.#not();
    while (this.#isKeyword('and')) {
      const { pos } = this.#next();
      left = { kind: 'binary', op: 'and', left, right: this.#not(), pos };
    }
    return left;
  }

  #not(): ExpressionNode {
    if (this.#isKeyword('not')) {
      const { pos } = this.#next();
      return { kind: 'not', operand: this.#not(), pos };
    }
    return this.#comparison();
  }

  #comparison(): ExpressionNode {
    const left = this.#additive();
    const token = this.#peek();
    if (token.kind === 'punct' && COMPARISONS.has(token.text)) {
      this.#next();
      const node: ExpressionNode = { kind: 'binary', op: token.text as BinaryOperator, left, right: this.#additive(), pos: token.pos };
      const after = this.#peek();
      if (after.kind === 'punct' && COMPARISONS.has(after.text)) throw new ExpressionError('comparisons do not chain; use and', after.pos);
      return node;
    }
    if (this.#isKeyword('in') || (this.#isKeyword('not') && this.#isKeyword('in', 1))) {
      const negated = this.#isKeyword('not');
      if (negated) this.#next();
      this.#next();
      return { kind: 'in', negated, value: left, list: this.#additive(), pos: token.pos };
    }
    return left;
  }

  #additive(): ExpressionNode {
    let left = this.#multiplicative();
    while (this.#isPunct('+') || this.#isPunct('-')) {
      const { text, pos } = this.#next();
      left = { kind: 'binary', op: text as BinaryOperator, left, right: this.#multiplicative(), pos };
    }
    return left;
  }

  #multiplicative(): ExpressionNode {
    let left = this.#unary();
    while (this.#isPunct('*') || this.#isPunct('/') || this.#isPunct('%')) {
      const { text, pos } = this.#next();
      left = { kind: 'binary', op: text as BinaryOperator, left, right: this.#unary(), pos };
    }
    return left;
  }

  #unary(): ExpressionNode {
    if (this.#isPunct('-')) {
      const { pos } = this.#next();
      return { kind: 'negate', operand: this.#unary(), pos };
    }
    return this.#primary();
  }

  #primary(): ExpressionNode {
    const token = this.#peek();
    switch (token.kind) {
      case 'number':
      case 'string':
        this.#next();
        return { kind: 'literal', value: token.value as number | string, pos: token.pos };
      case 'variable':
        this.#next();
        return { kind: 'variable', name: token.value as string, pos: token.pos };
      case 'end':
        throw new ExpressionError('unexpected end of expression', token.pos);
      case 'punct':
        return this.#bracketed(token);
      case 'name':
        break;
    }
    if (token.text === 'true' || token.text === 'false' || token.text === 'null') {
      this.#next();
      return { kind: 'literal', value: token.text === 'null' ? null : token.text === 'true', pos: token.pos };
    }
    if (KEYWORDS.has(token.text)) throw new ExpressionError(`unexpected '${token.text}'`, token.pos);
    if (this.#peek(1).kind === 'punct' && this.#peek(1).text === '(') {
      this.#next();
      this.#next();
      return { kind: 'call', name: token.text, args: this.#items(')', 'a closing parenthesis'), pos: token.pos };
    }
    return this.#path();
  }

  #bracketed(token: Token): ExpressionNode {
    if (token.text === '(') {
      this.#next();
      const inner = this.#or();
      this.#expect(')', 'a closing parenthesis');
      return inner;
    }
    if (token.text === '[') {
      this.#next();
      return { kind: 'list', items: this.#items(']', "a closing ']'"), pos: token.pos };
    }
    throw new ExpressionError(`unexpected '${token.text}'`, token.pos);
  }

  #items(close: string, what: string): ExpressionNode[] {
    const items: ExpressionNode[] = [];
    if (this.#isPunct(close)) {
      this.#next();
      return items;
    }
    for (;;) {
      items.push(this.#or());
      if (this.#isPunct(',')) {
        this.#next();
        continue;
      }
      this.#expect(close, what);
      return items;
    }
  }

  #path(): ExpressionNode {
    const first = this.#next();
    const segments: PathSegment[] = [{ kind: 'key', key: first.text }];
    let end = first.pos + first.text.length;
    for (;;) {
      if (this.#isPunct('.')) {
        this.#next();
        const part = this.#next();
        if (part.kind === 'name') segments.push({ kind: 'key', key: part.text });
        else if (part.kind === 'number' && Number.isSafeInteger(part.value)) segments.push({ kind: 'index', index: part.value as number });
        else throw new ExpressionError(`expected a property name after '.', found ${describe(part)}`, part.pos);
        end = part.pos + part.text.length;
      } else if (this.#isPunct('[')) {
        this.#next();
        const part = this.#next();
        if (part.kind === 'punct' && part.text === '*') segments.push({ kind: 'all' });
        else if (part.kind === 'number' && Number.isSafeInteger(part.value)) segments.push({ kind: 'index', index: part.value as number });
        else if (part.kind === 'string') segments.push({ kind: 'key', key: part.value as string });
        else throw new ExpressionError(`expected an index, a quoted name or '*' inside [ ], found ${describe(part)}`, part.pos);
        end = this.#expect(']', "a closing ']'").pos + 1;
      } else {
        return { kind: 'path', segments, text: this.#sourceBetween(first.pos, end), pos: first.pos };
      }
    }
  }

  #sourceBetween(from: number, to: number): string {
    // Rebuilt from the tokens (not the source) so that the text has no stray whitespace.
    return this.#tokens
      .filter((t) => t.pos >= from && t.pos < to)
      .map((t) => t.text)
      .join('');
  }
}

const describe = (token: Token): string => (token.kind === 'end' ? 'the end' : `'${token.text}'`);

/** Parses an expression; throws `ExpressionError` with the position of the first problem. */
export const parseExpression = (source: string): ExpressionNode => {
  if (source.length > MAX_SOURCE_LENGTH)
    throw new ExpressionError(`expression longer than ${MAX_SOURCE_LENGTH} characters`, MAX_SOURCE_LENGTH);
  return new Parser(tokenize(source)).parse();
};
