import type { ComparisonOperator, LiteralNode, ParseResult, RuleNode, RuleSyntaxError } from './ast.ts';
import { RESERVED_WORDS } from './ast.ts';
import { parseIsoDate } from './dates.ts';
import { type Token, tokenize } from './lexer.ts';

const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>=']);

/** Thrown inside the parser only; parseRule turns it into a `{ ok: false }` result. */
class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Parses rule text into an AST by recursive descent over the grammar in README.md. Never throws: a syntax error
 * comes back as `{ ok: false, error: { message, offset } }` with a 0-based character offset.
 */
export function parseRule(text: string): ParseResult {
  const lexed = tokenize(text);
  if (!lexed.ok) return lexed;
  const parser = new Parser(lexed.tokens);
  try {
    const ast = parser.parseExpression();
    parser.expectEnd();
    return { ok: true, ast };
  } catch (error) {
    if (error instanceof SyntaxProblem) {
      const syntaxError: RuleSyntaxError = { message: error.message, offset: error.offset };
      return { ok: false, error: syntaxError };
    }
    throw error;
  }
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parseExpression(): RuleNode {
    return this.parseOr();
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') {
      throw new SyntaxProblem(`unexpected ${describe(token)} after a complete rule`, token.offset);
    }
  }

  private parseOr(): RuleNode {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      const offset = this.next().offset;
      left = { kind: 'logical', operator: 'or', left, right: this.parseAnd(), offset };
    }
    return left;
  }

  private parseAnd(): RuleNode {
    let left = this.parseNot();
    while (this.isWord('and')) {
      const offset = this.next().offset;
      left = { kind: 'logical', operator: 'and', left, right: this.parseNot(), offset };
    }
    return left;
  }

  private parseNot(): RuleNode {
    if (this.isWord('not')) {
      const offset = this.next().offset;
      return { kind: 'not', operand: this.parseNot(), offset };
    }
    return this.parseComparison();
  }

  private parseComparison(): RuleNode {
    const left = this.parseAdditive();
    const token = this.peek();
    if (token.kind === 'punct' && COMPARISON_OPERATORS.has(token.text)) {
      this.next();
      const right = this.parseAdditive();
      this.rejectChainedComparison();
      return {
        kind: 'compare',
        operator: token.text as ComparisonOperator,
        left,
        right,
        offset: token.offset,
      };
    }
    if (this.isWord('in') || (this.isWord('not') && this.isWord('in', 1))) {
      const negated = this.isWord('not');
      if (negated) this.next();
      this.next();
      return { kind: 'in', negated, operand: left, list: this.parseList(), offset: token.offset };
    }
    if (this.isWord('is')) {
      this.next();
      const negated = this.isWord('not');
      if (negated) this.next();
      const word = this.next();
      if (word.kind !== 'name' || (word.text !== 'missing' && word.text !== 'present')) {
        throw new SyntaxProblem(
          `expected 'missing' or 'present' after 'is', found ${describe(word)}`,
          word.offset,
        );
      }
      const positive = word.text === 'missing' ? 'missing' : 'present';
      const test = negated ? (positive === 'missing' ? 'present' : 'missing') : positive;
      this.rejectChainedComparison();
      return { kind: 'presence', test, operand: left, offset: token.offset };
    }
    return left;
  }

  private rejectChainedComparison(): void {
    const token = this.peek();
    if (token.kind === 'punct' && COMPARISON_OPERATORS.has(token.text)) {
      throw new SyntaxProblem(
        "comparisons cannot be chained; write 'a < b and b < c' instead of 'a < b < c'",
        token.offset,
      );
    }
  }

  private parseAdditive(): RuleNode {
    let left = this.parseMultiplicative();
    for (let token = this.peek(); this.isPunct('+') || this.isPunct('-'); token = this.peek()) {
      this.next();
      const operator = token.text === '+' ? '+' : '-';
      left = { kind: 'arithmetic', operator, left, right: this.parseMultiplicative(), offset: token.offset };
    }
    return left;
  }

  private parseMultiplicative(): RuleNode {
    let left = this.parseUnary();
    for (let token = this.peek(); this.isPunct('*') || this.isPunct('/'); token = this.peek()) {
      this.next();
      const operator = token.text === '*' ? '*' : '/';
      left = { kind: 'arithmetic', operator, left, right: this.parseUnary(), offset: token.offset };
    }
    return left;
  }

  private parseUnary(): RuleNode {
    if (this.isPunct('-')) {
      const offset = this.next().offset;
      return { kind: 'negate', operand: this.parseUnary(), offset };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): RuleNode {
    const token = this.next();
    switch (token.kind) {
      case 'number':
        return { kind: 'number', value: Number(token.text), offset: token.offset };
      case 'string':
        return { kind: 'string', value: token.text, offset: token.offset };
      case 'end':
        throw new SyntaxProblem('unexpected end of rule: an operand is missing', token.offset);
      case 'punct':
        if (token.text === '(') {
          const inner = this.parseExpression();
          this.expectPunct(')', `expected ')' to close the '(' at offset ${token.offset}`);
          return inner;
        }
        throw new SyntaxProblem(`expected a value, found ${describe(token)}`, token.offset);
      case 'name':
        return this.parseName(token);
    }
  }

  private parseName(token: Token): RuleNode {
    if (token.text === 'true' || token.text === 'false') {
      return { kind: 'boolean', value: token.text === 'true', offset: token.offset };
    }
    // `missing(x)` and `present(x)` are functions as well as the words of `x is missing`.
    const presenceCall = (token.text === 'missing' || token.text === 'present') && this.isPunct('(');
    if (RESERVED_WORDS.has(token.text) && !presenceCall) {
      throw new SyntaxProblem(`expected a value, found the keyword '${token.text}'`, token.offset);
    }
    if (!this.isPunct('(')) return { kind: 'reference', name: token.text, offset: token.offset };
    if (token.text.includes('.')) {
      throw new SyntaxProblem(`'${token.text}' is an item reference, not a function`, token.offset);
    }
    if (token.text === 'date') return this.parseDateLiteral(token.offset);
    this.next();
    const args: RuleNode[] = [];
    if (!this.isPunct(')')) {
      args.push(this.parseExpression());
      while (this.isPunct(',')) {
        this.next();
        args.push(this.parseExpression());
      }
    }
    this.expectPunct(')', `expected ',' or ')' in the arguments of ${token.text}()`);
    return { kind: 'call', name: token.text, args, offset: token.offset };
  }

  private parseDateLiteral(offset: number): LiteralNode {
    this.next();
    const text = this.next();
    if (text.kind !== 'string') {
      throw new SyntaxProblem('date() takes one quoted ISO date, e.g. date("2020-02-01")', text.offset);
    }
    if (parseIsoDate(text.text) === null) {
      throw new SyntaxProblem(
        `'${text.text}' is not a valid ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm)`,
        text.offset,
      );
    }
    this.expectPunct(')', 'date() takes exactly one argument');
    return { kind: 'date', value: text.text, offset };
  }

  private parseList(): LiteralNode[] {
    this.expectPunct('[', "expected '[' to start the list after 'in'");
    const items: LiteralNode[] = [];
    if (this.isPunct(']'))
      throw new SyntaxProblem("an 'in' list needs at least one value", this.peek().offset);
    items.push(this.parseListLiteral());
    while (this.isPunct(',')) {
      this.next();
      items.push(this.parseListLiteral());
    }
    this.expectPunct(']', "expected ',' or ']' in the list");
    return items;
  }

  /** List members are literals only, so a list is data a reviewer can read; `-5` is folded to a number. */
  private parseListLiteral(): LiteralNode {
    const start = this.peek();
    if (start.kind === 'punct' && start.text === '-') {
      this.next();
      const number = this.next();
      if (number.kind !== 'number') throw new SyntaxProblem("expected a number after '-'", number.offset);
      return { kind: 'number', value: -Number(number.text), offset: start.offset };
    }
    const value = this.parsePrimary();
    if (
      value.kind === 'number' ||
      value.kind === 'string' ||
      value.kind === 'boolean' ||
      value.kind === 'date'
    ) {
      return value;
    }
    throw new SyntaxProblem(
      'list values must be literals (numbers, strings, true/false or date(...))',
      start.offset,
    );
  }

  private peek(ahead = 0): Token {
    const token = this.tokens[Math.min(this.position + ahead, this.tokens.length - 1)];
    if (!token) throw new SyntaxProblem('internal error: no tokens', 0);
    return token;
  }

  private next(): Token {
    const token = this.peek();
    if (this.position < this.tokens.length - 1) this.position += 1;
    return token;
  }

  private isWord(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'name' && token.text === word;
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === text;
  }

  private expectPunct(text: string, message: string): void {
    const token = this.peek();
    if (token.kind !== 'punct' || token.text !== text) {
      throw new SyntaxProblem(`${message}, found ${describe(token)}`, token.offset);
    }
    this.next();
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the rule';
    case 'string':
      return `the string ${JSON.stringify(token.text)}`;
    case 'number':
      return `the number ${token.text}`;
    default:
      return `'${token.text}'`;
  }
}
