import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { flagLabValues, type LabSave } from './lab-flag.service.ts';

/**
 * What a form save does for its laboratory values, in the save's transaction: flags each changed value
 * against its reference range. Forms without laboratory items pass through untouched.
 */
export async function afterLabSave(trx: Tx, studyId: string, _caller: Caller, save: LabSave): Promise<void> {
  if (save.form.sdtmDomain !== 'LB' || save.changed.length === 0) return;
  await flagLabValues(trx, studyId, save);
}
