import { deriveItemValues } from '../protocol/eligibility.ts';
import type { RuleInputValue, RuleNode } from '../protocol/rules/ast.ts';
import { parseIsoDate } from '../protocol/rules/dates.ts';
import { evaluateRule } from '../protocol/rules/evaluate.ts';
import { parseRule } from '../protocol/rules/parser.ts';
import type { LocalizedText, Protocol, ProtocolForm, ProtocolItem } from '../protocol/schema.ts';
import { type DateContext, dateProblems } from './date-checks.ts';
import { type FieldInput, hasUnstorableCharacters, isBlank, missingReasons } from './entries.ts';

// Pure: the same checks run in the browser as the user types and on the server before a save.

export interface FieldMessage {
  item: string;
  message: LocalizedText;
}

export interface SoftFailure extends FieldMessage {
  /** Identifies the check, so a query raised for it is not raised twice. */
  checkKey: string;
}

export interface FormCheckResult {
  /** Refuse the save: wrong type, out of range, hidden item given, hard edit check failed. */
  hard: FieldMessage[];
  /** Save, and raise a query for each. */
  soft: SoftFailure[];
  /** Items shown under the current skip logic. */
  shown: Set<string>;
  /** Required shown items with neither a value nor a missing-data code. */
  incomplete: string[];
  /** Every value the rules saw, keyed by `form.item`, computed (derived) items included. */
  values: Record<string, RuleInputValue>;
}

const text = (en: string, zh: string): LocalizedText => ({ en, zh });
const span = (range: { low?: number; high?: number }, unit: string | undefined) =>
  `${range.low ?? '−∞'}–${range.high ?? '∞'}${unit ? ` ${unit}` : ''}`;

const ruleCache = new Map<string, RuleNode>();

function compiled(rule: string): RuleNode {
  let ast = ruleCache.get(rule);
  if (!ast) {
    const parsed = parseRule(rule);
    if (!parsed.ok) throw new Error(`protocol rule does not parse: ${rule}`);
    ast = parsed.ast;
    ruleCache.set(rule, ast);
  }
  return ast;
}

/** The codes a choice item allows, from its inline choices or its code list. */
export function allowedCodes(protocol: Protocol, item: ProtocolItem): string[] {
  if (item.choices) return item.choices.map((choice) => choice.code);
  const list = protocol.codeLists.find((entry) => entry.id === item.codeList);
  return list?.items.map((entry) => entry.code) ?? [];
}

function decimalPlaces(value: number): number {
  const [, fraction = ''] = String(value).split('.');
  return /e/i.test(String(value)) ? 99 : fraction.length;
}

/** Why a value does not fit its item's type, range and precision; null when it fits. */
export function typeProblem(protocol: Protocol, item: ProtocolItem, value: unknown): LocalizedText | null {
  switch (item.type) {
    case 'text':
    case 'file':
      if (typeof value !== 'string') return text('Enter text.', '请输入文本。');
      if (value.length > 4000) return text('At most 4000 characters.', '最多 4000 个字符。');
      if (hasUnstorableCharacters(value)) return text('Remove control characters.', '请删除控制字符。');
      return null;
    case 'integer':
    case 'decimal': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return text('Enter a number.', '请输入数字。');
      if (item.type === 'integer' && !Number.isInteger(value))
        return text('Enter a whole number.', '请输入整数。');
      if (item.type === 'decimal' && item.precision !== undefined && decimalPlaces(value) > item.precision) {
        return text(`At most ${item.precision} decimal places.`, `最多保留 ${item.precision} 位小数。`);
      }
      const { low, high } = item.range ?? {};
      if (item.range && ((low !== undefined && value < low) || (high !== undefined && value > high))) {
        const limits = span(item.range, item.unit);
        return text(
          `Must be within ${limits} (values outside are not possible).`,
          `必须在 ${limits} 范围内（超出此范围的数值不可能存在）。`,
        );
      }
      return null;
    }
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !parseIsoDate(value)) {
        return text('Enter a real date as YYYY-MM-DD.', '请按 YYYY-MM-DD 格式输入有效日期。');
      }
      return null;
    case 'datetime':
      if (typeof value !== 'string' || !/T\d{2}:\d{2}/.test(value) || !parseIsoDate(value)) {
        return text('Enter a date and time as YYYY-MM-DDTHH:MM.', '请按 YYYY-MM-DDTHH:MM 格式输入日期时间。');
      }
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : text('Answer yes or no.', '请选择是或否。');
    case 'choice':
      return typeof value === 'string' && allowedCodes(protocol, item).includes(value)
        ? null
        : text('Choose one of the listed answers.', '请从列出的选项中选择。');
    case 'multichoice': {
      const codes = allowedCodes(protocol, item);
      const ok =
        Array.isArray(value) &&
        value.every((code) => typeof code === 'string' && codes.includes(code)) &&
        new Set(value).size === value.length;
      return ok
        ? null
        : text('Choose from the listed answers, each once.', '请从列出的选项中选择，每项一次。');
    }
  }
}

