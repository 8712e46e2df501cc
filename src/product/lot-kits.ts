import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { forbidden, validationFailed } from '../kernel/errors.ts';
import type { Protocol } from '../protocol/schema.ts';
import { armsVisible } from '../randomisation/blinding.ts';
import { takeKitNumbers } from '../randomisation/kit-list.service.ts';

/**
 * The codes of a new lot's vials in a kit study: the next unused kit numbers of the lot's kit type
 * from the sealed kit list, so a code says nothing of what the vial holds. Only a role that may see
 * arms names a kit type. Null outside kit studies (the vials keep lot-number codes).
 */
export async function kitNumbersForLot(
  trx: Tx,
  studyId: string,
  caller: Caller,
  protocol: Protocol,
  input: { kitType?: string | undefined; vialCount: number },
): Promise<string[] | null> {
  const supply = protocol.supply;
  if (!supply) {
    if (input.kitType === undefined) return null;
    throw validationFailed([
      { field: 'kitType', message: 'The protocol has no kit types: register the lot without a kit type.' },
    ]);
  }
  if (!(await armsVisible(trx, studyId, caller.user))) {
    throw forbidden(
      'In a blinded kit study only an unblinded role registers lots, as each names its kit type.',
    );
  }
  const known = supply.kitTypes.map((type) => type.id);
  if (input.kitType === undefined) {
    throw validationFailed([
      { field: 'kitType', message: `Give the lot's kit type, one of ${known.join(', ')}.` },
    ]);
  }
  if (!known.includes(input.kitType)) {
    throw validationFailed([
      {
        field: 'kitType',
        message: `Unknown kit type "${input.kitType}"; the protocol's kit types are ${known.join(', ')}.`,
      },
    ]);
  }
  return takeKitNumbers(trx, studyId, input.kitType, input.vialCount);
}
