import type { ItemType, RuleType } from './rules/ast.ts';
import { itemRuleType } from './rules/typecheck.ts';
import type { Protocol, ProtocolForm, ProtocolItem } from './schema.ts';

/** One item with its form, under the name rules use for it: `form.item`. */
export interface CatalogEntry {
  reference: string;
  form: ProtocolForm;
  item: ProtocolItem;
}

/** Every item of the protocol keyed by `form.item`, the only way rules name items. */
export function itemCatalog(protocol: Protocol): Map<string, CatalogEntry> {
  const catalog = new Map<string, CatalogEntry>();
  for (const form of protocol.forms) {
    for (const item of form.items) {
      const reference = `${form.id}.${item.id}`;
      if (!catalog.has(reference)) catalog.set(reference, { reference, form, item });
    }
  }
  return catalog;
}

/**
 * Values of the participant's site that rules read like items, as `site.<setting>` (set in the site's settings
 * by an administrator, not typed on a form): altitude in metres, barometric pressure in mmHg. Missing until set.
 */
export const SITE_SETTING_TYPES: Readonly<Record<string, ItemType>> = {
  'site.altitude': 'integer',
  'site.barometricPressure': 'decimal',
};

/** The form id that rules keep for the site's settings. */
export const SITE_SETTINGS_FORM = 'site';

/** Item types keyed by `form.item` (and the site's settings), the environment typecheckRule needs. */
export function protocolItemTypes(protocol: Protocol): Record<string, ItemType> {
  const types: Record<string, ItemType> = { ...SITE_SETTING_TYPES };
  for (const [reference, entry] of itemCatalog(protocol)) types[reference] = entry.item.type;
  return types;
}

/** Allowed codes of every choice and multichoice item, keyed by `form.item` (inline choices or its code list). */
export function protocolItemCodes(protocol: Protocol): Record<string, string[]> {
  const lists = new Map(protocol.codeLists.map((list) => [list.id, list.items.map((entry) => entry.code)]));
  const codes: Record<string, string[]> = {};
  for (const [reference, { item }] of itemCatalog(protocol)) {
    const inline = item.choices?.map((choice) => choice.code);
    const fromList = item.codeList === undefined ? undefined : lists.get(item.codeList);
    const allowed = inline ?? fromList;
    if (allowed) codes[reference] = allowed;
  }
  return codes;
}

/** A rule written somewhere in the protocol, with where it sits and the type it must yield. */
export interface ProtocolRule {
  path: Array<string | number>;
  text: string;
  expect: RuleType;
}

/**
 * Every rule expression of the protocol: skip logic, edit checks, derivations, eligibility, stopping rules and
 * outcome definitions. Derivations must yield their item's type; everything else is a condition.
 */
export function protocolRules(protocol: Protocol): ProtocolRule[] {
  const rules: ProtocolRule[] = [];
  const condition = (path: Array<string | number>, text: string | undefined): void => {
    if (text !== undefined) rules.push({ path, text, expect: 'boolean' });
  };
  protocol.forms.forEach((form, formIndex) => {
    form.items.forEach((item, itemIndex) => {
      const at = ['forms', formIndex, 'items', itemIndex];
      condition([...at, 'showIf'], item.showIf);
      if (item.derivation !== undefined) {
        rules.push({ path: [...at, 'derivation'], text: item.derivation, expect: itemRuleType(item.type) });
      }
      for (const [checkIndex, check] of item.checks.entries()) {
        condition([...at, 'checks', checkIndex, 'rule'], check.rule);
      }
    });
  });
  for (const list of ['inclusion', 'exclusion'] as const) {
    for (const [index, criterion] of protocol.eligibility[list].entries()) {
      condition(['eligibility', list, index, 'rule'], criterion.rule);
    }
  }
  protocol.safety.stoppingRules.forEach((stoppingRule, index) => {
    const key = stoppingRule.kind === 'event' ? 'rule' : 'eventRule';
    condition(
      ['safety', 'stoppingRules', index, key],
      stoppingRule.kind === 'event' ? stoppingRule.rule : stoppingRule.eventRule,
    );
  });
  const { ordinalScale, ttci } = protocol.outcomes;
  for (const [index, category] of (ordinalScale?.categories ?? []).entries()) {
    condition(['outcomes', 'ordinalScale', 'categories', index, 'rule'], category.rule);
  }
  condition(['outcomes', 'ttci', 'dischargeAliveRule'], ttci?.dischargeAliveRule);
  condition(['outcomes', 'ttci', 'deathRule'], ttci?.deathRule);
  for (const group of ['primary', 'secondary', 'exploratory'] as const) {
    protocol.outcomes[group].forEach((outcome, index) => {
      condition(['outcomes', group, index, 'rule'], outcome.rule);
      condition(['outcomes', group, index, 'fromRule'], outcome.fromRule);
      condition(['outcomes', group, index, 'toRule'], outcome.toRule);
    });
  }
  return rules;
}
