import type { LiteralNode, RuleDate, RuleInputValue, RuleNode, RuleValue, RuleValues } from './ast.ts';
import { addDays, daysBetween, hoursBetween, parseIsoDate, yearsBetween } from './dates.ts';

/**
 * Thrown when values do not fit the rule (a string where a number is needed, say). A rule that passed
 * typecheckRule only meets this when the caller supplies values of the wrong type: a programming error, which
 * must not be silently read as "unknown" in a clinical decision.
 */
export class RuleEvaluationError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'RuleEvaluationError';
  }
}

/**
 * Evaluates a condition with Kleene three-valued logic: a missing item makes any comparison, arithmetic or
 * function that needs it unknown (null); `false and unknown` is false, `true or unknown` is true, `not unknown`
 * is unknown; `is missing` / `is present` are never unknown.
 */
export function evaluateRule(ast: RuleNode, values: RuleValues): boolean | null {
  const result = evaluateExpression(ast, values);
  if (result === null || typeof result === 'boolean') return result;
  throw new RuleEvaluationError(`the rule yields ${describe(result)}, not true or false`, ast.offset);
}

/** Evaluates any expression (e.g. a derivation) to its value, null when unknown. Same semantics as evaluateRule. */
export function evaluateExpression(ast: RuleNode, values: RuleValues): RuleValue {
  return evaluate(ast, values);
}

function evaluate(node: RuleNode, values: RuleValues): RuleValue {
  switch (node.kind) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'date':
      return literalValue(node);
    case 'reference':
      // Own properties only: an item called `constructor` must not find Object.prototype's.
      return normalise(Object.hasOwn(values, node.name) ? values[node.name] : undefined, node);
    case 'negate': {
      const operand = evaluate(node.operand, values);
      return operand === null ? null : -asNumber(operand, node.operand);
    }
    case 'arithmetic':
      return arithmetic(node, values);
    case 'compare': {
      const left = evaluate(node.left, values);
      const right = evaluate(node.right, values);
      if (left === null || right === null) return null;
      return compare(node.operator, left, right, node);
    }
    case 'in': {
      const operand = evaluate(node.operand, values);
      if (operand === null) return null;
      const found = node.list.some((member) => compare('=', operand, literalValue(member), member));
      return node.negated ? !found : found;
    }
    case 'presence': {
      const operand = evaluate(node.operand, values);
      const isMissing = operand === null || (Array.isArray(operand) && operand.length === 0);
      return node.test === 'missing' ? isMissing : !isMissing;
    }
    case 'not': {
      const operand = evaluate(node.operand, values);
      return operand === null ? null : !asBoolean(operand, node.operand);
    }
    case 'logical':
      return logical(node, values);
    case 'call':
      return call(node, values);
  }
}

function literalValue(node: LiteralNode): RuleValue {
  if (node.kind !== 'date') return node.value;
  const date = parseIsoDate(node.value);
  if (date === null) throw new RuleEvaluationError(`invalid date '${node.value}'`, node.offset);
  return date;
}

function normalise(value: RuleInputValue, node: RuleNode): RuleValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RuleEvaluationError('invalid Date value', node.offset);
    return { kind: 'date', epochMs: value.getTime(), hasTime: true };
  }
  // An empty text field is a missing answer, not a value.
  if (typeof value === 'string' && value.trim() === '') return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function logical(node: Extract<RuleNode, { kind: 'logical' }>, values: RuleValues): RuleValue {
  const decisive = node.operator === 'or';
  const left = evaluate(node.left, values);
  if (left !== null && asBoolean(left, node.left) === decisive) return decisive;
  const right = evaluate(node.right, values);
  if (right !== null && asBoolean(right, node.right) === decisive) return decisive;
  return left === null || right === null ? null : !decisive;
}

function arithmetic(node: Extract<RuleNode, { kind: 'arithmetic' }>, values: RuleValues): RuleValue {
  const left = evaluate(node.left, values);
  const right = evaluate(node.right, values);
  if (left === null || right === null) return null;
  const a = asNumber(left, node.left);
  const b = asNumber(right, node.right);
  switch (node.operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      // Division by zero has no clinical meaning (e.g. FiO2 recorded as 0): treat as unknown, not Infinity.
      return b === 0 ? null : a / b;
  }
}

