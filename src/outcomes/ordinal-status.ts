import { evaluateRule, parseRule, type RuleNode, referencedItems } from '../protocol/rules/index.ts';
import type { Protocol } from '../protocol/schema.ts';
import type { OutcomeRecord } from './source.ts';

type Scale = NonNullable<Protocol['outcomes']['ordinalScale']>;

export interface CompiledCategory {
  value: number;
  label: { en: string; zh: string };
  rule: RuleNode;
}

export interface CompiledScale {
  id: string;
  /** Highest value first: the order in which categories are tested. */
  categories: CompiledCategory[];
  /** The form whose records the rules read (e.g. clinicalStatus). */
  formId: string;
  /** The number of categories (the highest value). */
  size: number;
}

export function parseOrThrow(text: string, where: string): RuleNode {
  const parsed = parseRule(text);
  if (!parsed.ok) throw new Error(`${where}: ${parsed.error.message} at offset ${parsed.error.offset}`);
  return parsed.ast;
}

/** Parses the scale's rules once; the form is the one their items belong to. */
export function compileOrdinalScale(scale: Scale): CompiledScale {
  const categories = scale.categories
    .map((category) => ({
      value: category.value,
      label: category.label,
      rule: parseOrThrow(category.rule, `ordinal category ${category.value}`),
    }))
    .sort((a, b) => b.value - a.value);
  const forms = new Set(
    scale.categories.flatMap((category) =>
      referencedItems(parseOrThrow(category.rule, 'ordinal category')).map(
        (item) => item.split('.')[0] ?? '',
      ),
    ),
  );
  if (forms.size !== 1) {
    throw new Error(`the ordinal scale's rules must read one form, they read ${[...forms].join(', ')}`);
  }
  return { id: scale.id, categories, formId: [...forms][0] ?? '', size: scale.categories.length };
}

/**
 * The category of one record: categories are tested from the highest value down and the first whose
 * rule is true is the answer (protocol schema). A rule that is unknown (an item needed to decide is
 * missing) above the first true one makes the category unknown: null, never a guess. Example: in
 * hospital with supplemental oxygen but the ventilation item missing could be 4, 5 or 6.
 */
export function ordinalCategory(scale: CompiledScale, values: OutcomeRecord['values']): number | null {
  for (const category of scale.categories) {
    const result = evaluateRule(category.rule, values);
    if (result === null) return null;
    if (result) return category.value;
  }
  return null;
}

export interface DailyCategory {
  day: number;
  /** null: no record that day, or a record too incomplete to decide. */
  category: number | null;
  source: 'record' | 'death' | 'none';
}

/**
 * The ordinal category of each study day 1…lastDay from the daily records (instance = study day).
 * Days without a record stay missing (null), including days after discharge: nothing is carried
 * forward, except death, which is absorbing: from the day of death on, the highest category (death)
 * is a fact, not a guess. `deathDay` comes from ttci.deathRule and the participant's status.
 */
export function dailyCategories(
  scale: CompiledScale,
  dailyRecords: readonly OutcomeRecord[],
  lastDay: number,
  deathDay: number | null,
): DailyCategory[] {
  const byDay = new Map<number, OutcomeRecord>();
  for (const record of dailyRecords) byDay.set(record.instance, record);
  const days: DailyCategory[] = [];
  for (let day = 1; day <= lastDay; day++) {
    if (deathDay !== null && day >= deathDay) {
      days.push({ day, category: scale.size, source: 'death' });
      continue;
    }
    const record = byDay.get(day);
    days.push(
      record
        ? { day, category: ordinalCategory(scale, record.values), source: 'record' }
        : { day, category: null, source: 'none' },
    );
  }
  return days;
}
