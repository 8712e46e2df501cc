import type { ComparisonOperator, ItemType, RuleNode } from '../../protocol/rules/ast.ts';

// REDCap branching logic ⇄ exotrial's rule language (src/protocol/rules/README.md).
//
// REDCap → rules covers what REDCap projects mostly hold: field comparisons with = <> != < <= > >=,
// checkbox options `[field(code)] = '1'`, blank tests `[field] = ''`, and/or with parentheses.
// Everything else (functions, smart variables, other events' fields, arithmetic) is refused with a
// reason, so the import can report it instead of guessing.
//
// Rules → REDCap covers the same subset in reverse; a rule outside it is reported the same way.

/** What the translator needs to know about one field: where it lives and how its values are typed. */
export interface LogicField {
  formId: string;
  itemId: string;
  type: ItemType;
  /** Codes of a choice or multichoice item. */
  codes?: readonly string[];
}

export type Translation = { ok: true; text: string } | { ok: false; reason: string };

type Token =
  | { kind: 'field'; name: string; option: string | null; event: string | null }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'operator'; value: '=' | '<>' | '!=' | '<' | '<=' | '>' | '>=' }
  | { kind: 'word'; value: 'and' | 'or' }
  | { kind: 'paren'; value: '(' | ')' };

class Untranslatable extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const rest = text.slice(index);
    const space = /^\s+/.exec(rest);
    if (space) {
      index += space[0].length;
      continue;
    }
    const field = /^(?:\[([A-Za-z0-9_-]+)\])?\[([A-Za-z0-9_]+)(?:\(([A-Za-z0-9_.-]+)\))?\]/.exec(rest);
    if (field) {
      tokens.push({ kind: 'field', name: field[2] ?? '', option: field[3] ?? null, event: field[1] ?? null });
      index += field[0].length;
      continue;
    }
    if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      throw new Untranslatable(
        `${rest.slice(0, end < 0 ? 20 : end + 1)} is a smart variable or piping with no equivalent`,
      );
    }
    const quoted = /^'([^']*)'|^"([^"]*)"/.exec(rest);
    if (quoted) {
      tokens.push({ kind: 'string', value: quoted[1] ?? quoted[2] ?? '' });
      index += quoted[0].length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: number[0] });
      index += number[0].length;
      continue;
    }
    const operator = /^(<>|!=|<=|>=|=|<|>)/.exec(rest);
    if (operator) {
      tokens.push({ kind: 'operator', value: operator[0] as '=' });
      index += operator[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      const lower = word[0].toLowerCase();
      if (lower === 'and' || lower === 'or') {
        tokens.push({ kind: 'word', value: lower });
        index += word[0].length;
        continue;
      }
      if (rest.slice(word[0].length).trimStart().startsWith('('))
        throw new Untranslatable(`the function ${word[0]}() has no equivalent`);
      throw new Untranslatable(`"${word[0]}" is not a field, value or operator`);
    }
    if (rest.startsWith('(') || rest.startsWith(')')) {
      tokens.push({ kind: 'paren', value: rest[0] as '(' });
      index += 1;
      continue;
    }
    throw new Untranslatable(`"${rest[0]}" (arithmetic or an unknown symbol) is not supported`);
  }
  return tokens;
}

const isoDate = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/;
const quote = (text: string) => JSON.stringify(text);

/** One comparison `[field] op value`, as rule text. */
function comparison(
  field: Extract<Token, { kind: 'field' }>,
  operator: Extract<Token, { kind: 'operator' }>['value'],
  value: Extract<Token, { kind: 'string' | 'number' | 'field' }>,
  fields: ReadonlyMap<string, LogicField>,
): string {
  if (field.event) throw new Untranslatable(`[${field.event}][${field.name}] reads another event's value`);
  const target = fields.get(field.name);
  if (!target) throw new Untranslatable(`[${field.name}] is not a field of this dictionary`);
  const reference = `${target.formId}.${target.itemId}`;
  const equality = operator === '=' || operator === '<>' || operator === '!=';
  const negated = operator === '<>' || operator === '!=';
  const op: ComparisonOperator = negated ? '!=' : (operator as ComparisonOperator);
  if (value.kind === 'field') {
    const other = fields.get(value.name);
    if (!other || value.event || value.option)
      throw new Untranslatable(`[${value.name}] cannot be compared here`);
    if (other.type !== target.type)
      throw new Untranslatable(`[${field.name}] and [${value.name}] differ in type`);
    return `${reference} ${op} ${other.formId}.${other.itemId}`;
  }
  if (field.option !== null) {
    if (target.type !== 'multichoice') throw new Untranslatable(`[${field.name}(…)] is not a checkbox field`);
    if (!equality || (value.value !== '1' && value.value !== '0'))
      throw new Untranslatable(
        `checkbox option [${field.name}(${field.option})] compares only with '1' or '0'`,
      );
    const includes = `includes(${reference}, ${quote(field.option)})`;
    return (value.value === '1') !== negated ? includes : `not ${includes}`;
  }
  if (value.kind === 'string' && value.value === '') {
    if (!equality) throw new Untranslatable(`[${field.name}] ${operator} '' has no meaning`);
    return `${reference} is ${negated ? 'present' : 'missing'}`;
  }
  const text = value.value;
  switch (target.type) {
    case 'boolean':
      if (!equality || (text !== '1' && text !== '0'))
        throw new Untranslatable(`yes/no field [${field.name}] compares only with '1' or '0'`);
      return `${reference} ${op} ${text === '1'}`;
    case 'integer':
    case 'decimal':
      if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Untranslatable(`'${text}' is not a number`);
      return `${reference} ${op} ${Number(text)}`;
    case 'date':
    case 'datetime':
      if (!isoDate.test(text)) throw new Untranslatable(`'${text}' is not a Y-M-D date`);
      return `${reference} ${op} date(${quote(text.replace(' ', 'T'))})`;
    case 'choice':
      if (!equality)
        throw new Untranslatable(`choice field [${field.name}] cannot be ordered with ${operator}`);
      if (target.codes && !target.codes.includes(text))
        throw new Untranslatable(`'${text}' is not a choice of [${field.name}]`);
      return `${reference} ${op} ${quote(text)}`;
    case 'multichoice':
      throw new Untranslatable(`checkbox [${field.name}] needs an option: [${field.name}(code)]`);
    default:
      if (!equality)
        throw new Untranslatable(`text field [${field.name}] cannot be ordered with ${operator}`);
      return `${reference} ${op} ${quote(text)}`;
  }
}

