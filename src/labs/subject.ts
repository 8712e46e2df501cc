import type { RuleInputValue } from '../protocol/rules/ast.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { ageOn, type Subject } from './range-select.ts';

/** The `form.item` of the protocol's item mapped to an SDTM variable (DM SEX, BRTHDTC, AGE; LB LBDTC). */
export function keyOfVariable(protocol: Protocol, domain: string, variable: string): string | null {
  for (const form of protocol.forms) {
    const item = form.items.find(
      (entry) => entry.sdtm?.domain === domain && entry.sdtm.variable === variable,
    );
    if (item) return `${form.id}.${item.id}`;
  }
  return null;
}

/** The item of a laboratory form that holds the collection date (mapped to LBDTC), if any. */
export const collectionItemOf = (form: ProtocolForm): string | null =>
  form.items.find((item) => item.sdtm?.variable === 'LBDTC')?.id ?? null;

const text = (value: RuleInputValue | undefined) => (typeof value === 'string' ? value : null);

/**
 * Who a range is chosen for: the participant's sex (DM SEX, M or F) and age at collection in whole
 * years, from the date of birth (DM BRTHDTC) and the collection date; the recorded age (DM AGE) when
 * either date is missing.
 */
export function subjectAt(
  protocol: Protocol,
  values: Record<string, RuleInputValue>,
  collectedOn: string | null,
): Subject {
  const sexKey = keyOfVariable(protocol, 'DM', 'SEX');
  const birthKey = keyOfVariable(protocol, 'DM', 'BRTHDTC');
  const ageKey = keyOfVariable(protocol, 'DM', 'AGE');
  const sex = text(sexKey ? values[sexKey] : undefined);
  const birthDate = text(birthKey ? values[birthKey] : undefined);
  const recordedAge = ageKey ? values[ageKey] : undefined;
  const age =
    birthDate && collectedOn
      ? ageOn(birthDate, collectedOn)
      : typeof recordedAge === 'number'
        ? recordedAge
        : null;
  return { sex: sex === 'M' || sex === 'F' ? sex : null, age };
}
