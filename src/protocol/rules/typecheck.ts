import type { ItemType, RuleNode, RuleType } from './ast.ts';

/** A type error with the offset of the offending node in the rule text. */
export interface TypeProblem {
  message: string;
  offset: number;
}

export interface TypecheckOptions {
  /** The type the whole expression must have: `boolean` for conditions (default), e.g. `number` for derivations. */
  expect?: RuleType;
  /** Allowed codes of choice and multichoice items, so `sex = "X"` is caught when the code list has only M and F. */
  codes?: Readonly<Record<string, readonly string[]>>;
}

type Env = {
  itemTypes: Readonly<Record<string, ItemType>>;
  codes: Readonly<Record<string, readonly string[]>>;
  problems: TypeProblem[];
};

/** The rule-language type of an item's value: choice → string code, multichoice → list of codes, etc. */
export function itemRuleType(type: ItemType): RuleType {
  switch (type) {
    case 'integer':
    case 'decimal':
      return 'number';
    case 'date':
    case 'datetime':
      return 'date';
    case 'boolean':
      return 'boolean';
    case 'multichoice':
      return 'list';
    case 'text':
    case 'choice':
    case 'file':
      return 'string';
  }
}

/**
 * Infers the type of an expression. Rule: operands of a comparison have one type; `<`-style ordering only for
 * numbers and dates; arithmetic only on numbers; `and`/`or`/`not` only on booleans; every reference must name a
 * declared item. Returns null as the type where a problem makes it unknowable (the problem is recorded).
 */
export function inferRuleType(
  ast: RuleNode,
  itemTypes: Readonly<Record<string, ItemType>>,
  options: TypecheckOptions = {},
): { type: RuleType | null; problems: TypeProblem[] } {
  const env: Env = { itemTypes, codes: options.codes ?? {}, problems: [] };
  const type = infer(ast, env);
  return { type, problems: env.problems };
}

/**
 * Checks a rule against the protocol's items and returns every problem found (empty when the rule is well typed
 * and yields the expected type, boolean by default).
 */
export function typecheckRule(
  ast: RuleNode,
  itemTypes: Readonly<Record<string, ItemType>>,
  options: TypecheckOptions = {},
): TypeProblem[] {
  const { type, problems } = inferRuleType(ast, itemTypes, options);
  const expected = options.expect ?? 'boolean';
  if (type !== null && type !== expected) {
    problems.push({
      message: `the rule must yield a ${expected}, but it yields a ${type}`,
      offset: ast.offset,
    });
  }
  return problems;
}

function infer(node: RuleNode, env: Env): RuleType | null {
  switch (node.kind) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'date':
      return node.kind;
    case 'reference': {
      const itemType = env.itemTypes[node.name];
      if (itemType === undefined) return problem(env, `unknown item '${node.name}'`, node.offset);
      return itemRuleType(itemType);
    }
    case 'negate':
      return expectType(env, node.operand, 'number', "'-'");
    case 'arithmetic': {
      const left = expectType(env, node.left, 'number', `'${node.operator}'`);
      const right = expectType(env, node.right, 'number', `'${node.operator}'`);
      return left && right ? 'number' : null;
    }
    case 'compare':
      return inferComparison(node, env);
    case 'in': {
      const operand = infer(node.operand, env);
      for (const member of node.list) {
        if (operand !== null && member.kind !== operand) {
          problem(env, `cannot look for a ${operand} in a list holding a ${member.kind}`, member.offset);
        } else if (member.kind === 'string') {
          checkCode(env, node.operand, member.value, member.offset);
        }
      }
      if (operand === 'list')
        return problem(env, 'use includes(list, code) to test a multichoice item', node.offset);
      return 'boolean';
    }
    case 'presence':
      infer(node.operand, env);
      return 'boolean';
    case 'not':
      return expectType(env, node.operand, 'boolean', "'not'");
    case 'logical': {
      const left = expectType(env, node.left, 'boolean', `'${node.operator}'`);
      const right = expectType(env, node.right, 'boolean', `'${node.operator}'`);
      return left && right ? 'boolean' : null;
    }
    case 'call':
      return inferCall(node, env);
  }
}

function inferComparison(node: Extract<RuleNode, { kind: 'compare' }>, env: Env): RuleType | null {
  const left = infer(node.left, env);
  const right = infer(node.right, env);
  if (left === null || right === null) return 'boolean';
  if (left === 'list' || right === 'list') {
    return problem(env, 'use includes(list, code) to test a multichoice item', node.offset);
  }
  if (left !== right) {
    return problem(env, `cannot compare a ${left} with a ${right} using '${node.operator}'`, node.offset);
  }
  const ordering = node.operator !== '=' && node.operator !== '!=';
  if (ordering && left !== 'number' && left !== 'date') {
    return problem(env, `'${node.operator}' orders numbers or dates, not ${left}s`, node.offset);
  }
  if (node.right.kind === 'string') checkCode(env, node.left, node.right.value, node.right.offset);
  if (node.left.kind === 'string') checkCode(env, node.right, node.left.value, node.left.offset);
  return 'boolean';
}

