import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { forbidden } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { currentProtocol } from '../study/protocol-store.ts';

// Who codes: every role holding coding.code (the data manager by default, a medical coder), unless
// the protocol names one coder role (`coding.coderRole`); then only that role codes, and the data
// manager no longer does. The study's current protocol decides: coding is study-wide.

/** The coder role the protocol names, or null when every role that may code does. */
export async function protocolCoderRole(db: Db, studyId: string): Promise<string | null> {
  const { protocol } = await currentProtocol(db, studyId);
  return protocol.coding?.coderRole ?? null;
}

/** Throws 403 unless the caller may code this study's terms. */
export async function authorizeCoder(db: Db, studyId: string, caller: Caller): Promise<void> {
  authorize(caller.user, 'coding.code');
  const coderRole = await protocolCoderRole(db, studyId);
  if (coderRole !== null && !caller.user.roles.some((role) => role === coderRole)) {
    throw forbidden(
      `The protocol names ${coderRole} as the coder of this study (coding.coderRole): only that role codes.`,
    );
  }
}
