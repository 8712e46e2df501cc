// The rule-expression language: pure, no node: imports, safe to bundle for the browser.
export type {
  ItemType,
  LiteralNode,
  ParseResult,
  RuleDate,
  RuleInputValue,
  RuleNode,
  RuleSyntaxError,
  RuleType,
  RuleValue,
  RuleValues,
} from './ast.ts';
export { parseIsoDate } from './dates.ts';
export { evaluateExpression, evaluateRule, RuleEvaluationError } from './evaluate.ts';
export { parseRule } from './parser.ts';
export { printRule, referencedItems } from './print.ts';
export {
  inferRuleType,
  itemRuleType,
  RULE_FUNCTIONS,
  type TypecheckOptions,
  type TypeProblem,
  typecheckRule,
} from './typecheck.ts';
