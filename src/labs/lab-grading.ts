import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import type { Protocol } from '../protocol/schema.ts';
import { type CtcaeCriterion, ctcae, type GradedChange, gradeAgainstBaseline } from './ctcae.ts';
import type { LabFlagRow } from './lab-flag.service.ts';
import { type LabItem, labItems } from './lab-items.ts';
import { convertUnit } from './units.ts';

/**
 * The baseline of a test: the participant's value of the item at the latest visit before the first
 * dose (study day < 1) whose form holds it, e.g. screening. Null when none was saved.
 */
async function baselineOf(trx: Tx, studyId: string, protocol: Protocol, flag: LabFlagRow, lab: LabItem) {
  const visits = protocol.schedule.visits.filter(
    (visit) => visit.day < 1 && visit.forms.includes(lab.formId),
  );
  if (visits.length === 0) return null;
  const rows = await trx
    .selectFrom('lab_flag')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('participant_id', '=', flag.participant_id)
    .where('item_key', '=', flag.item_key)
    .where(
      'visit_id',
      'in',
      visits.map((visit) => visit.id),
    )
    .orderBy('collected_on', 'desc')
    .execute();
  return rows[0] ?? null;
}

/** A number in the criterion's unit (a threshold file in 10^9/L grading an item in 10^9/L needs no work). */
function inUnit(value: number | null, from: string, to: string, lab: LabItem): number | null {
  if (value === null) return null;
  const converted = convertUnit(value, from, to, lab.item.molarMass);
  return converted.ok ? converted.value : null;
}

/**
 * Grades the laboratory values just flagged by CTCAE v5.0 (criteria by the item's SDTM test code)
 * against the participant's baseline, and proposes a laboratory adverse event for each grade ≥ 1 worse
 * than baseline, audited in the save's transaction. A baseline value itself proposes nothing. An open
 * proposal from an earlier revision of the same value is withdrawn: it was about a value since corrected.
 */
export async function proposeLabAdverseEvents(
  trx: Tx,
  studyId: string,
  caller: Caller,
  protocol: Protocol,
  flags: readonly LabFlagRow[],
  clock = new Date(),
): Promise<void> {
  const items = labItems(protocol);
  for (const flag of flags) await withdrawEarlier(trx, studyId, caller, flag);
  for (const flag of flags) {
    const lab = items.find((entry) => entry.key === flag.item_key);
    const testCode = lab?.item.sdtm?.testCode;
    if (!lab || !testCode) continue;
    const criteria = ctcae.criteria.filter((criterion) => criterion.testCode === testCode);
    if (criteria.length === 0) continue;
    const baseline = await baselineOf(trx, studyId, protocol, flag, lab);
    if (!baseline || baseline.record_id === flag.record_id) continue;
    for (const criterion of criteria) {
      const value = inUnit(flag.value, flag.unit, criterion.unit, lab);
      if (value === null) continue;
      const graded = gradeAgainstBaseline(criterion, value, {
        lln: inUnit(flag.standard_low, flag.unit, criterion.unit, lab),
        uln: inUnit(flag.standard_high, flag.unit, criterion.unit, lab),
        baseline: inUnit(baseline.value, baseline.unit, criterion.unit, lab),
        baselineNormal: baseline.flag !== 'low' && baseline.flag !== 'high',
      });
      if (!graded.worse) continue;
      await storeProposal(trx, studyId, caller, {
        flag,
        criterion,
        graded,
        baselineValue: baseline.value,
        clock,
      });
    }
  }
}

interface Proposal {
  flag: LabFlagRow;
  criterion: CtcaeCriterion;
  graded: GradedChange;
  baselineValue: number;
  clock: Date;
}

/** Stores one proposal and its audit event; the same value revision and criterion proposes once. */
async function storeProposal(trx: Tx, studyId: string, caller: Caller, proposal: Proposal): Promise<void> {
  const { flag, criterion, graded, baselineValue, clock } = proposal;
  const proposalId = randomUUID();
  const inserted = await trx
    .insertInto('lab_ae_proposal')
    .values({
      study_id: studyId,
      proposal_id: proposalId,
      participant_id: flag.participant_id,
      site_id: flag.site_id,
      record_id: flag.record_id,
      visit_id: flag.visit_id,
      item_key: flag.item_key,
      revision: flag.revision,
      criterion: criterion.id,
      term: criterion.term,
      grade: graded.grade,
      baseline_grade: graded.baselineGrade,
      value: flag.value,
      unit: flag.unit,
      baseline_value: baselineValue,
      collected_on: flag.collected_on,
      status: 'proposed',
      proposed_at: clock,
    })
    .onConflict((conflict) =>
      conflict.columns(['study_id', 'record_id', 'item_key', 'revision', 'criterion']).doNothing(),
    )
    .returning('proposal_id')
    .executeTakeFirst();
  if (!inserted) return;
  await recordParticipantAudit(
    trx,
    studyId,
    caller.actor,
    { participant_id: flag.participant_id, site_id: flag.site_id },
    {
      action: 'lab.ae.propose',
      entityType: 'lab_ae_proposal',
      entityId: proposalId,
      field: `${flag.visit_id}:${flag.item_key}`,
      newValue: {
        term: criterion.term,
        grade: graded.grade,
        baselineGrade: graded.baselineGrade,
        value: flag.value,
        unit: flag.unit,
        baselineValue,
      },
      context: { criterion: criterion.id, source: ctcae.source.title },
    },
  );
}

async function withdrawEarlier(trx: Tx, studyId: string, caller: Caller, flag: LabFlagRow): Promise<void> {
  const withdrawn = await trx
    .updateTable('lab_ae_proposal')
    .set({
      status: 'dismissed',
      reason: `the value was changed (revision ${flag.revision})`,
      decided_by: caller.actor.type === 'user' ? caller.actor.userId : caller.actor.label,
      decided_by_name: caller.user.name,
      decided_at: new Date(),
    })
    .where('study_id', '=', studyId)
    .where('record_id', '=', flag.record_id)
    .where('item_key', '=', flag.item_key)
    .where('status', '=', 'proposed')
    .where('revision', '<', flag.revision)
    .returning(['proposal_id', 'term', 'grade'])
    .execute();
  if (withdrawn.length === 0) return;
  await recordParticipantAudit(
    trx,
    studyId,
    caller.actor,
    { participant_id: flag.participant_id, site_id: flag.site_id },
    withdrawn.map((proposal) => ({
      action: 'lab.ae.dismiss' as const,
      entityType: 'lab_ae_proposal',
      entityId: proposal.proposal_id,
      field: `${flag.visit_id}:${flag.item_key}`,
      oldValue: { status: 'proposed', term: proposal.term, grade: proposal.grade },
      newValue: { status: 'dismissed' },
      reason: `the value was changed (revision ${flag.revision})`,
    })),
  );
}
