import type { RuleInputValue, RuleNode, RuleValues } from './rules/ast.ts';
import { evaluateExpression, evaluateRule } from './rules/evaluate.ts';
import { parseRule } from './rules/parser.ts';
import { referencedItems } from './rules/print.ts';
import type { Protocol } from './schema.ts';

/** One criterion's verdict: `result` is the rule's value (true = met for inclusion, true = excluded for exclusion). */
export interface CriterionResult {
  id: string;
  kind: 'inclusion' | 'exclusion';
  result: boolean | null;
}

export interface EligibilityAssessment {
  /** eligible: all inclusion rules true and all exclusion rules false; ineligible: any one decides against. */
  status: 'eligible' | 'ineligible' | 'incomplete';
  criteria: CriterionResult[];
  /** Ids of criteria that make the person ineligible. */
  failed: string[];
  /** Ids of criteria that cannot be decided yet because values are missing. */
  undecided: string[];
}

function compile(text: string, where: string): RuleNode {
  const parsed = parseRule(text);
  // validateProtocol rejects unparsable rules, so reaching this is a caller passing an unvalidated protocol.
  if (!parsed.ok)
    throw new Error(`${where}: rule does not parse (${parsed.error.message}); validate the protocol first`);
  return parsed.ast;
}

/**
 * Adds the value of every derived item (e.g. age from birth and consent dates, PaO2/FiO2, creatinine clearance)
 * to `values`, in protocol order; validateProtocol guarantees a derivation reads only derived items defined
 * before it. A derivation that is unknown leaves the item missing. Values are not rounded: `precision` is for
 * display, and rounding before a threshold (e.g. clearance < 15) would change decisions.
 */
export function deriveItemValues(protocol: Protocol, values: RuleValues): Record<string, RuleInputValue> {
  const result: Record<string, RuleInputValue> = { ...values };
  for (const form of protocol.forms) {
    for (const item of form.items) {
      if (item.derivation === undefined) continue;
      const reference = `${form.id}.${item.id}`;
      const value = evaluateExpression(compile(item.derivation, reference), result);
      result[reference] = value;
    }
  }
  return result;
}

/** The instances of each repeating form (e.g. every RT-PCR at screening), each keyed by `form.item`. */
export type FormSeries = Readonly<Record<string, readonly RuleValues[]>>;

/**
 * A criterion's value when it reads a repeating form: the criterion holds if it holds on some instance,
 * with every item of that form read from the same instance (a positive result and its respiratory
 * specimen come from one test). True on any instance wins; else unknown on any makes it unknown; else
 * false. With no instance the form's items are missing, as for a single form never entered.
 */
function overSeries(rule: RuleNode, values: RuleValues, series: FormSeries): boolean | null {
  const forms = new Set(referencedItems(rule).map((item) => item.split('.')[0] ?? ''));
  const repeated = [...forms].filter((formId) => series[formId] !== undefined);
  if (repeated.length === 0) return evaluateRule(rule, values);
  // One repeating form per criterion is the case protocols have; a second one is read from its latest instance.
  const [formId = '', ...others] = repeated;
  const base: Record<string, RuleInputValue> = { ...values };
  for (const other of others) Object.assign(base, series[other]?.at(-1) ?? {});
  const instances = series[formId] ?? [];
  if (instances.length === 0) return evaluateRule(rule, base);
  const results = instances.map((instance) => evaluateRule(rule, { ...base, ...instance }));
  if (results.includes(true)) return true;
  return results.includes(null) ? null : false;
}

/**
 * Decides eligibility from screening values keyed by `form.item` (derived items are computed first). Kleene
 * logic carries through: a criterion that depends on a missing value is undecided, and the person is
 * `incomplete` unless another criterion already decides `ineligible`. A criterion reading a repeating form
 * given in `series` holds when it holds on one of the form's instances (overSeries).
 */
export function assessEligibility(
  protocol: Protocol,
  values: RuleValues,
  series: FormSeries = {},
): EligibilityAssessment {
  const allValues = deriveItemValues(protocol, values);
  const criteria: CriterionResult[] = [];
  for (const kind of ['inclusion', 'exclusion'] as const) {
    for (const criterion of protocol.eligibility[kind]) {
      const rule = compile(criterion.rule, `eligibility ${criterion.id}`);
      criteria.push({ id: criterion.id, kind, result: overSeries(rule, allValues, series) });
    }
  }
  const failed = criteria
    .filter((entry) => entry.result === (entry.kind === 'exclusion'))
    .map((entry) => entry.id);
  const undecided = criteria.filter((entry) => entry.result === null).map((entry) => entry.id);
  const status = failed.length > 0 ? 'ineligible' : undecided.length > 0 ? 'incomplete' : 'eligible';
  return { status, criteria, failed, undecided };
}
