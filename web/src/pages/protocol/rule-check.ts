import { protocolItemCodes, protocolItemTypes } from '../../../../src/protocol/item-catalog.ts';
import { parseRule } from '../../../../src/protocol/rules/parser.ts';
import { typecheckRule } from '../../../../src/protocol/rules/typecheck.ts';
import type { Protocol } from '../../../../src/protocol/schema.ts';

/** Checks a rule as it is typed, with the same parser and type checker the server validates with. */
export function ruleProblem(protocol: Protocol, text: string): string | null {
  if (text.trim() === '') return null;
  const parsed = parseRule(text);
  if (!parsed.ok) return `${parsed.error.message} (character ${parsed.error.offset + 1})`;
  const problems = typecheckRule(parsed.ast, protocolItemTypes(protocol), {
    expect: 'boolean',
    codes: protocolItemCodes(protocol),
  });
  return problems[0] ? `${problems[0].message} (character ${problems[0].offset + 1})` : null;
}