const BOOLEAN_VARIADIC = new Set(['any', 'all', 'count']);
const NUMBER_VARIADIC = new Set(['min', 'max']);
const DATE_PAIR = new Set(['daysBetween', 'hoursBetween', 'yearsBetween']);

/** The functions of the language; README.md documents each one. */
export const RULE_FUNCTIONS: readonly string[] = [
  'any',
  'all',
  'count',
  'missing',
  'present',
  'coalesce',
  'if',
  'daysBetween',
  'hoursBetween',
  'yearsBetween',
  'addDays',
  'includes',
  'size',
  'abs',
  'round',
  'min',
  'max',
];

function inferCall(node: Extract<RuleNode, { kind: 'call' }>, env: Env): RuleType | null {
  const { name, args } = node;
  const arity = (low: number, high = low): boolean => {
    if (args.length >= low && args.length <= high) return true;
    const count =
      low === high ? `${low}` : high === Number.POSITIVE_INFINITY ? `at least ${low}` : `${low} to ${high}`;
    problem(env, `${name}() takes ${count} argument${low === 1 && high === 1 ? '' : 's'}`, node.offset);
    return false;
  };
  const argumentsOf = (type: RuleType): boolean =>
    args.map((arg) => expectType(env, arg, type, `${name}()`)).every((result) => result !== null);
  if (BOOLEAN_VARIADIC.has(name)) {
    const ok = arity(1, Number.POSITIVE_INFINITY) && argumentsOf('boolean');
    return ok ? (name === 'count' ? 'number' : 'boolean') : null;
  }
  if (NUMBER_VARIADIC.has(name))
    return arity(1, Number.POSITIVE_INFINITY) && argumentsOf('number') ? 'number' : null;
  if (DATE_PAIR.has(name)) return arity(2) && argumentsOf('date') ? 'number' : null;
  switch (name) {
    case 'missing':
    case 'present':
      if (arity(1) && args[0]) infer(args[0], env);
      return 'boolean';
    case 'abs':
      return arity(1) && argumentsOf('number') ? 'number' : null;
    case 'round':
      return arity(1, 2) && argumentsOf('number') ? 'number' : null;
    case 'size':
      return arity(1) && args[0] && expectType(env, args[0], 'list', 'size()') ? 'number' : null;
    case 'includes': {
      if (!arity(2) || !args[0] || !args[1]) return null;
      const list = expectType(env, args[0], 'list', 'includes()');
      const code = expectType(env, args[1], 'string', 'includes()');
      if (args[1].kind === 'string') checkCode(env, args[0], args[1].value, args[1].offset);
      return list && code ? 'boolean' : null;
    }
    case 'addDays': {
      if (!arity(2) || !args[0] || !args[1]) return null;
      const date = expectType(env, args[0], 'date', 'addDays()');
      const days = expectType(env, args[1], 'number', 'addDays()');
      return date && days ? 'date' : null;
    }
    case 'coalesce':
      return arity(1, Number.POSITIVE_INFINITY) ? sameType(args, env, name) : null;
    case 'if': {
      if (!arity(3) || !args[0]) return null;
      expectType(env, args[0], 'boolean', 'the condition of if()');
      return sameType(args.slice(1), env, name);
    }
    default:
      return problem(env, `unknown function '${name}'; known: ${RULE_FUNCTIONS.join(', ')}`, node.offset);
  }
}

function sameType(args: RuleNode[], env: Env, name: string): RuleType | null {
  const types = args.map((arg) => infer(arg, env));
  const first = types[0];
  if (first === null || first === undefined) return null;
  for (const [index, type] of types.entries()) {
    if (type !== null && type !== first) {
      return problem(
        env,
        `${name}() needs values of one type, got ${first} and ${type}`,
        args[index]?.offset ?? 0,
      );
    }
  }
  return first;
}

function expectType(env: Env, node: RuleNode, expected: RuleType, context: string): RuleType | null {
  const actual = infer(node, env);
  if (actual === null) return null;
  if (actual !== expected)
    return problem(env, `${context} needs a ${expected}, not a ${actual}`, node.offset);
  return actual;
}

function checkCode(env: Env, operand: RuleNode, code: string, offset: number): void {
  if (operand.kind !== 'reference') return;
  const allowed = env.codes[operand.name];
  if (allowed && !allowed.includes(code)) {
    problem(env, `'${code}' is not a code of ${operand.name} (codes: ${allowed.join(', ')})`, offset);
  }
}

function problem(env: Env, message: string, offset: number): null {
  env.problems.push({ message, offset });
  return null;
}
