import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** A digest of what was signed, so a later change is seen to break the signature. */
export const stateDigest = (state: unknown): string =>
  createHash('sha256')
    .update(canonicalize(state) ?? 'null')
    .digest('hex');

export const signatureMeanings = {
  eligibility:
    'I confirm that I have reviewed the screening data and that this participant meets every eligibility criterion.',
  form: 'I have reviewed the data on this form and confirm that they are accurate and complete.',
  casebook:
    "I have reviewed this participant's case report forms and confirm that the data are accurate and complete.",
} as const;
