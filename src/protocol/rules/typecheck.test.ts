import { describe, expect, it } from 'vitest';
import type { ItemType } from './ast.ts';
import { parseRule } from './parser.ts';
import { inferRuleType, type TypecheckOptions, typecheckRule } from './typecheck.ts';

const items: Record<string, ItemType> = {
  'demographics.age': 'integer',
  'demographics.birthDate': 'date',
  'demographics.sex': 'choice',
  'demographics.name': 'text',
  'vitals.spo2': 'decimal',
  'vitals.assessedAt': 'datetime',
  'screening.dialysis': 'boolean',
  'chestCt.pattern': 'multichoice',
  'consent.scan': 'file',
};
const codes = { 'demographics.sex': ['M', 'F'], 'chestCt.pattern': ['ground-glass', 'consolidation'] };

function problems(text: string, options: TypecheckOptions = {}): string[] {
  const parsed = parseRule(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return typecheckRule(parsed.ast, items, { codes, ...options }).map(
    (problem) => `${problem.offset}: ${problem.message}`,
  );
}

describe('typecheckRule', () => {
  it.each([
    'demographics.age >= 18 and demographics.age <= 75',
    'demographics.sex = "F" and screening.dialysis = false',
    'demographics.birthDate < date("2002-01-01")',
    'vitals.assessedAt >= demographics.birthDate',
    'daysBetween(demographics.birthDate, vitals.assessedAt) > 0',
    'yearsBetween(demographics.birthDate, date("2020-02-01")) >= 18',
    'demographics.sex in ["M", "F"]',
    'includes(chestCt.pattern, "consolidation")',
    'size(chestCt.pattern) >= 2',
    'vitals.spo2 is missing or vitals.spo2 <= 93',
    'missing(consent.scan)',
    'count(screening.dialysis, vitals.spo2 < 90) >= 1',
    'any(screening.dialysis, all(true, false))',
    'coalesce(vitals.spo2, 100) > 93',
    'if(demographics.sex = "F", 0.85, 1) * demographics.age > 10',
    'abs(round(vitals.spo2 / 3, 1) - min(1, 2, max(3, 4))) >= 0',
    'addDays(demographics.birthDate, 1) > demographics.birthDate',
    'demographics.name != "x"',
  ])('accepts %s', (text) => {
    expect(problems(text)).toEqual([]);
  });

  it.each([
    ['demographics.birthDate > 18', /cannot compare a date with a number/],
    ['demographics.age = "18"', /cannot compare a number with a string/],
    ['demographics.agee > 18', /unknown item 'demographics.agee'/],
    ['age > 18', /unknown item 'age'/],
    ['demographics.sex = "X"', /'X' is not a code of demographics.sex/],
    ['demographics.sex in ["M", "female"]', /'female' is not a code/],
    ['demographics.sex in [1, 2]', /cannot look for a string in a list holding a number/],
    ['demographics.sex < "M"', /orders numbers or dates, not strings/],
    ['screening.dialysis > false', /orders numbers or dates/],
    ['chestCt.pattern = "consolidation"', /use includes/],
    ['includes(chestCt.pattern, "nodule")', /'nodule' is not a code/],
    ['demographics.age + "1" > 3', /'\+' needs a number, not a string/],
    ['not demographics.age', /'not' needs a boolean/],
    ['screening.dialysis and demographics.age', /'and' needs a boolean, not a number/],
    ['demographics.age', /must yield a boolean, but it yields a number/],
    ['frobnicate(1)', /unknown function 'frobnicate'/],
    ['daysBetween(demographics.birthDate) > 1', /takes 2 arguments/],
    ['daysBetween(demographics.age, demographics.birthDate) > 1', /needs a date, not a number/],
    ['any()', /takes at least 1 argument/],
    ['coalesce(demographics.age, "x") = 1', /needs values of one type/],
    ['if(demographics.age, 1, 2) = 1', /condition of if\(\) needs a boolean/],
    ['-demographics.sex = 1', /'-' needs a number/],
  ])('rejects %s', (text, message) => {
    const found = problems(text);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(message);
  });

  it('points at the offending node', () => {
    expect(problems('screening.dialysis = true and demographics.agee > 18')).toEqual([
      "30: unknown item 'demographics.agee'",
    ]);
  });

  it('checks a derivation against the type it must yield', () => {
    expect(
      problems('yearsBetween(demographics.birthDate, date("2020-02-01"))', { expect: 'number' }),
    ).toEqual([]);
    expect(problems('demographics.birthDate', { expect: 'number' })[0]).toMatch(
      /must yield a number, but it yields a date/,
    );
    const parsed = parseRule('addDays(demographics.birthDate, 2)');
    if (!parsed.ok) throw new Error('parse');
    expect(inferRuleType(parsed.ast, items).type).toBe('date');
  });
});
