import { randomUUID } from 'node:crypto';
import { recordAudit, recordParticipantAudit } from '../audit/audit.service.ts';
import type { LockoutPolicy } from '../auth/reauthentication.service.ts';
import { reauthenticate } from '../auth/reauthentication.service.ts';
import { checkTotp } from '../auth/totp.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { notify } from '../notifications/notify.ts';
import { findParticipant } from '../participants/participant.queries.ts';
import { studyUnblinded } from './blinding.ts';
import type {
  EmergencyUnblinding,
  EmergencyUnblindRequest,
  StudyUnblindingView,
  StudyUnblindRequest,
} from './randomisation.schema.ts';

const studyView = (row: NonNullable<Awaited<ReturnType<typeof studyUnblinded>>> | null) => ({
  unblinded:
    row === null
      ? null
      : {
          name: row.unblinded_by_name,
          at: new Date(row.unblinded_at).toISOString(),
          reason: row.reason,
        },
});

export async function studyUnblinding(db: Db, studyId: string): Promise<StudyUnblindingView> {
  return studyView(await studyUnblinded(db, studyId));
}

/**
 * Unblinds the whole study, once, after database lock (ICH E9 §2.3.2: the blind is broken only when
 * the data are final). From then on `armsVisible` answers yes to everyone who reads the study.
 */
export async function unblindStudy(
  database: Database,
  studyId: string,
  caller: Caller,
  request: StudyUnblindRequest,
  clock: Date = new Date(),
): Promise<StudyUnblindingView> {
  authorize(caller.user, 'randomisation.unblind-study');
  return database.transaction(async (trx) => {
    const study = await trx
      .selectFrom('study')
      .select('locked_at')
      .where('study_id', '=', studyId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (!study.locked_at) {
      throw conflict('The study is not locked: lock the database first, then record its unblinding.');
    }
    const list = await trx
      .selectFrom('randomisation_list')
      .select('status')
      .where('study_id', '=', studyId)
      .executeTakeFirst();
    if (!list) throw conflict('The study has no randomisation list: there is no blind to break.');
    if (await studyUnblinded(trx, studyId)) throw conflict('The study is unblinded already.');
    await trx
      .insertInto('study_unblinding')
      .values({
        study_id: studyId,
        unblinded_by: caller.user.userId,
        unblinded_by_name: caller.user.name,
        unblinded_at: clock,
        reason: request.reason,
      })
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'randomisation.unblind_study',
      entityType: 'study',
      entityId: studyId,
      field: 'unblinded',
      oldValue: false,
      newValue: true,
      reason: request.reason,
    });
    return studyView(await studyUnblinded(trx, studyId));
  });
}

export interface UnblindingSettings {
  lockout: LockoutPolicy;
  totpKey: Buffer | undefined;
}

/** A TOTP user gives a current code with the password; a used step is not accepted again. */
async function secondFactorOf(
  database: Database,
  studyId: string,
  caller: Caller,
  code: string | undefined,
  totpKey: Buffer | undefined,
) {
  const state = await database.read((db) => totpStateOf(db, studyId, caller.user.userId));
  if (!state?.totp_secret) return undefined;
  if (code === undefined) {
    throw validationFailed(
      [{ field: 'code', message: 'You sign in with a second factor: give its current code too.' }],
      'Give the code from your authenticator app with your password.',
    );
  }
  return async (trx: Tx) => {
    const current = await totpStateOf(trx, studyId, caller.user.userId);
    if (!current?.totp_secret) return false;
    const step = await checkTotp(current.totp_secret, code, current.totp_last_step, totpKey);
    if (step === null) return false;
    await trx
      .updateTable('app_user')
      .set({ totp_last_step: step })
      .where('study_id', '=', studyId)
      .where('user_id', '=', caller.user.userId)
      .execute();
    return true;
  };
}

const totpStateOf = (db: Db, studyId: string, userId: string) =>
  db
    .selectFrom('app_user')
    .select(['totp_secret', 'totp_last_step'])
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .executeTakeFirst();