/** REDCap branching logic as rule text, or the reason it cannot be translated. */
export function redcapLogicToRule(logic: string, fields: ReadonlyMap<string, LogicField>): Translation {
  try {
    const tokens = tokenize(logic);
    let position = 0;
    const peek = () => tokens[position];
    const next = () => {
      const token = tokens[position];
      position += 1;
      if (!token) throw new Untranslatable('the logic ends too early');
      return token;
    };
    const primary = (): { text: string; compound: boolean } => {
      const token = next();
      if (token.kind === 'paren' && token.value === '(') {
        const inner = or();
        const close = next();
        if (close.kind !== 'paren' || close.value !== ')')
          throw new Untranslatable('a parenthesis is not closed');
        return { text: inner.compound ? `(${inner.text})` : inner.text, compound: false };
      }
      if (token.kind !== 'field') throw new Untranslatable('each comparison must start with a [field]');
      const operator = next();
      if (operator.kind !== 'operator')
        throw new Untranslatable(`[${token.name}] is not compared with anything`);
      const value = next();
      if (value.kind !== 'string' && value.kind !== 'number' && value.kind !== 'field')
        throw new Untranslatable(`[${token.name}] ${operator.value} needs a value`);
      return { text: comparison(token, operator.value, value, fields), compound: false };
    };
    const chain = (word: 'and' | 'or', operand: () => { text: string; compound: boolean }) => () => {
      const parts = [operand()];
      for (let token = peek(); token?.kind === 'word' && token.value === word; token = peek()) {
        position += 1;
        parts.push(operand());
      }
      if (parts.length === 1) return parts[0] as { text: string; compound: boolean };
      return { text: parts.map((part) => part.text).join(` ${word} `), compound: true };
    };
    const and = chain('and', primary);
    const or = chain('or', () => {
      const part = and();
      // An and-chain inside an or-chain binds tighter already; no parentheses needed.
      return { text: part.text, compound: false };
    });
    const result = or();
    if (position < tokens.length) throw new Untranslatable('unexpected text after the end of the logic');
    return { ok: true, text: result.text };
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, reason: error.message };
    throw error;
  }
}

const redcapOperator: Record<ComparisonOperator, string> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/** A rule (parsed) as REDCap branching logic, or the reason it cannot be expressed there. */
export function ruleToRedcapLogic(
  node: RuleNode,
  variableOf: (reference: string) => string | undefined,
): Translation {
  const variable = (reference: RuleNode) => {
    if (reference.kind !== 'reference') throw new Untranslatable('only item references can be compared');
    const name = variableOf(reference.name);
    if (!name) throw new Untranslatable(`${reference.name} is not a field of the dictionary`);
    return name;
  };
  const literal = (value: RuleNode): string => {
    switch (value.kind) {
      case 'string':
        return `'${value.value.replace(/'/g, '')}'`;
      case 'number':
        return String(value.value);
      case 'boolean':
        return value.value ? "'1'" : "'0'";
      case 'date':
        return `'${value.value.replace('T', ' ')}'`;
      case 'reference':
        return `[${variable(value)}]`;
      default:
        throw new Untranslatable('REDCap compares fields with values or fields only');
    }
  };
  const print = (current: RuleNode, parentAnd: boolean): string => {
    switch (current.kind) {
      case 'logical': {
        const text = `${print(current.left, current.operator === 'and')} ${current.operator} ${print(current.right, current.operator === 'and')}`;
        return current.operator === 'or' && parentAnd ? `(${text})` : text;
      }
      case 'compare':
        return `[${variable(current.left)}] ${redcapOperator[current.operator]} ${literal(current.right)}`;
      case 'presence':
        return `[${variable(current.operand)}] ${current.test === 'missing' ? '=' : '<>'} ''`;
      case 'call':
        if (current.name === 'includes' && current.args.length === 2 && current.args[1]?.kind === 'string')
          return `[${variable(current.args[0] as RuleNode)}(${current.args[1].value})] = '1'`;
        throw new Untranslatable(`the function ${current.name}() has no REDCap equivalent`);
      case 'not': {
        const operand = current.operand;
        if (operand.kind === 'call' && operand.name === 'includes' && operand.args[1]?.kind === 'string')
          return `[${variable(operand.args[0] as RuleNode)}(${operand.args[1].value})] = '0'`;
        throw new Untranslatable('REDCap logic has no "not" of a whole condition');
      }
      case 'in': {
        const name = variable(current.operand);
        const parts = current.list.map(
          (entry) => `[${name}] ${current.negated ? '<>' : '='} ${literal(entry)}`,
        );
        const text = parts.join(current.negated ? ' and ' : ' or ');
        return !current.negated && parentAnd && parts.length > 1 ? `(${text})` : text;
      }
      default:
        throw new Untranslatable(`a ${current.kind} expression has no REDCap equivalent`);
    }
  };
  try {
    return { ok: true, text: print(node, false) };
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, reason: error.message };
    throw error;
  }
}
