import { itemCatalog, protocolItemCodes, protocolItemTypes, protocolRules } from './item-catalog.ts';
import { parseRule } from './rules/parser.ts';
import { referencedItems } from './rules/print.ts';
import { typecheckRule } from './rules/typecheck.ts';
import type { Protocol } from './schema.ts';
import type { ProtocolProblem } from './validate.ts';

/**
 * Every rule must parse and typecheck against the protocol's items (and their codes). Derivations may only read
 * derived items defined before them, so one pass in protocol order computes them all (no cycles possible).
 * Eligibility rules may only read forms collected at a screening visit, since eligibility is decided there.
 */
export function validateRules(protocol: Protocol): ProtocolProblem[] {
  const problems: ProtocolProblem[] = [];
  const itemTypes = protocolItemTypes(protocol);
  const codes = protocolItemCodes(protocol);
  const catalog = itemCatalog(protocol);
  const screeningForms = new Set(
    protocol.schedule.visits.filter((visit) => visit.kind === 'screening').flatMap((visit) => visit.forms),
  );
  const derivedSoFar = new Set<string>();
  const derivedAll = new Set(
    [...catalog.values()]
      .filter((entry) => entry.item.derivation !== undefined)
      .map((entry) => entry.reference),
  );

  for (const rule of protocolRules(protocol)) {
    const [section, formIndex, , itemIndex, key] = rule.path;
    const isDerivation = section === 'forms' && key === 'derivation';
    const form = isDerivation ? protocol.forms[Number(formIndex)] : undefined;
    const self = `${form?.id}.${form?.items[Number(itemIndex)]?.id}`;
    const parsed = parseRule(rule.text);
    if (!parsed.ok) {
      if (isDerivation) derivedSoFar.add(self);
      problems.push({
        path: rule.path,
        message: `rule syntax error at character ${parsed.error.offset + 1}: ${parsed.error.message}`,
      });
      continue;
    }
    for (const problem of typecheckRule(parsed.ast, itemTypes, { expect: rule.expect, codes })) {
      problems.push({ path: rule.path, message: `${problem.message} (at character ${problem.offset + 1})` });
    }
    const references = referencedItems(parsed.ast);
    if (isDerivation) {
      for (const reference of references) {
        if (derivedAll.has(reference) && !derivedSoFar.has(reference)) {
          problems.push({
            path: rule.path,
            message: `reads the derived item ${reference}, which is ${reference === self ? 'itself' : 'defined later'}; derivations may only read derived items defined before them`,
          });
        }
      }
      derivedSoFar.add(self);
    }
    if (section === 'eligibility') {
      for (const reference of references) {
        const form = catalog.get(reference)?.form.id;
        if (form !== undefined && !screeningForms.has(form)) {
          problems.push({
            path: rule.path,
            message: `reads ${reference}, but the form ${form} is not collected at a screening visit`,
          });
        }
      }
    }
  }
  return problems;
}
