import type { RuleInputValue, RuleNode, RuleValues } from './rules/ast.ts';
import { evaluateExpression, evaluateRule } from './rules/evaluate.ts';
import { parseRule } from './rules/parser.ts';
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

/**
 * Decides eligibility from screening values keyed by `form.item` (derived items are computed first). Kleene
 * logic carries through: a criterion that depends on a missing value is undecided, and the person is
 * `incomplete` unless another criterion already decides `ineligible`.
 */
export function assessEligibility(protocol: Protocol, values: RuleValues): EligibilityAssessment {
  const allValues = deriveItemValues(protocol, values);
  const criteria: CriterionResult[] = [];
  for (const kind of ['inclusion', 'exclusion'] as const) {
    for (const criterion of protocol.eligibility[kind]) {
      const result = evaluateRule(compile(criterion.rule, `eligibility ${criterion.id}`), allValues);
      criteria.push({ id: criterion.id, kind, result });
    }
  }
  const failed = criteria
    .filter((entry) => entry.result === (entry.kind === 'exclusion'))
    .map((entry) => entry.id);
  const undecided = criteria.filter((entry) => entry.result === null).map((entry) => entry.id);
  const status = failed.length > 0 ? 'ineligible' : undecided.length > 0 ? 'incomplete' : 'eligible';
  return { status, criteria, failed, undecided };
}
