import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { verifyPassword } from '../auth/password.ts';
import type { Db } from '../db/connection.ts';
import { DomainError } from '../server/errors.ts';

/**
 * An electronic signature re-authenticates the signer (21 CFR 11.200: both components, the password
 * here, at each signing that is not continuous) and names its meaning (11.50).
 */
export async function reauthenticate(
  db: Db,
  studyId: string,
  userId: string,
  password: string,
): Promise<void> {
  const user = await db
    .selectFrom('app_user')
    .select('password_hash')
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!user || !(await verifyPassword(user.password_hash, password))) {
    throw new DomainError('unauthenticated', 'The password is not correct: the signature was not applied.');
  }
}

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