function compare(operator: string, left: RuleValue, right: RuleValue, node: { offset: number }): boolean {
  // Two numbers or two booleans (most comparisons of daily data) need no conversion.
  const same = typeof left === typeof right && (typeof left === 'number' || typeof left === 'boolean');
  const [a, b] = same ? [left as Primitive, right as Primitive] : comparable(left, right, node);
  if (operator === '=') return a === b;
  if (operator === '!=') return a !== b;
  if (typeof a === 'boolean' || typeof a === 'string' || typeof b === 'boolean' || typeof b === 'string') {
    throw new RuleEvaluationError(`'${operator}' orders numbers or dates only`, node.offset);
  }
  switch (operator) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

type Primitive = number | string | boolean;

/**
 * Brings two values to one primitive type. CRF dates arrive as ISO text, so an ISO string meets a date as a date,
 * and two strings that are both ISO dates compare as dates (`"2020-02-01T00:00Z" = "2020-02-01"`).
 */
function comparable(left: RuleValue, right: RuleValue, node: { offset: number }): [Primitive, Primitive] {
  if (isDate(left) || isDate(right)) return [asDate(left, node).epochMs, asDate(right, node).epochMs];
  if (typeof left === 'string' && typeof right === 'string') {
    const leftDate = parseIsoDate(left);
    const rightDate = parseIsoDate(right);
    if (leftDate && rightDate) return [leftDate.epochMs, rightDate.epochMs];
  }
  if (typeof left === 'object' || typeof right === 'object' || typeof left !== typeof right) {
    throw new RuleEvaluationError(`cannot compare ${describe(left)} with ${describe(right)}`, node.offset);
  }
  return [left as Primitive, right as Primitive];
}

function call(node: Extract<RuleNode, { kind: 'call' }>, values: RuleValues): RuleValue {
  const args = node.args;
  switch (node.name) {
    case 'any':
    case 'all':
      return logicalFold(node.name === 'any', args, values);
    case 'count': {
      // Unknown if any argument is unknown: "how many" cannot be answered with an unanswered question.
      const results = args.map((arg) => evaluate(arg, values));
      if (results.some((result) => result === null)) return null;
      return results.filter((result, index) => asBoolean(result, argument(node, index))).length;
    }
    case 'missing':
    case 'present': {
      const value = evaluate(argument(node, 0), values);
      const isMissing = value === null || (Array.isArray(value) && value.length === 0);
      return node.name === 'missing' ? isMissing : !isMissing;
    }
    case 'coalesce':
      for (const arg of args) {
        const value = evaluate(arg, values);
        if (value !== null) return value;
      }
      return null;
    case 'if': {
      const condition = evaluate(argument(node, 0), values);
      if (condition === null) return null;
      return asBoolean(condition, argument(node, 0))
        ? evaluate(argument(node, 1), values)
        : evaluate(argument(node, 2), values);
    }
    default:
      return strictCall(
        node,
        args.map((arg) => evaluate(arg, values)),
      );
  }
}

function argument(node: Extract<RuleNode, { kind: 'call' }>, index: number): RuleNode {
  const arg = node.args[index];
  if (!arg) throw new RuleEvaluationError(`${node.name}() is missing argument ${index + 1}`, node.offset);
  return arg;
}

/** Functions that are unknown as soon as one argument is unknown. */
function strictCall(node: Extract<RuleNode, { kind: 'call' }>, args: RuleValue[]): RuleValue {
  if (args.some((arg) => arg === null)) return null;
  const number = (index: number): number => asNumber(args[index] ?? null, node);
  const date = (index: number): RuleDate => asDate(args[index] ?? null, node);
  switch (node.name) {
    case 'daysBetween':
      return daysBetween(date(0), date(1));
    case 'hoursBetween':
      return hoursBetween(date(0), date(1));
    case 'yearsBetween':
      return yearsBetween(date(0), date(1));
    case 'addDays':
      return addDays(date(0), number(1));
    case 'abs':
      return Math.abs(number(0));
    case 'round': {
      const scale = 10 ** (args.length > 1 ? number(1) : 0);
      return Math.round(number(0) * scale) / scale;
    }
    case 'min':
      return Math.min(...args.map((_, index) => number(index)));
    case 'max':
      return Math.max(...args.map((_, index) => number(index)));
    case 'size':
      return asList(args[0] ?? null, node).length;
    case 'includes':
      return asList(args[0] ?? null, node).includes(String(args[1]));
    default:
      throw new RuleEvaluationError(`unknown function '${node.name}'`, node.offset);
  }
}

function logicalFold(isAny: boolean, args: RuleNode[], values: RuleValues): boolean | null {
  let unknown = false;
  for (const arg of args) {
    const value = evaluate(arg, values);
    if (value === null) unknown = true;
    else if (asBoolean(value, arg) === isAny) return isAny;
  }
  return unknown ? null : !isAny;
}

function isDate(value: RuleValue): value is RuleDate {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;
}

function asDate(value: RuleValue, node: { offset: number }): RuleDate {
  if (isDate(value)) return value;
  if (typeof value === 'string') {
    const parsed = parseIsoDate(value);
    if (parsed) return parsed;
  }
  throw new RuleEvaluationError(`expected a date, got ${describe(value)}`, node.offset);
}

function asNumber(value: RuleValue, node: { offset: number }): number {
  if (typeof value === 'number') return value;
  throw new RuleEvaluationError(`expected a number, got ${describe(value)}`, node.offset);
}

function asBoolean(value: RuleValue, node: { offset: number }): boolean {
  if (typeof value === 'boolean') return value;
  throw new RuleEvaluationError(`expected true or false, got ${describe(value)}`, node.offset);
}

function asList(value: RuleValue, node: { offset: number }): readonly string[] {
  if (Array.isArray(value)) return value;
  throw new RuleEvaluationError(`expected a list of codes, got ${describe(value)}`, node.offset);
}

function describe(value: RuleValue): string {
  if (value === null) return 'unknown';
  if (Array.isArray(value)) return `the list [${value.join(', ')}]`;
  if (isDate(value)) return `the date ${new Date(value.epochMs).toISOString()}`;
  return `the ${typeof value} ${JSON.stringify(value)}`;
}
