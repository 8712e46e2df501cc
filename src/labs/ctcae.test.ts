import { describe, expect, it } from 'vitest';
import {
  type CtcaeCriterion,
  ctcae,
  type GradingContext,
  gradeAgainstBaseline,
  gradeValue,
} from './ctcae.ts';

const criterion = (id: string): CtcaeCriterion => {
  const found = ctcae.criteria.find((entry) => entry.id === id);
  if (!found) throw new Error(`no criterion ${id}`);
  return found;
};

const normal = (lln: number | null, uln: number | null): GradingContext => ({
  lln,
  uln,
  baseline: null,
  baselineNormal: true,
});

/** Grades of values just inside and outside each threshold: [value, expected grade]. */
function expectGrades(id: string, context: GradingContext, cases: Array<[number, number]>): void {
  const rule = criterion(id);
  expect(cases.map(([value]) => [value, gradeValue(rule, value, context)])).toEqual(cases);
}

describe('CTCAE v5.0 laboratory criteria as data', () => {
  it('names its source and grades each test of the protocol', () => {
    expect(ctcae.source.title).toContain('Version 5.0');
    expect(ctcae.source.publisher).toContain('National Cancer Institute');
    expect(ctcae.source.published).toBe('2017-11-27');
    expect(new Set(ctcae.criteria.map((entry) => entry.testCode))).toEqual(
      new Set(['LYM', 'NEUT', 'WBC', 'PLAT', 'HGB', 'ALT', 'AST', 'BILI', 'CREAT']),
    );
  });
});

describe('decreased counts (below LLN, then absolute thresholds in 10^9/L)', () => {
  it('lymphocyte count decreased: <LLN–0.8, <0.8–0.5, <0.5–0.2, <0.2', () => {
    expectGrades('lymphocyte-count-decreased', normal(1.1, 3.2), [
      [1.1, 0],
      [1.09, 1],
      [0.8, 1],
      [0.79, 2],
      [0.5, 2],
      [0.49, 3],
      [0.2, 3],
      [0.19, 4],
    ]);
  });

  it('neutrophil count decreased: <LLN–1.5, <1.5–1.0, <1.0–0.5, <0.5', () => {
    expectGrades('neutrophil-count-decreased', normal(1.8, 6.3), [
      [1.8, 0],
      [1.79, 1],
      [1.5, 1],
      [1.49, 2],
      [1.0, 2],
      [0.99, 3],
      [0.5, 3],
      [0.49, 4],
    ]);
  });

  it('white blood cell decreased: <LLN–3.0, <3.0–2.0, <2.0–1.0, <1.0', () => {
    expectGrades('white-blood-cell-decreased', normal(3.5, 9.5), [
      [3.5, 0],
      [3.49, 1],
      [3.0, 1],
      [2.99, 2],
      [2.0, 2],
      [1.99, 3],
      [1.0, 3],
      [0.99, 4],
    ]);
  });

  it('platelet count decreased: <LLN–75, <75–50, <50–25, <25', () => {
    expectGrades('platelet-count-decreased', normal(125, 350), [
      [125, 0],
      [124, 1],
      [75, 1],
      [74, 2],
      [50, 2],
      [49, 3],
      [25, 3],
      [24, 4],
    ]);
  });

  it('anaemia: Hb <LLN–100 g/L, <100–80, <80 (grade 4 is clinical, never from a value)', () => {
    expectGrades('anemia', normal(130, 175), [
      [130, 0],
      [129, 1],
      [100, 1],
      [99, 2],
      [80, 2],
      [79, 3],
      [10, 3],
    ]);
  });

  it('grades nothing relative to a limit of normal when no range applied', () => {
    expectGrades('lymphocyte-count-decreased', normal(null, null), [
      [1.0, 0],
      [0.79, 2],
    ]);
  });
});

describe('increased counts', () => {
  it('lymphocyte count increased: >4–20 is grade 2, >20 grade 3', () => {
    expectGrades('lymphocyte-count-increased', normal(1.1, 3.2), [
      [4, 0],
      [4.01, 2],
      [20, 2],
      [20.01, 3],
    ]);
  });
  it('leukocytosis: >100 × 10^9/L is grade 3', () => {
    expectGrades('leukocytosis', normal(3.5, 9.5), [
      [100, 0],
      [100.1, 3],
    ]);
  });
});

