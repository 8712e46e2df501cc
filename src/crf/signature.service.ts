import { randomUUID } from 'node:crypto';
import { type AuditSubject, recordParticipantAudit } from '../audit/audit.service.ts';
import { type LockoutPolicy, reauthenticate } from '../auth/reauthentication.service.ts';
import type { Database, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant } from '../participants/participant.queries.ts';
import { signatureMeanings } from '../participants/signing.ts';
import { writableParticipant } from '../participants/writable.ts';
import { type FormRecordRow, findRecordById } from './form-record.queries.ts';

/**
 * A change after signature breaks it: the record's signature mark is cleared, every live form or
 * casebook signature covering the record is marked broken, and the trail says so.
 */
export async function breakSignatures(
  trx: Tx,
  studyId: string,
  caller: Caller,
  record: FormRecordRow,
): Promise<void> {
  const now = new Date();
  const broken = await trx
    .updateTable('signature')
    .set({ broken_at: now })
    .where('study_id', '=', studyId)
    .where('participant_id', '=', record.participant_id)
    .where('broken_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('scope', '=', 'form'), eb('record_id', '=', record.record_id)]),
        eb('scope', '=', 'casebook'),
      ]),
    )
    .returning(['signature_id', 'scope', 'signer_name'])
    .execute();
  await trx
    .updateTable('form_record')
    .set({ signed_at: null, signed_by: null, signed_version: null })
    .where('study_id', '=', studyId)
    .where('participant_id', '=', record.participant_id)
    .where('signed_at', 'is not', null)
    .where((eb) =>
      broken.some((s) => s.scope === 'casebook') ? eb.val(true) : eb('record_id', '=', record.record_id),
    )
    .execute();
  await recordParticipantAudit(
    trx,
    studyId,
    caller.actor,
    record,
    broken.map((signature) => ({
      action: 'signature.broken',
      entityType: signature.scope === 'form' ? 'form_record' : 'participant',
      entityId: signature.scope === 'form' ? record.record_id : record.participant_id,
      oldValue: { signatureId: signature.signature_id, signer: signature.signer_name },
      reason: `Data changed after signature (record ${record.record_id}, version ${record.version}).`,
    })),
  );
}

async function applySignature(
  trx: Tx,
  studyId: string,
  caller: Caller,
  target: {
    scope: 'form' | 'casebook';
    participant: AuditSubject;
    records: FormRecordRow[];
    recordId: string | null;
  },
): Promise<string> {
  const now = new Date();
  const signatureId = randomUUID();
  const meaning = signatureMeanings[target.scope];
  const state = Object.fromEntries(target.records.map((record) => [record.record_id, record.version]));
  await trx
    .insertInto('signature')
    .values({
      study_id: studyId,
      signature_id: signatureId,
      scope: target.scope,
      participant_id: target.participant.participant_id,
      record_id: target.recordId,
      signer_id: caller.user.userId,
      signer_name: caller.user.name,
      meaning,
      signed_at: now,
      signed_state: JSON.stringify(state),
    })
    .execute();
  for (const record of target.records) {
    await trx
      .updateTable('form_record')
      .set({ signed_at: now, signed_by: caller.user.name, signed_version: record.version })
      .where('study_id', '=', studyId)
      .where('record_id', '=', record.record_id)
      .execute();
  }
  await recordParticipantAudit(trx, studyId, caller.actor, target.participant, {
    action: 'signature.apply',
    entityType: target.scope === 'form' ? 'form_record' : 'participant',
    entityId: target.recordId ?? target.participant.participant_id,
    newValue: { signatureId, meaning, signer: caller.user.name, records: state },
  });
  return signatureId;
}

/** The investigator signs one form, re-entering the password, with the meaning shown. */
export async function signForm(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  recordId: string,
  password: string,
): Promise<{ signatureId: string; meaning: string }> {
  const record = await database.read((db) => findRecordById(db, studyId, recordId));
  if (!record) throw notFound(`Form record ${recordId}`);
  authorize(caller.user, 'crf.sign', { siteId: record.site_id });
  const context = { participantId: record.participant_id, siteId: record.site_id };
  const target = { entityType: 'form_record', entityId: recordId, meaning: signatureMeanings.form, context };
  await reauthenticate(database, studyId, caller, password, target, lockout);
  const signatureId = await database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, record.participant_id);
    const current = await findRecordById(trx, studyId, recordId, true);
    if (!current) throw notFound(`Form record ${recordId}`);
    return applySignature(trx, studyId, caller, {
      scope: 'form',
      participant,
      records: [current],
      recordId,
    });
  });
  return { signatureId, meaning: signatureMeanings.form };
}

/** The investigator signs a participant's whole casebook: every saved form as it stands. */
export async function signCasebook(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  participantId: string,
  password: string,
): Promise<{ signatureId: string; meaning: string; forms: number }> {
  const participant = await database.read((db) => findParticipant(db, studyId, participantId));
  authorize(caller.user, 'crf.sign', { siteId: participant.site_id });
  const context = { participantId, siteId: participant.site_id };
  const target = {
    entityType: 'participant',
    entityId: participantId,
    meaning: signatureMeanings.casebook,
    context,
  };
  await reauthenticate(database, studyId, caller, password, target, lockout);
  return database.transaction(async (trx) => {
    const locked = await writableParticipant(trx, studyId, participantId);
    const records = await trx
      .selectFrom('form_record')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', participantId)
      .execute();
    if (records.length === 0) throw conflict('The casebook has no saved form to sign.');
    const signatureId = await applySignature(trx, studyId, caller, {
      scope: 'casebook',
      participant: locked,
      records,
      recordId: null,
    });
    return { signatureId, meaning: signatureMeanings.casebook, forms: records.length };
  });
}
