import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { ProtocolDeviationTable } from '../db/schema-participants.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize, studyWideRoles } from '../kernel/permissions.ts';
import { UUID } from '../participants/participant.queries.ts';
import { writableParticipant } from '../participants/writable.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import type {
  DecideDeviationRequest,
  DeviationCategory,
  DeviationListQuery,
  DeviationView,
  RecordDeviationRequest,
} from './deviation.schema.ts';

type DeviationRow = Selectable<ProtocolDeviationTable>;

const personOf = (caller: Caller) => ({
  id: caller.actor.type === 'user' ? caller.actor.userId : caller.actor.label,
  name: caller.user.name,
});

const auditValue = (row: DeviationRow) => ({
  category: row.category,
  severity: row.severity,
  status: row.status,
  description: row.description,
  correctiveAction: row.corrective_action,
  occurredOn: row.occurred_on,
  visitId: row.visit_id,
  formId: row.form_id,
});

/** What proposes a deviation: a form or a dose saved outside its window, named by `sourceKey`. */
export interface DeviationProposal {
  /** `form_record:<id>` or `dosing_administration:<id>`: one proposal per record, however often it is saved. */
  sourceKey: string;
  visitId: string;
  formId: string | null;
  category: DeviationCategory;
  description: string;
  occurredOn: string;
}

/**
 * Proposes a deviation in the caller's transaction (the participant already locked), audited with it.
 * A record that proposed one before proposes no second one: its first proposal stands for the record
 * until an investigator or monitor confirms or rejects it. Minor until someone classifies it.
 */
export async function proposeDeviation(
  trx: Tx,
  studyId: string,
  caller: Caller,
  participant: { participant_id: string; site_id: string },
  proposal: DeviationProposal,
): Promise<void> {
  const existing = await trx
    .selectFrom('protocol_deviation')
    .select('deviation_id')
    .where('study_id', '=', studyId)
    .where('source_key', '=', proposal.sourceKey)
    .executeTakeFirst();
  if (existing) return;
  const row = await insertDeviation(trx, studyId, caller, participant, {
    visitId: proposal.visitId,
    formId: proposal.formId,
    sourceKey: proposal.sourceKey,
    category: proposal.category,
    severity: 'minor',
    description: proposal.description,
    correctiveAction: null,
    occurredOn: proposal.occurredOn,
  });
  await recordParticipantAudit(trx, studyId, caller.actor, participant, {
    action: 'deviation.propose',
    entityType: 'protocol_deviation',
    entityId: row.deviation_id,
    newValue: auditValue(row),
  });
}

