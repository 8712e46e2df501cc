import type { LiteralNode, RuleNode } from './ast.ts';

// Binding strength, loosest first; used to print only the parentheses the grammar needs.
const PRECEDENCE = {
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  additive: 5,
  multiplicative: 6,
  unary: 7,
  primary: 8,
};

/**
 * Prints an AST back to rule text that parses to the same AST (offsets aside). Parentheses appear only where
 * precedence or left-associativity needs them, so printed rules stay readable.
 */
export function printRule(node: RuleNode): string {
  switch (node.kind) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'date':
      return printLiteral(node);
    case 'reference':
      return node.name;
    case 'negate':
      return `-${wrap(node.operand, PRECEDENCE.unary)}`;
    case 'arithmetic': {
      const level =
        node.operator === '+' || node.operator === '-' ? PRECEDENCE.additive : PRECEDENCE.multiplicative;
      return `${wrap(node.left, level)} ${node.operator} ${wrap(node.right, level + 1)}`;
    }
    case 'compare':
      return `${wrap(node.left, PRECEDENCE.additive)} ${node.operator} ${wrap(node.right, PRECEDENCE.additive)}`;
    case 'in':
      return `${wrap(node.operand, PRECEDENCE.additive)} ${node.negated ? 'not in' : 'in'} [${node.list.map(printLiteral).join(', ')}]`;
    case 'presence':
      return `${wrap(node.operand, PRECEDENCE.additive)} is ${node.test}`;
    case 'not':
      return `not ${wrap(node.operand, PRECEDENCE.not)}`;
    case 'logical': {
      const level = node.operator === 'or' ? PRECEDENCE.or : PRECEDENCE.and;
      return `${wrap(node.left, level)} ${node.operator} ${wrap(node.right, level + 1)}`;
    }
    case 'call':
      return `${node.name}(${node.args.map(printRule).join(', ')})`;
  }
}

/** Every item the rule reads, in first-use order, without duplicates. */
export function referencedItems(node: RuleNode): string[] {
  const names = new Set<string>();
  const visit = (current: RuleNode): void => {
    switch (current.kind) {
      case 'reference':
        names.add(current.name);
        return;
      case 'negate':
      case 'not':
      case 'presence':
      case 'in':
        visit(current.operand);
        return;
      case 'arithmetic':
      case 'compare':
      case 'logical':
        visit(current.left);
        visit(current.right);
        return;
      case 'call':
        current.args.forEach(visit);
        return;
      default:
        return;
    }
  };
  visit(node);
  return [...names];
}

function printLiteral(node: LiteralNode): string {
  switch (node.kind) {
    case 'number':
      return String(node.value);
    case 'string':
      return JSON.stringify(node.value);
    case 'boolean':
      return String(node.value);
    case 'date':
      return `date(${JSON.stringify(node.value)})`;
  }
}

function precedenceOf(node: RuleNode): number {
  switch (node.kind) {
    case 'logical':
      return node.operator === 'or' ? PRECEDENCE.or : PRECEDENCE.and;
    case 'not':
      return PRECEDENCE.not;
    case 'compare':
    case 'in':
    case 'presence':
      return PRECEDENCE.compare;
    case 'arithmetic':
      return node.operator === '+' || node.operator === '-' ? PRECEDENCE.additive : PRECEDENCE.multiplicative;
    case 'negate':
      return PRECEDENCE.unary;
    default:
      return PRECEDENCE.primary;
  }
}

function wrap(node: RuleNode, minimum: number): string {
  const text = printRule(node);
  return precedenceOf(node) < minimum ? `(${text})` : text;
}