/**
 * Why a value inside the hard limits is unusual enough to query: outside the item's plausibility range.
 * Null when it is plausible, when the item has no such range, or when the value is not a number.
 */
export function implausible(item: ProtocolItem, value: unknown): LocalizedText | null {
  if (!item.plausible || typeof value !== 'number') return null;
  const { low, high } = item.plausible;
  if ((low === undefined || value >= low) && (high === undefined || value <= high)) return null;
  const usual = span(item.plausible, item.unit);
  return text(
    `${value} is outside the usual range ${usual}; please confirm the value or correct it.`,
    `${value} 超出常见范围 ${usual}，请核实或更正。`,
  );
}

/** The rule value of a field: missing codes and blanks are missing to the rules. */
function ruleValue(field: FieldInput | undefined): RuleInputValue {
  if (!field || field.missing !== undefined) return null;
  return (field.value ?? null) as RuleInputValue;
}

/**
 * Checks a form's fields: types and ranges, skip logic (a hidden item must be blank), missing-data codes,
 * then edit checks. `context` holds the participant's other values keyed by `form.item`, for rules
 * reaching across forms. An edit check fires when its rule is false; unknown (missing values) does not fire.
 * With `dates` (the server's: today at the site and the screening date) the date rules of date-checks.ts run too.
 */
export function checkForm(
  protocol: Protocol,
  form: ProtocolForm,
  fields: Record<string, FieldInput>,
  context: Record<string, RuleInputValue> = {},
  dates?: DateContext,
): FormCheckResult {
  const hard: FieldMessage[] = [];
  const soft: SoftFailure[] = [];
  const known = new Set(form.items.map((item) => item.id));
  for (const id of Object.keys(fields)) {
    if (!known.has(id))
      hard.push({ item: id, message: text(`No item "${id}" on this form.`, `此表单没有条目“${id}”。`) });
  }
  const values: Record<string, RuleInputValue> = { ...context };
  // A value of the wrong type is refused below; to the rules it is missing, never a crash.
  for (const item of form.items) {
    const field = fields[item.id];
    const fits = field?.missing !== undefined || typeProblem(protocol, item, field?.value ?? null) === null;
    values[`${form.id}.${item.id}`] = fits ? ruleValue(field) : null;
  }
  const allValues = deriveItemValues(protocol, values);
  const shown = new Set<string>();
  const incomplete: string[] = [];
  for (const item of form.items) {
    const field = fields[item.id];
    const visible = item.showIf === undefined || evaluateRule(compiled(item.showIf), allValues) === true;
    if (visible) shown.add(item.id);
    const problem = fieldProblem(protocol, item, field, visible);
    if (problem) {
      hard.push({ item: item.id, message: problem });
      continue;
    }
    if (visible && item.required && item.derivation === undefined && isBlank(field)) incomplete.push(item.id);
    if (!visible || isBlank(field) || field?.missing !== undefined) continue;
    const dated = dateProblems(protocol, form, item, field?.value, allValues, dates);
    if (dated.hard) {
      hard.push({ item: item.id, message: dated.hard });
      continue;
    }
    for (const { key, message } of dated.soft) soft.push({ item: item.id, message, checkKey: key });
    const unusual = implausible(item, field?.value);
    if (unusual) soft.push({ item: item.id, message: unusual, checkKey: `${item.id}#plausible` });
    item.checks.forEach((check, index) => {
      if (evaluateRule(compiled(check.rule), allValues) !== false) return;
      const failure = { item: item.id, message: check.message };
      if (check.severity === 'hard') hard.push(failure);
      else soft.push({ ...failure, checkKey: `${item.id}#${index}` });
    });
  }
  return { hard, soft, shown, incomplete, values: allValues };
}

function fieldProblem(
  protocol: Protocol,
  item: ProtocolItem,
  field: FieldInput | undefined,
  visible: boolean,
): LocalizedText | null {
  if (!field || isBlank(field)) return null;
  if (item.derivation !== undefined)
    return text('This value is computed; do not enter it.', '此值为自动计算，请勿录入。');
  if (!visible)
    return text(
      'This item is not asked given the other answers; leave it blank.',
      '根据其他回答无需填写此项，请留空。',
    );
  if (field.missing !== undefined) {
    if (!missingReasons.includes(field.missing))
      return text('Unknown missing-data code.', '未知的缺失原因代码。');
    if (field.value !== undefined && field.value !== null) {
      return text(
        'Give either a value or a missing-data code, not both.',
        '请填写数值或缺失原因，不能同时填写。',
      );
    }
    if (!field.missingReason) return text('Say why the value is missing.', '请说明缺失原因。');
    return null;
  }
  return typeProblem(protocol, item, field.value);
}
