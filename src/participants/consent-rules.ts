import type { FieldProblem } from '../kernel/errors.ts';
import type { Protocol } from '../protocol/schema.ts';
import type { ConsentRequest } from './participant.schema.ts';

// Pure: what the protocol asks of a consent beyond its own fields: a version of the consent form the
// protocol lists, and an impartial witness when the protocol requires one or when the participant (or
// representative) cannot read or sign and the protocol asks for one then.

/** Whether a witness must sign this consent under the protocol's `consent.witness`. */
export function witnessNeeded(protocol: Pick<Protocol, 'consent'>, input: ConsentRequest): boolean {
  const rule = protocol.consent?.witness ?? 'never';
  return rule === 'required' || (rule === 'when-needed' && input.unableToRead === true);
}

/** Each field of a consent the protocol refuses, with what to do instead. */
export function consentProblems(protocol: Pick<Protocol, 'consent'>, input: ConsentRequest): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const versions = protocol.consent?.versions ?? [];
  if (versions.length > 0 && !versions.some((version) => version.label === input.formVersion)) {
    const listed = versions.map((version) => version.label).join(', ');
    problems.push({
      field: 'formVersion',
      message: `Consent form version ${input.formVersion} is not one the protocol lists at this site (${listed}); give the version printed on the signed form.`,
    });
  }
  const rule = protocol.consent?.witness ?? 'never';
  if (witnessNeeded(protocol, input) && input.witnessName === undefined) {
    problems.push({
      field: 'witnessName',
      message:
        rule === 'required'
          ? "The protocol requires an impartial witness: give the witness's name and when they signed."
          : "The participant cannot read or sign, so an impartial witness signs: give the witness's name and when they signed.",
    });
  }
  if (!witnessNeeded(protocol, input) && input.witnessName !== undefined) {
    problems.push({
      field: 'witnessName',
      message:
        rule === 'never'
          ? 'The protocol does not ask for an impartial witness (consent.witness: never); leave the witness out.'
          : 'A witness signs only when the participant cannot read or sign; leave the witness out or say they cannot.',
    });
  }
  if (
    input.witnessSignedAt !== undefined &&
    Date.parse(input.witnessSignedAt) < Date.parse(input.consentedAt)
  ) {
    problems.push({
      field: 'witnessSignedAt',
      message:
        'The witness signs after the participant (or representative): give a time at or after the consent.',
    });
  }
  return problems;
}
