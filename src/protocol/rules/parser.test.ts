import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiteralNode, RuleNode } from './ast.ts';
import { parseRule } from './parser.ts';
import { printRule, referencedItems } from './print.ts';

function parsed(text: string): RuleNode {
  const result = parseRule(text);
  if (!result.ok) throw new Error(`${text}: ${result.error.message} at ${result.error.offset}`);
  return result.ast;
}

/** The AST without offsets, for comparing trees that came from different texts. */
function shape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shape);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'offset')
      .map(([key, value]) => [key, shape(value)]),
  );
}

describe('parseRule', () => {
  it('follows precedence: or < and < not < comparison < + - < * /', () => {
    expect(printRule(parsed('a or b and not c = 1 + 2 * 3'))).toBe('a or b and not c = 1 + 2 * 3');
    expect(shape(parsed('a or b and c'))).toEqual(shape(parsed('a or (b and c)')));
    expect(shape(parsed('1 - 2 - 3'))).toEqual(shape(parsed('(1 - 2) - 3')));
    expect(shape(parsed('not a and b'))).toEqual(shape(parsed('(not a) and b')));
    expect(shape(parsed('-x * 2'))).toEqual(shape(parsed('(-x) * 2')));
  });

  it('reads literals, references, lists, presence tests and calls', () => {
    expect(parsed('2.0e8')).toMatchObject({ kind: 'number', value: 2e8 });
    expect(parsed("'it\\'s'")).toMatchObject({ kind: 'string', value: "it's" });
    expect(parsed('"\\u4e2d"')).toMatchObject({ kind: 'string', value: '中' });
    expect(parsed('date("2020-02-01")')).toMatchObject({ kind: 'date', value: '2020-02-01' });
    expect(parsed('vitals.spo2')).toMatchObject({ kind: 'reference', name: 'vitals.spo2' });
    expect(parsed('x in [1, -2, "a", true, date("2020-01-01")]')).toMatchObject({
      kind: 'in',
      negated: false,
      list: [{ value: 1 }, { value: -2 }, { value: 'a' }, { value: true }, { kind: 'date' }],
    });
    expect(parsed('x not in ["a"]')).toMatchObject({ kind: 'in', negated: true });
    expect(parsed('x is missing')).toMatchObject({ kind: 'presence', test: 'missing' });
    expect(parsed('x is not missing')).toMatchObject({ kind: 'presence', test: 'present' });
    expect(parsed('x is not present')).toMatchObject({ kind: 'presence', test: 'missing' });
    expect(parsed('count(a, b, c)')).toMatchObject({ kind: 'call', name: 'count', args: [{}, {}, {}] });
    expect(parsed('any()')).toMatchObject({ kind: 'call', name: 'any', args: [] });
  });

  it('keeps offsets of nodes', () => {
    expect(parsed('  a.b >= 30')).toMatchObject({
      kind: 'compare',
      offset: 6,
      left: { offset: 2 },
      right: { offset: 9 },
    });
  });

  it('lists referenced items once, in order of use', () => {
    expect(referencedItems(parsed('a.x > 1 and (b.y = 2 or a.x < 9) and count(c.z, d.w)'))).toEqual([
      'a.x',
      'b.y',
      'c.z',
      'd.w',
    ]);
  });

  it.each([
    ['', 0, /end of rule/],
    ['a ==  1', 2, /use '='/],
    ['a && b', 2, /'and'/],
    ['a || b', 2, /'or'/],
    ['!a', 0, /'not'/],
    ['a <> b', 2, /'!='/],
    ['(a + 1', 6, /expected '\)' to close the '\(' at offset 0/],
    ['a < b < c', 6, /cannot be chained/],
    ['x in []', 6, /at least one value/],
    ['x in [y]', 6, /literals/],
    ['x in (1)', 5, /expected '\['/],
    ['date("2021-02-29")', 5, /not a valid ISO date/],
    ['date(x)', 5, /one quoted ISO date/],
    ['"open', 0, /unterminated string/],
    ['"bad \\q"', 5, /unknown escape/],
    ['a.b.', 0, /malformed name/],
    ['12abc', 0, /malformed number/],
    ['a = 1 2', 6, /after a complete rule/],
    ['a is empty', 5, /'missing' or 'present'/],
    ['a and', 5, /end of rule/],
    ['f(a b)', 4, /',' or '\)'/],
    ['a.b(1)', 0, /not a function/],
    ['x = and', 4, /keyword 'and'/],
    ['a # b', 2, /unexpected character '#'/],
  ])('rejects %j at offset %i', (text, offset, message) => {
    const result = parseRule(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.offset).toBe(offset);
    expect(result.error.message).toMatch(message);
  });
});

