import type { AdverseEventItemRole, Protocol, ProtocolItem } from '../../../../src/protocol/schema.ts';
import type { Language } from '../../format.ts';

// The protocol's adverse-event form read by meaning (`safety.adverseEvents`): which items a protocol
// has, and the choices and labels it gives them, so the page asks each protocol's own questions.

export type AeItemIds = Partial<Record<AdverseEventItemRole, string>>;

export const aeItemIds = (protocol: Protocol): AeItemIds => protocol.safety.adverseEvents.items;

/** The protocol item that carries a meaning, if the protocol has one. */
export function aeItem(protocol: Protocol, role: AdverseEventItemRole): ProtocolItem | undefined {
  const { form, items } = protocol.safety.adverseEvents;
  const itemId = items[role];
  return protocol.forms.find((entry) => entry.id === form)?.items.find((item) => item.id === itemId);
}

/** A choice item's codes with their labels in the language, in the protocol's order. */
export function aeChoices(
  protocol: Protocol,
  role: AdverseEventItemRole,
  language: Language,
): { value: string; label: string }[] {
  const item = aeItem(protocol, role);
  if (!item) return [];
  const entries = item.choices ?? protocol.codeLists.find((list) => list.id === item.codeList)?.items ?? [];
  return entries.map((entry) => ({ value: entry.code, label: entry.label[language] }));
}

/** A causality code in words: its category on the protocol's scale, else the item's label for it. */
export function causalityLabel(protocol: Protocol | undefined, code: string, language: Language): string {
  const category = protocol?.safety.causality.categories.find((entry) => entry.id === code);
  if (category) return category.label[language];
  const choice = protocol
    ? aeChoices(protocol, 'causality', language).find((entry) => entry.value === code)
    : undefined;
  return choice?.label ?? code;
}
