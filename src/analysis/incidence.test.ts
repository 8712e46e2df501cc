import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clopperPearson } from './binomial.ts';
import { incidenceTable } from './incidence.ts';

describe('incidenceTable', () => {
  it('gives proportions with Clopper–Pearson limits (R: binom.test(1, 7)$conf.int)', () => {
    const [fever, none] = incidenceTable(
      [
        { category: 'Fever ≥ 38.0 °C', participants: 1 },
        { category: 'SpO2 fall ≥ 3 points', participants: 0 },
      ],
      { denominator: 7 },
    );
    expect(fever?.proportion).toBeCloseTo(1 / 7, 15);
    // R 4.2.2: print(binom.test(1, 7)$conf.int, digits = 12) = 0.0036102968619 0.5787231970432
    expect(fever?.lower).toBeCloseTo(0.0036102968619, 13);
    expect(fever?.upper).toBeCloseTo(0.5787231970432, 13);
    // binom.test(0, 7)$conf.int = 0 0.409616397225
    expect(none?.lower).toBe(0);
    expect(none?.upper).toBeCloseTo(0.409616397225, 12);
  });

  it('uses a row denominator over the common one and keeps the given order', () => {
    const rows = incidenceTable(
      [
        { category: 'b', participants: 2, denominator: 5 },
        { category: 'a', participants: 1 },
      ],
      { denominator: 24, confLevel: 0.9 },
    );
    expect(rows.map((row) => [row.category, row.denominator, row.confLevel])).toEqual([
      ['b', 5, 0.9],
      ['a', 24, 0.9],
    ]);
  });

  it('explains what is wrong with a count', () => {
    expect(() => incidenceTable([{ category: 'x', participants: 1 }])).toThrow(/give a denominator/);
    expect(() => incidenceTable([{ category: 'x', participants: 8 }], { denominator: 7 })).toThrow(
      /from 0 to 7, got 8/,
    );
    expect(() => incidenceTable([{ category: 'x', participants: 0, denominator: 0 }])).toThrow(
      /positive integer/,
    );
  });

  it('each row is the binomial interval of its counts, inside [0, 1] around the proportion', () => {
    const row = fc
      .integer({ min: 1, max: 200 })
      .chain((n) => fc.record({ denominator: fc.constant(n), participants: fc.integer({ min: 0, max: n }) }));
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), (rows) => {
        const table = incidenceTable(rows.map((entry, index) => ({ category: `c${index}`, ...entry })));
        table.forEach((result, index) => {
          const input = rows[index];
          if (!input) throw new Error('row missing');
          const interval = clopperPearson(input.participants, input.denominator);
          expect([result.lower, result.upper]).toEqual([interval.lower, interval.upper]);
          expect(result.lower).toBeGreaterThanOrEqual(0);
          expect(result.upper).toBeLessThanOrEqual(1);
          expect(result.lower).toBeLessThanOrEqual(result.proportion);
          expect(result.upper).toBeGreaterThanOrEqual(result.proportion);
        });
      }),
    );
  });
});