/**
 * Emergency unblinding of one participant by an investigator of the participant's site, when the
 * treatment of an emergency depends on the arm (ICH E6 §4.7): a reason, the password again (and the
 * second factor), a record of who, when and why, the sponsor's side told at once, audited. The arm
 * is returned to the investigator and neither the notification nor the audit event carries it.
 * Each unblinding is recorded, so a second one of the same participant is allowed and kept too.
 */
export async function unblindParticipant(
  database: Database,
  studyId: string,
  caller: Caller,
  settings: UnblindingSettings,
  participantId: string,
  request: EmergencyUnblindRequest,
  clock: Date = new Date(),
): Promise<EmergencyUnblinding> {
  const participant = await database.read((db) => findParticipant(db, studyId, participantId));
  authorize(caller.user, 'randomisation.emergency-unblind', { siteId: participant.site_id });
  const allocated = await database.read((db) => allocationRow(db, studyId, participant.participant_id));
  if (!allocated) throw conflict('The participant is not randomised: there is no arm to unblind.');
  const secondFactor = await secondFactorOf(database, studyId, caller, request.code, settings.totpKey);
  const context = { participantId: participant.participant_id, siteId: participant.site_id };
  await reauthenticate(
    database,
    studyId,
    caller,
    request.password,
    {
      entityType: 'participant',
      entityId: participant.participant_id,
      meaning: 'Emergency unblinding',
      context,
    },
    settings.lockout,
    {
      ...(secondFactor ? { secondFactor } : {}),
      failureMessage:
        'The password (or code) is not correct: the signature was not applied and the participant is not unblinded.',
    },
  );
  return database.transaction(async (trx) => {
    const unblindingId = randomUUID();
    await trx
      .insertInto('participant_unblinding')
      .values({
        unblinding_id: unblindingId,
        study_id: studyId,
        participant_id: participant.participant_id,
        site_id: participant.site_id,
        unblinded_by: caller.user.userId,
        unblinded_by_name: caller.user.name,
        unblinded_at: clock,
        reason: request.reason,
      })
      .execute();
    await recordParticipantAudit(trx, studyId, caller.actor, participant, {
      action: 'randomisation.unblind_participant',
      entityType: 'participant',
      entityId: participant.participant_id,
      newValue: { unblindingId, randomisationNumber: allocated.randomisation_number },
      reason: request.reason,
    });
    const site = await trx
      .selectFrom('site')
      .select('name')
      .where('study_id', '=', studyId)
      .where('site_id', '=', participant.site_id)
      .executeTakeFirstOrThrow();
    await notify(
      trx,
      studyId,
      {
        kind: 'participant.unblinded',
        siteId: participant.site_id,
        params: {
          participant: participant.study_number ?? participant.screening_number,
          investigator: caller.user.name,
          site: site.name,
          reason: request.reason,
        },
        link: `/participants/${participant.participant_id}`,
        eventKey: `unblinding:${unblindingId}`,
        exceptUserId: caller.user.userId,
      },
      clock,
    );
    return {
      unblindingId,
      unblindedAt: clock.toISOString(),
      randomisationNumber: allocated.randomisation_number,
      arm: allocated.arm,
    };
  });
}

const allocationRow = (db: Db, studyId: string, participantId: string) =>
  db
    .selectFrom('randomisation_allocation')
    .select(['randomisation_number', 'arm'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .executeTakeFirst();

/** The unblindings of a participant (who, when, why; never the arm), for whoever sees the participant. */
export async function unblindingsOf(db: Db, studyId: string, participantId: string) {
  const rows = await db
    .selectFrom('participant_unblinding')
    .select(['unblinded_by_name', 'unblinded_at', 'reason'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .orderBy('unblinded_at')
    .execute();
  return rows.map((row) => ({
    name: row.unblinded_by_name,
    at: new Date(row.unblinded_at).toISOString(),
    reason: row.reason,
  }));
}