async function insertDeviation(
  trx: Tx,
  studyId: string,
  caller: Caller,
  participant: { participant_id: string; site_id: string },
  values: {
    visitId: string | null;
    formId: string | null;
    sourceKey: string | null;
    category: DeviationCategory;
    severity: 'major' | 'minor';
    description: string;
    correctiveAction: string | null;
    occurredOn: string;
  },
): Promise<DeviationRow> {
  const person = personOf(caller);
  return trx
    .insertInto('protocol_deviation')
    .values({
      study_id: studyId,
      deviation_id: randomUUID(),
      participant_id: participant.participant_id,
      site_id: participant.site_id,
      visit_id: values.visitId,
      form_id: values.formId,
      source_key: values.sourceKey,
      category: values.category,
      severity: values.severity,
      description: values.description,
      corrective_action: values.correctiveAction,
      occurred_on: values.occurredOn,
      status: 'proposed',
      reported_by: person.id,
      reported_by_name: person.name,
      reported_at: new Date(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A deviation entered by hand (found at monitoring, reported by the site); it waits for confirmation like a proposal. */
export async function recordDeviation(
  database: Database,
  studyId: string,
  caller: Caller,
  request: RecordDeviationRequest,
): Promise<DeviationView> {
  return database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, request.participantId, {
      caller,
      permission: 'deviation.record',
    });
    if (request.visitId) {
      const { protocol } = await currentProtocol(trx, studyId);
      if (!protocol.schedule.visits.some((visit) => visit.id === request.visitId)) {
        throw validationFailed([
          {
            field: 'visitId',
            message: `There is no visit ${request.visitId}; use one of: ${protocol.schedule.visits.map((visit) => visit.id).join(', ')}.`,
          },
        ]);
      }
    }
    const row = await insertDeviation(trx, studyId, caller, participant, {
      visitId: request.visitId ?? null,
      formId: null,
      sourceKey: null,
      category: request.category,
      severity: request.severity,
      description: request.description,
      correctiveAction: request.correctiveAction ?? null,
      occurredOn: request.occurredOn,
    });
    await recordParticipantAudit(trx, studyId, caller.actor, participant, {
      action: 'deviation.record',
      entityType: 'protocol_deviation',
      entityId: row.deviation_id,
      newValue: auditValue(row),
    });
    return (await deviationViews(trx, studyId, [row]))[0] as DeviationView;
  });
}

/**
 * An investigator or monitor confirms a deviation (classifying it, with the corrective action) or
 * rejects it with a reason. Only a proposed deviation is decided; a stale version gets 409.
 */
export async function decideDeviation(
  database: Database,
  studyId: string,
  caller: Caller,
  deviationId: string,
  request: DecideDeviationRequest,
): Promise<DeviationView> {
  return database.transaction(async (trx) => {
    const found = UUID.test(deviationId)
      ? await trx
          .selectFrom('protocol_deviation')
          .select(['participant_id', 'site_id'])
          .where('study_id', '=', studyId)
          .where('deviation_id', '=', deviationId)
          .executeTakeFirst()
      : undefined;
    if (!found) throw notFound(`Deviation ${deviationId}`);
    authorize(caller.user, 'deviation.confirm', { siteId: found.site_id });
    const participant = await writableParticipant(trx, studyId, found.participant_id);
    const row = await trx
      .selectFrom('protocol_deviation')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('deviation_id', '=', deviationId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.version !== request.version) {
      throw conflict(
        `This deviation was changed by someone else (now version ${row.version}, yours ${request.version}).`,
      );
    }
    if (row.status !== 'proposed') throw conflict(`This deviation is already ${row.status}.`);
    const person = personOf(caller);
    const updated = await trx
      .updateTable('protocol_deviation')
      .set((eb) => ({
        status: request.decision === 'confirm' ? 'confirmed' : 'rejected',
        severity: request.severity ?? row.severity,
        category: request.category ?? row.category,
        corrective_action: request.correctiveAction ?? row.corrective_action,
        decided_by: person.id,
        decided_by_name: person.name,
        decided_at: new Date(),
        decision_reason: request.reason ?? null,
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('deviation_id', '=', deviationId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, participant, {
      action: request.decision === 'confirm' ? 'deviation.confirm' : 'deviation.reject',
      entityType: 'protocol_deviation',
      entityId: deviationId,
      oldValue: auditValue(row),
      newValue: auditValue(updated),
      reason: request.reason,
    });
    return (await deviationViews(trx, studyId, [updated]))[0] as DeviationView;
  });
}

/** The deviation log of the sites the caller sees, or of one site or participant; newest first. */
export async function listDeviations(
  db: Db,
  studyId: string,
  caller: Caller,
  query: DeviationListQuery,
): Promise<DeviationView[]> {
  authorize(caller.user, 'participant.read', query.siteId ? { siteId: query.siteId } : undefined);
  let rows = db.selectFrom('protocol_deviation').selectAll().where('study_id', '=', studyId);
  if (query.participantId) {
    const participant = await db
      .selectFrom('participant')
      .select('site_id')
      .where('study_id', '=', studyId)
      .where('participant_id', '=', query.participantId)
      .executeTakeFirst();
    if (!participant) throw notFound(`Participant ${query.participantId}`);
    authorize(caller.user, 'participant.read', { siteId: participant.site_id });
    rows = rows.where('participant_id', '=', query.participantId);
  }
  if (query.siteId) rows = rows.where('site_id', '=', query.siteId);
  else if (!caller.user.roles.some((role) => studyWideRoles.has(role))) {
    rows = rows.where('site_id', 'in', caller.user.siteIds.length > 0 ? caller.user.siteIds : ['']);
  }
  if (query.status) rows = rows.where('status', '=', query.status);
  const found = await rows.orderBy('reported_at', 'desc').orderBy('deviation_id').execute();
  return deviationViews(db, studyId, found);
}

async function deviationViews(db: Db, studyId: string, rows: DeviationRow[]): Promise<DeviationView[]> {
  if (rows.length === 0) return [];
  const labels = await db
    .selectFrom('participant')
    .select(['participant_id', 'study_number', 'screening_number'])
    .where('study_id', '=', studyId)
    .where('participant_id', 'in', [...new Set(rows.map((row) => row.participant_id))])
    .execute();
  const labelOf = new Map(
    labels.map((row) => [row.participant_id, row.study_number ?? row.screening_number]),
  );
  return rows.map((row) => ({
    deviationId: row.deviation_id,
    participantId: row.participant_id,
    participantLabel: labelOf.get(row.participant_id) ?? row.participant_id,
    siteId: row.site_id,
    visitId: row.visit_id,
    formId: row.form_id,
    origin: row.source_key ? 'system' : 'manual',
    category: row.category as DeviationCategory,
    severity: row.severity,
    description: row.description,
    correctiveAction: row.corrective_action,
    occurredOn: row.occurred_on,
    status: row.status,
    reportedBy: row.reported_by_name,
    reportedAt: new Date(row.reported_at).toISOString(),
    decidedBy: row.decided_by_name,
    decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
    decisionReason: row.decision_reason,
    version: row.version,
  }));
}
