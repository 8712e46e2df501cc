import type { Selectable } from 'kysely';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { LabAeProposalTable } from '../db/schema-labs.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant, UUID } from '../participants/participant.queries.ts';
import { writableParticipant } from '../participants/writable.ts';
import type { Protocol } from '../protocol/schema.ts';
import { createAdverseEventIn } from '../safety/adverse-event.service.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import type { AcceptProposalRequest, DismissProposalRequest, LabAeProposalView } from './lab.schema.ts';

type ProposalRow = Selectable<LabAeProposalTable>;

export const proposalView = (row: ProposalRow): LabAeProposalView => ({
  proposalId: row.proposal_id,
  participantId: row.participant_id,
  recordId: row.record_id,
  visitKey: row.visit_id,
  itemKey: row.item_key,
  revision: row.revision,
  criterion: row.criterion,
  term: row.term,
  grade: row.grade,
  baselineGrade: row.baseline_grade,
  value: row.value,
  unit: row.unit,
  baselineValue: row.baseline_value,
  collectedOn: row.collected_on,
  status: row.status,
  adverseEventId: row.adverse_event_id,
  decidedBy: row.decided_by_name,
  decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
  reason: row.reason,
  proposedAt: new Date(row.proposed_at).toISOString(),
});

/** A participant's proposed laboratory adverse events, open ones first. */
export async function listProposals(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
): Promise<LabAeProposalView[]> {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'safety.read', { siteId: participant.site_id });
  const rows = await db
    .selectFrom('lab_ae_proposal')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participant_id)
    .orderBy('proposed_at')
    .execute();
  const open = (row: ProposalRow) => (row.status === 'proposed' ? 0 : 1);
  return rows.sort((a, b) => open(a) - open(b)).map(proposalView);
}

/** The adverse-event form's item mapped to an SDTM AE variable (AETERM, AETOXGR). */
function aeItemId(protocol: Protocol, variable: string): string {
  for (const form of protocol.forms) {
    const item = form.items.find((entry) => entry.sdtm?.domain === 'AE' && entry.sdtm.variable === variable);
    if (item) return item.id;
  }
  throw conflict(
    `The protocol's adverse-event form has no item mapped to ${variable}; a proposal cannot be accepted.`,
  );
}

async function openProposal(trx: Tx, studyId: string, caller: Caller, proposalId: string) {
  if (!UUID.test(proposalId)) throw notFound(`Proposal ${proposalId}`);
  const row = await trx
    .selectFrom('lab_ae_proposal')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('proposal_id', '=', proposalId)
    .executeTakeFirst();
  if (!row) throw notFound(`Proposal ${proposalId}`);
  // Locks the participant (writes to one participant queue) and checks the caller's right at the site.
  const participant = await writableParticipant(trx, studyId, row.participant_id, {
    caller,
    permission: 'lab.assess',
  });
  const current = await trx
    .selectFrom('lab_ae_proposal')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('proposal_id', '=', proposalId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (current.status !== 'proposed') {
    throw conflict(
      `This proposal was already ${current.status}${current.decided_by_name ? ` by ${current.decided_by_name}` : ''}.`,
    );
  }
  return { participant, row: current };
}

const decider = (caller: Caller) => ({
  decided_by: caller.actor.type === 'user' ? caller.actor.userId : caller.actor.label,
  decided_by_name: caller.user.name,
});

/**
 * The investigator accepts a proposed laboratory adverse event: the adverse event is created through
 * the safety service (its checks, audit, stopping rules and notifications) with the CTCAE term and
 * grade, plus any items the investigator gives; the proposal records the event. One transaction.
 */
export async function acceptProposal(
  database: Database,
  studyId: string,
  caller: Caller,
  proposalId: string,
  request: AcceptProposalRequest,
  clock = new Date(),
): Promise<LabAeProposalView> {
  return database.transaction(async (trx) => {
    const { participant, row } = await openProposal(trx, studyId, caller, proposalId);
    const { protocol } = await currentProtocol(trx, studyId);
    const entries = {
      [aeItemId(protocol, 'AETERM')]: { value: row.term },
      [aeItemId(protocol, 'AETOXGR')]: { value: row.grade },
      ...request.entries,
    };
    const event = await createAdverseEventIn(trx, studyId, caller, participant.participant_id, { entries });
    const updated = await trx
      .updateTable('lab_ae_proposal')
      .set({ status: 'accepted', adverse_event_id: event.aeId, decided_at: clock, ...decider(caller) })
      .where('study_id', '=', studyId)
      .where('proposal_id', '=', proposalId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, participant, {
      action: 'lab.ae.accept',
      entityType: 'lab_ae_proposal',
      entityId: proposalId,
      field: `${row.visit_id}:${row.item_key}`,
      oldValue: { status: 'proposed' },
      newValue: { status: 'accepted', adverseEventId: event.aeId, term: row.term, grade: row.grade },
    });
    return proposalView(updated);
  });
}

/** The investigator dismisses a proposed laboratory adverse event with the reason it is not one; audited. */
export async function dismissProposal(
  database: Database,
  studyId: string,
  caller: Caller,
  proposalId: string,
  request: DismissProposalRequest,
  clock = new Date(),
): Promise<LabAeProposalView> {
  if (request.reason.trim() === '') {
    throw validationFailed([
      { field: 'reason', message: 'Give the reason the value is not an adverse event.' },
    ]);
  }
  return database.transaction(async (trx) => {
    const { participant, row } = await openProposal(trx, studyId, caller, proposalId);
    const updated = await trx
      .updateTable('lab_ae_proposal')
      .set({ status: 'dismissed', reason: request.reason, decided_at: clock, ...decider(caller) })
      .where('study_id', '=', studyId)
      .where('proposal_id', '=', proposalId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, participant, {
      action: 'lab.ae.dismiss',
      entityType: 'lab_ae_proposal',
      entityId: proposalId,
      field: `${row.visit_id}:${row.item_key}`,
      oldValue: { status: 'proposed', term: row.term, grade: row.grade },
      newValue: { status: 'dismissed' },
      reason: request.reason,
    });
    return proposalView(updated);
  });
}
