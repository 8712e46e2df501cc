import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleNode, RuleValues } from './ast.ts';
import { evaluateExpression, evaluateRule, RuleEvaluationError } from './evaluate.ts';
import { parseRule } from './parser.ts';

function ast(text: string): RuleNode {
  const parsed = parseRule(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  return parsed.ast;
}

const run = (text: string, values: RuleValues = {}): boolean | null => evaluateRule(ast(text), values);

describe('evaluateRule', () => {
  it('compares numbers, strings, booleans', () => {
    expect(run('a >= 30', { a: 30 })).toBe(true);
    expect(run('a > 30', { a: 30 })).toBe(false);
    expect(run('a != 1', { a: 2 })).toBe(true);
    expect(run('s = "F"', { s: 'F' })).toBe(true);
    expect(run('b = false', { b: false })).toBe(true);
    expect(run('2.0e8 = 200000000')).toBe(true);
    expect(run('1 + 2 * 3 = 7 and (1 + 2) * 3 = 9 and -2 * -2 = 4 and 7 / 2 = 3.5')).toBe(true);
  });

  it('makes comparisons with a missing value unknown', () => {
    expect(run('a >= 30')).toBeNull();
    expect(run('a >= 30', { a: null })).toBeNull();
    expect(run('a = "x"', { a: '   ' })).toBeNull();
    expect(run('a + 1 > 0')).toBeNull();
    expect(run('not a', {})).toBeNull();
    expect(run('a in [1, 2]')).toBeNull();
    expect(run('a not in [1, 2]')).toBeNull();
  });

  it('follows Kleene logic for and/or', () => {
    const truth = { t: true, f: false } as const;
    expect(run('t and u', truth)).toBeNull();
    expect(run('f and u', truth)).toBe(false);
    expect(run('u and f', truth)).toBe(false);
    expect(run('t or u', truth)).toBe(true);
    expect(run('u or t', truth)).toBe(true);
    expect(run('f or u', truth)).toBeNull();
    expect(run('u or u', truth)).toBeNull();
    expect(run('any(u, t)', truth)).toBe(true);
    expect(run('any(u, f)', truth)).toBeNull();
    expect(run('all(u, f)', truth)).toBe(false);
    expect(run('all(t, t)', truth)).toBe(true);
  });

  it('answers presence tests without unknowns', () => {
    expect(run('a is missing')).toBe(true);
    expect(run('a is present', { a: 0 })).toBe(true);
    expect(run('a is missing', { a: false })).toBe(false);
    expect(run('a is missing', { a: [] })).toBe(true);
    expect(run('missing(a) and not present(a)')).toBe(true);
    expect(run('(a > 1) is missing')).toBe(true);
  });

  it('handles dates given as literals, ISO strings or Date objects', () => {
    const values = { birth: '1960-03-01', consent: '2020-02-29', at: new Date('2020-02-29T12:00:00Z') };
    expect(run('yearsBetween(birth, consent) = 59', values)).toBe(true);
    expect(run('yearsBetween(birth, date("2020-03-01")) = 60', values)).toBe(true);
    expect(run('yearsBetween(date("2000-02-29"), date("2001-02-28")) = 0')).toBe(true);
    expect(run('yearsBetween(date("2000-02-29"), date("2001-03-01")) = 1')).toBe(true);
    expect(run('daysBetween(date("2020-02-01"), date("2020-03-01")) = 29')).toBe(true);
    expect(run('daysBetween(consent, at) = 0.5', values)).toBe(true);
    expect(run('hoursBetween(date("2020-02-01T08:00:00+08:00"), date("2020-02-01T02:00:00Z")) = 2')).toBe(
      true,
    );
    expect(run('consent < date("2020-03-01") and consent = date("2020-02-29")', values)).toBe(true);
    expect(run('birth < consent', values)).toBe(true);
    expect(run('addDays(birth, 1) = date("1960-03-02")', values)).toBe(true);
    expect(run('consent in [date("2020-02-29")]', values)).toBe(true);
  });

  it('evaluates in, includes, count, coalesce and if', () => {
    expect(run('s in ["a", "b"]', { s: 'b' })).toBe(true);
    expect(run('s not in ["a", "b"]', { s: 'c' })).toBe(true);
    expect(run('n in [1, -2]', { n: -2 })).toBe(true);
    expect(run('includes(m, "x") and not includes(m, "z") and size(m) = 2', { m: ['x', 'y'] })).toBe(true);
    expect(run('count(a, b, c) = 2', { a: true, b: false, c: true })).toBe(true);
    expect(run('count(a, b) = 1', { a: true })).toBeNull();
    expect(run('coalesce(a, b, 3) = 2', { b: 2 })).toBe(true);
    expect(run('if(s = "F", 0.85, 1) = 0.85', { s: 'F' })).toBe(true);
    expect(run('if(s = "F", 0.85, 1) = 1')).toBeNull();
    expect(run('round(2.345, 2) = 2.35 and abs(-3) = 3 and min(3, 1) = 1 and max(3, 1) = 3')).toBe(true);
  });

  it('treats division by zero as unknown', () => {
    expect(run('a / b > 1', { a: 1, b: 0 })).toBeNull();
  });

  it('does not read inherited properties as item values', () => {
    expect(run('constructor is missing', {})).toBe(true);
  });

  it('computes derivations (PaO2/FiO2 corrected above 1000 m)', () => {
    const pf = ast('if(altitude > 1000, pao2 / (fio2 / 100) * pressure / 760, pao2 / (fio2 / 100))');
    expect(evaluateExpression(pf, { altitude: 4, pao2: 75, fio2: 30 })).toBeCloseTo(250);
    expect(evaluateExpression(pf, { altitude: 3650, pao2: 60, fio2: 21, pressure: 495 })).toBeCloseTo(
      186.09,
      1,
    );
    expect(evaluateExpression(pf, { pao2: 75, fio2: 30 })).toBeNull();
  });

  it('throws on values of the wrong type instead of guessing', () => {
    expect(() => run('a > 1', { a: '2' })).toThrow(RuleEvaluationError);
    expect(() => run('a and true', { a: 1 })).toThrow(/expected true or false/);
    expect(() => run('daysBetween(a, b) > 1', { a: 'yesterday', b: '2020-01-01' })).toThrow(
      /expected a date/,
    );
    expect(() => run('1 + 1')).toThrow(/not true or false/);
  });
});

// Boolean expressions over three references that may be true, false or missing.
const booleanValue = fc.constantFrom<boolean | null>(true, false, null);
const { node: booleanRule } = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('p', 'q', 'r', 'true', 'false'),
    tie('node').map((operand) => `not (${operand})`),
    fc
      .tuple(tie('node'), fc.constantFrom('and', 'or'), tie('node'))
      .map(([left, operator, right]) => `(${left}) ${operator} (${right})`),
  ),
}));
const assignment = fc.record({ p: booleanValue, q: booleanValue, r: booleanValue });