describe('liver enzymes: by ULN when the baseline was normal, by baseline when it was not', () => {
  for (const id of ['alanine-aminotransferase-increased', 'aspartate-aminotransferase-increased']) {
    it(`${id}, normal baseline: >ULN–3, >3–5, >5–20, >20 × ULN`, () => {
      expectGrades(id, { ...normal(7, 40), baseline: 30 }, [
        [40, 0],
        [41, 1],
        [120, 1],
        [121, 2],
        [200, 2],
        [201, 3],
        [800, 3],
        [801, 4],
      ]);
    });
    it(`${id}, abnormal baseline: 1.5–3, >3–5, >5–20, >20 × baseline`, () => {
      expectGrades(id, { lln: 7, uln: 40, baseline: 60, baselineNormal: false }, [
        [89, 0],
        [90, 1],
        [180, 1],
        [181, 2],
        [300, 2],
        [301, 3],
        [1200, 3],
        [1201, 4],
      ]);
    });
  }

  it('blood bilirubin increased, normal baseline: >ULN–1.5, >1.5–3, >3–10, >10 × ULN', () => {
    expectGrades('blood-bilirubin-increased', normal(3, 20), [
      [20, 0],
      [20.1, 1],
      [30, 1],
      [30.1, 2],
      [60, 2],
      [60.1, 3],
      [200, 3],
      [200.1, 4],
    ]);
  });

  it('blood bilirubin increased, abnormal baseline: >1–1.5, >1.5–3, >3–10, >10 × baseline', () => {
    expectGrades('blood-bilirubin-increased', { lln: 3, uln: 20, baseline: 30, baselineNormal: false }, [
      [30, 0],
      [30.1, 1],
      [45, 1],
      [45.1, 2],
      [90, 2],
      [90.1, 3],
      [300, 3],
      [300.1, 4],
    ]);
  });
});

describe('creatinine increased: the worse of ULN and baseline readings', () => {
  it('>ULN–1.5 × ULN, >1.5–3 × ULN, >3–6 × ULN, >6 × ULN', () => {
    expectGrades('creatinine-increased', normal(57, 97), [
      [97, 0],
      [98, 1],
      [145.5, 1],
      [146, 2],
      [291, 2],
      [292, 3],
      [582, 3],
      [583, 4],
    ]);
  });
  it('>1.5 × baseline is grade 2 and >3 × baseline grade 3, even within the ULN grades below', () => {
    expectGrades('creatinine-increased', { lln: 57, uln: 97, baseline: 40, baselineNormal: false }, [
      [60, 0],
      [61, 2],
      [120, 2],
      [121, 3],
    ]);
  });
});

describe('worse than baseline', () => {
  const anemia = criterion('anemia');
  it('proposes a grade reached from a normal baseline', () => {
    expect(
      gradeAgainstBaseline(anemia, 120, { lln: 130, uln: 175, baseline: 140, baselineNormal: true }),
    ).toEqual({
      grade: 1,
      baselineGrade: 0,
      worse: true,
    });
  });
  it('does not propose a value at its abnormal baseline’s grade, and does propose one a grade worse', () => {
    const context = { lln: 130, uln: 175, baseline: 110, baselineNormal: false };
    expect(gradeAgainstBaseline(anemia, 105, context)).toEqual({ grade: 1, baselineGrade: 1, worse: false });
    expect(gradeAgainstBaseline(anemia, 95, context)).toEqual({ grade: 2, baselineGrade: 1, worse: true });
  });
  it('reads an ALT rise from an abnormal baseline against the baseline itself', () => {
    const context = { lln: 7, uln: 40, baseline: 60, baselineNormal: false };
    const alt = criterion('alanine-aminotransferase-increased');
    expect(gradeAgainstBaseline(alt, 89, context).worse).toBe(false);
    expect(gradeAgainstBaseline(alt, 90, context)).toEqual({ grade: 1, baselineGrade: 0, worse: true });
  });
  it('proposes nothing at grade 0', () => {
    expect(
      gradeAgainstBaseline(anemia, 150, { lln: 130, uln: 175, baseline: null, baselineNormal: true }).worse,
    ).toBe(false);
  });
});
