import { z } from 'zod';
import criteriaFile from './ctcae-v5-lab.json' with { type: 'json' };

// The CTCAE v5.0 laboratory criteria ship as data (ctcae-v5-lab.json, its source named in the file);
// this module reads the file through a schema and grades a value by its rules.

const reference = z.union([
  z.number(),
  z.enum(['LLN', 'ULN']),
  z.strictObject({ times: z.number().positive(), of: z.enum(['LLN', 'ULN', 'baseline']) }),
]);

const ruleSchema = z
  .strictObject({
    grade: z.number().int().min(1).max(5),
    /** The value is strictly below (`below`), strictly above (`above`) or at least (`atLeast`) the reference. */
    below: reference.optional(),
    above: reference.optional(),
    atLeast: reference.optional(),
    /** The rule holds only when the baseline value was within (normal) or outside (abnormal) the reference range. */
    baseline: z.enum(['normal', 'abnormal']).optional(),
  })
  .refine(
    (rule) => [rule.below, rule.above, rule.atLeast].filter((bound) => bound !== undefined).length === 1,
    {
      message: 'a rule has exactly one of below, above, atLeast',
    },
  );

const criterionSchema = z.strictObject({
  id: z.string(),
  term: z.string(),
  /** The SDTM LBTESTCD of the protocol items it grades. */
  testCode: z.string(),
  /** The UCUM unit of the numeric thresholds. */
  unit: z.string(),
  rules: z.array(ruleSchema).min(1),
});

export const ctcaeFileSchema = z.strictObject({
  source: z.strictObject({
    title: z.string(),
    publisher: z.string(),
    published: z.string(),
    note: z.string(),
  }),
  criteria: z.array(criterionSchema).min(1),
});

export type CtcaeCriterion = z.infer<typeof criterionSchema>;
export type CtcaeRule = z.infer<typeof ruleSchema>;

/** CTCAE v5.0 (NCI, 27 November 2017): the laboratory criteria, validated once when first used. */
export const ctcae = ctcaeFileSchema.parse(criteriaFile);

/** What a value is graded against, all in the criterion's unit. */
export interface GradingContext {
  /** Lower and upper limits of normal: the reference range that applied to the value (null: none applied). */
  lln: number | null;
  uln: number | null;
  /**
   * The participant's baseline value of the test, and whether it was within its own reference range;
   * a baseline unknown or without a range counts as normal, so the ULN/LLN rules apply, as CTCAE does.
   */
  baseline: number | null;
  baselineNormal: boolean;
}

type Reference = z.infer<typeof reference>;

function resolve(ref: Reference, context: GradingContext): number | null {
  if (typeof ref === 'number') return ref;
  if (ref === 'LLN') return context.lln;
  if (ref === 'ULN') return context.uln;
  const base = ref.of === 'LLN' ? context.lln : ref.of === 'ULN' ? context.uln : context.baseline;
  return base === null ? null : ref.times * base;
}

const usesBaseline = (rule: CtcaeRule) =>
  [rule.below, rule.above, rule.atLeast].some((ref) => typeof ref === 'object' && ref.of === 'baseline');

/** Whether a rule holds for the value; a rule whose reference is unknown (no range, no baseline) does not. */
function holds(rule: CtcaeRule, value: number, context: GradingContext): boolean {
  if (rule.baseline !== undefined && (rule.baseline === 'normal') !== context.baselineNormal) return false;
  if (rule.below !== undefined) {
    const bound = resolve(rule.below, context);
    return bound !== null && value < bound;
  }
  if (rule.above !== undefined) {
    const bound = resolve(rule.above, context);
    return bound !== null && value > bound;
  }
  const bound = rule.atLeast === undefined ? null : resolve(rule.atLeast, context);
  return bound !== null && value >= bound;
}

/**
 * The CTCAE grade of a value: the highest grade among the criterion's rules that hold (0: none). A
 * grade's range in CTCAE ("<LLN − 0.8 × 10^9/L", ">3.0 − 5.0 × ULN") is the rule for its start, the
 * next grade's rule taking over where it ends: a lymphocyte count of 0.8 is grade 1, 0.79 grade 2.
 * Rules for a normal or an abnormal baseline apply only when the baseline is such.
 */
export function gradeValue(criterion: CtcaeCriterion, value: number, context: GradingContext): number {
  let grade = 0;
  for (const rule of criterion.rules)
    if (rule.grade > grade && holds(rule, value, context)) grade = rule.grade;
  return grade;
}

export interface GradedChange {
  grade: number;
  baselineGrade: number;
  /** A grade ≥ 1 worse than baseline: a laboratory adverse event to propose. */
  worse: boolean;
}

/**
 * Whether a value is a new laboratory adverse event, as CTCAE reads "grade ≥ 1 above baseline": the
 * value's grade against the baseline's own grade on the rules that do not refer to the baseline
 * (the baseline cannot be measured against itself). A value at or below the baseline's grade is not
 * proposed; for criteria graded relative to an abnormal baseline (ALT, AST, bilirubin), reaching a
 * grade at all is the worsening.
 */
export function gradeAgainstBaseline(
  criterion: CtcaeCriterion,
  value: number,
  context: GradingContext,
): GradedChange {
  const grade = gradeValue(criterion, value, context);
  // The baseline graded by the rules that do not measure against it, under its own normal or abnormal reading.
  const ownRules = { ...criterion, rules: criterion.rules.filter((rule) => !usesBaseline(rule)) };
  const baselineGrade = context.baseline === null ? 0 : gradeValue(ownRules, context.baseline, context);
  return { grade, baselineGrade, worse: grade >= 1 && grade > baselineGrade };
}