// Arbitrary ASTs of the shape the parser produces (non-negative number literals outside lists, since `-1` parses
// as a negation), to check that printRule and parseRule are inverse.
const name = fc.constantFrom('a', 'b.c', 'vitals.spo2', 'x_1', 'demographics.age');
const literal: fc.Arbitrary<LiteralNode> = fc.oneof(
  fc
    .double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true })
    .map((value) => ({ kind: 'number' as const, value, offset: 0 })),
  fc.string({ maxLength: 6 }).map((value) => ({ kind: 'string' as const, value, offset: 0 })),
  fc.boolean().map((value) => ({ kind: 'boolean' as const, value, offset: 0 })),
  fc
    .constantFrom('2020-02-01', '2020-02-01T08:30:00Z')
    .map((value) => ({ kind: 'date' as const, value, offset: 0 })),
);
const listMember: fc.Arbitrary<LiteralNode> = fc.oneof(
  literal,
  fc.integer({ min: -100, max: -1 }).map((value) => ({ kind: 'number' as const, value, offset: 0 })),
);
const { node: arbitraryRule } = fc.letrec<{ node: RuleNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    name.map((reference): RuleNode => ({ kind: 'reference', name: reference, offset: 0 })),
    tie('node').map((operand): RuleNode => ({ kind: 'negate', operand, offset: 0 })),
    tie('node').map((operand): RuleNode => ({ kind: 'not', operand, offset: 0 })),
    fc
      .tuple(fc.constantFrom('+', '-', '*', '/'), tie('node'), tie('node'))
      .map(([operator, left, right]): RuleNode => ({ kind: 'arithmetic', operator, left, right, offset: 0 })),
    fc
      .tuple(fc.constantFrom('=', '!=', '<', '<=', '>', '>='), tie('node'), tie('node'))
      .map(([operator, left, right]): RuleNode => ({ kind: 'compare', operator, left, right, offset: 0 })),
    fc
      .tuple(fc.constantFrom('and', 'or'), tie('node'), tie('node'))
      .map(([operator, left, right]): RuleNode => ({ kind: 'logical', operator, left, right, offset: 0 })),
    fc
      .tuple(fc.boolean(), tie('node'), fc.array(listMember, { minLength: 1, maxLength: 3 }))
      .map(([negated, operand, list]): RuleNode => ({ kind: 'in', negated, operand, list, offset: 0 })),
    fc
      .tuple(fc.constantFrom('missing', 'present'), tie('node'))
      .map(([test, operand]): RuleNode => ({ kind: 'presence', test, operand, offset: 0 })),
    fc
      .tuple(fc.constantFrom('any', 'count', 'daysBetween'), fc.array(tie('node'), { maxLength: 3 }))
      .map(([callee, args]): RuleNode => ({ kind: 'call', name: callee, args, offset: 0 })),
  ),
}));

describe('printRule', () => {
  it('round-trips: parseRule(printRule(ast)) has the same tree', () => {
    fc.assert(
      fc.property(arbitraryRule, (ast) => {
        const text = printRule(ast);
        const reparsed = parseRule(text);
        if (!reparsed.ok) throw new Error(`${text}: ${reparsed.error.message}`);
        expect(shape(reparsed.ast)).toEqual(shape(ast));
      }),
      { numRuns: 500 },
    );
  });

  it('prints the minimum of parentheses', () => {
    expect(printRule(parsed('(a and b) or (c and d)'))).toBe('a and b or c and d');
    expect(printRule(parsed('a and (b or c)'))).toBe('a and (b or c)');
    expect(printRule(parsed('1 - (2 - 3)'))).toBe('1 - (2 - 3)');
    expect(printRule(parsed('not (a = 1)'))).toBe('not a = 1');
    expect(printRule(parsed('(x is missing) = true'))).toBe('(x is missing) = true');
  });
});