describe('three-valued logic properties', () => {
  it('not not x evaluates to x', () => {
    fc.assert(
      fc.property(booleanRule, assignment, (rule, values) => {
        expect(run(`not not (${rule})`, values)).toBe(run(rule, values));
      }),
    );
  });

  it("De Morgan's laws hold with unknowns", () => {
    fc.assert(
      fc.property(booleanRule, booleanRule, assignment, (a, b, values) => {
        expect(run(`not ((${a}) and (${b}))`, values)).toBe(run(`not (${a}) or not (${b})`, values));
        expect(run(`not ((${a}) or (${b}))`, values)).toBe(run(`not (${a}) and not (${b})`, values));
      }),
    );
  });

  it('and/or are commutative and any/all agree with or/and', () => {
    fc.assert(
      fc.property(booleanRule, booleanRule, assignment, (a, b, values) => {
        expect(run(`(${a}) and (${b})`, values)).toBe(run(`(${b}) and (${a})`, values));
        expect(run(`any(${a}, ${b})`, values)).toBe(run(`(${a}) or (${b})`, values));
        expect(run(`all(${a}, ${b})`, values)).toBe(run(`(${a}) and (${b})`, values));
      }),
    );
  });

  it('a comparison with a missing operand is unknown, whatever the operator and number', () => {
    fc.assert(
      fc.property(fc.constantFrom('=', '!=', '<', '<=', '>', '>='), fc.integer(), (operator, number) => {
        expect(run(`x ${operator} ${Math.abs(number)}`, {})).toBeNull();
      }),
    );
  });
});
