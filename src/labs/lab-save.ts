import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { flagLabValues, type LabSave } from './lab-flag.service.ts';
import { proposeLabAdverseEvents } from './lab-grading.ts';

/**
 * What a form save does for its laboratory values, in the save's transaction: flags each changed value
 * against its reference range, then grades it by CTCAE and proposes a laboratory adverse event for a
 * grade worse than baseline. Forms without laboratory items pass through untouched.
 */
export async function afterLabSave(trx: Tx, studyId: string, caller: Caller, save: LabSave): Promise<void> {
  if (save.form.sdtmDomain !== 'LB' || save.changed.length === 0) return;
  const flags = await flagLabValues(trx, studyId, save);
  await proposeLabAdverseEvents(trx, studyId, caller, save.protocol, flags);
}
