import type { FieldInput, StoredInput } from '../crf/entries.ts';
import type { FieldMessage } from '../crf/form-checks.ts';
import type { ProtocolForm, ProtocolItem } from '../protocol/schema.ts';
import { convertUnit, roundTo } from './units.ts';

// Decimals kept for a converted decimal item that declares no precision: enough for any clinical
// measurement, few enough to drop the binary noise of the arithmetic.
const DEFAULT_DECIMALS = 6;

export interface UnitConversion {
  incoming: Record<string, StoredInput>;
  /** Fields whose unit cannot be taken: refused like a hard check, nothing saved. */
  problems: FieldMessage[];
}

const decimalsOf = (item: ProtocolItem) =>
  item.type === 'integer' ? 0 : (item.precision ?? DEFAULT_DECIMALS);

/**
 * Values entered with a `unit` other than their item's are converted to the item's unit (UCUM, with the
 * item's molar mass where mass meets substance) and rounded to the item's decimals; the value as
 * entered is kept as `original`. A unit the item does not list, or a unit on a value that is not a
 * number, is a problem for that field. Fields without a unit, or in the item's own unit, pass as they are.
 */
export function convertEnteredUnits(
  form: ProtocolForm,
  incoming: Record<string, FieldInput>,
): UnitConversion {
  const converted: Record<string, StoredInput> = {};
  const problems: FieldMessage[] = [];
  for (const [itemId, field] of Object.entries(incoming)) {
    const { unit, ...rest } = field;
    const item = form.items.find((entry) => entry.id === itemId);
    if (unit === undefined || item === undefined || unit === item.unit) {
      converted[itemId] = rest;
      continue;
    }
    const outcome = convertField(item, rest.value, unit);
    if ('problem' in outcome) problems.push({ item: itemId, message: outcome.problem });
    else
      converted[itemId] = { ...rest, value: outcome.value, original: { value: rest.value as number, unit } };
  }
  return { incoming: converted, problems };
}

function convertField(
  item: ProtocolItem,
  value: unknown,
  unit: string,
): { value: number } | { problem: { en: string; zh: string } } {
  const allowed = item.unit === undefined ? [] : [item.unit, ...(item.units ?? [])];
  if (!allowed.includes(unit)) {
    return {
      problem:
        allowed.length === 0
          ? {
              en: `${item.id} has no unit; send the value without one.`,
              zh: `${item.id} 没有单位，请不带单位提交。`,
            }
          : {
              en: `${unit} is not a unit of ${item.id}; use one of ${allowed.join(', ')}.`,
              zh: `${unit} 不是 ${item.id} 的单位，请使用 ${allowed.join('、')}。`,
            },
    };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { problem: { en: 'Enter a number with its unit.', zh: '请输入带单位的数值。' } };
  }
  const result = convertUnit(value, unit, item.unit as string, item.molarMass);
  if (!result.ok) return { problem: { en: result.message, zh: `无法换算单位：${result.message}` } };
  return { value: roundTo(result.value, decimalsOf(item)) };
}
