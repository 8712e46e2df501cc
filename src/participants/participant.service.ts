import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import { type LockoutPolicy, reauthenticate } from '../auth/reauthentication.service.ts';
import { screeningInputs } from '../crf/record-values.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { assessEligibility } from '../protocol/eligibility.ts';
import { siteWorkingVersion } from '../protocol/site-version.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { dateInZone } from '../study/site-time.ts';
import { recordHospitalId } from './hospital-id.service.ts';
import { findParticipant, nextSiteNumber } from './participant.queries.ts';
import type { EligibilityView } from './participant.schema.ts';
import { signatureMeanings, stateDigest } from './signing.ts';
import { writableParticipant } from './writable.ts';

/**
 * Opens a screening log entry: a screening number (site code + S + sequence) and the date. The date
 * may not be after today at the site (in the site's time zone, not UTC).
 */
export async function screenParticipant(
  database: Database,
  studyId: string,
  caller: Caller,
  input: { siteId: string; screeningDate: string; hospitalId?: string; synthetic?: boolean },
  clock = new Date(),
): Promise<string> {
  authorize(caller.user, 'participant.screen', { siteId: input.siteId });
  return database.transaction(async (trx) => {
    const site = await trx
      .selectFrom('site')
      .select(['code', 'time_zone'])
      .where('study_id', '=', studyId)
      .where('site_id', '=', input.siteId)
      .executeTakeFirst();
    if (!site) throw notFound(`Site ${input.siteId}`);
    const today = dateInZone(clock, site.time_zone);
    if (input.screeningDate > today) {
      throw validationFailed([
        {
          field: 'screeningDate',
          message: `The screening date cannot be in the future (today at the site is ${today}).`,
        },
      ]);
    }
    const versionNo = await siteWorkingVersion(trx, studyId, input.siteId);
    const sequence = await nextSiteNumber(trx, studyId, input.siteId, 'screening');
    const participantId = randomUUID();
    const screeningNumber = `${site.code}-S${String(sequence).padStart(3, '0')}`;
    const now = clock;
    await trx
      .insertInto('participant')
      .values({
        study_id: studyId,
        participant_id: participantId,
        site_id: input.siteId,
        screening_number: screeningNumber,
        screening_date: input.screeningDate,
        status: 'screening',
        protocol_version: versionNo,
        synthetic: input.synthetic ?? false,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const subject = { participant_id: participantId, site_id: input.siteId };
    await recordParticipantAudit(trx, studyId, caller.actor, subject, {
      action: 'participant.screen',
      entityType: 'participant',
      entityId: participantId,
      newValue: { siteId: input.siteId, screeningNumber, screeningDate: input.screeningDate },
    });
    if (input.hospitalId) {
      await recordHospitalId(trx, studyId, caller, subject, { hospitalId: input.hospitalId }, clock);
    }
    return participantId;
  });
}

/**
 * The eligibility rules of the protocol version the participant's site works under (the latest
 * approved there), evaluated on the participant's screening data, as of now.
 */
export async function eligibilityOf(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
): Promise<EligibilityView & { digest: string }> {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'participant.read', { siteId: participant.site_id });
  const { protocol } = await protocolVersion(
    db,
    studyId,
    await siteWorkingVersion(db, studyId, participant.site_id),
  );
  const { values, series } = await screeningInputs(db, studyId, protocol, participantId);
  const assessment = assessEligibility(protocol, values, series);
  const texts = new Map(
    [...protocol.eligibility.inclusion, ...protocol.eligibility.exclusion].map((criterion) => [
      criterion.id,
      criterion.text,
    ]),
  );
  const digest = stateDigest({ values, criteria: assessment.criteria });
  const signature = participant.eligibility_confirmed_at
    ? await db
        .selectFrom('signature')
        .select(['signed_state', 'signer_name'])
        .where('study_id', '=', studyId)
        .where('participant_id', '=', participantId)
        .where('scope', '=', 'eligibility')
        .where('broken_at', 'is', null)
        .orderBy('signed_at', 'desc')
        .executeTakeFirst()
    : undefined;
  return {
    status: assessment.status,
    criteria: assessment.criteria.map((criterion) => ({
      ...criterion,
      text: texts.get(criterion.id) ?? { en: criterion.id, zh: criterion.id },
    })),
    failed: assessment.failed,
    undecided: assessment.undecided,
    confirmedAt: participant.eligibility_confirmed_at
      ? new Date(participant.eligibility_confirmed_at).toISOString()
      : null,
    confirmedBy: signature?.signer_name ?? null,
    confirmationStale:
      signature !== undefined && (signature.signed_state as { digest?: string }).digest !== digest,
    digest,
  };
}

/** The investigator's e-signature on an eligible assessment. An ineligible or incomplete one cannot be signed. */
export async function confirmEligibility(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  participantId: string,
  password: string,
): Promise<EligibilityView> {
  const participant = await database.read((db) => findParticipant(db, studyId, participantId));
  authorize(caller.user, 'eligibility.confirm', { siteId: participant.site_id });
  await reauthenticate(
    database,
    studyId,
    caller,
    password,
    {
      entityType: 'participant',
      entityId: participantId,
      meaning: signatureMeanings.eligibility,
      context: { participantId, siteId: participant.site_id },
    },
    lockout,
  );
  return database.transaction(async (trx) => {
    const locked = await writableParticipant(trx, studyId, participantId);
    if (locked.status !== 'screening')
      throw conflict(`Participant ${locked.screening_number} is not in screening.`);
    const view = await eligibilityOf(trx, studyId, caller, participantId);
    if (view.status !== 'eligible') {
      throw conflict(
        view.status === 'ineligible'
          ? `Not eligible: criteria ${view.failed.join(', ')} decide against. An ineligible participant cannot be confirmed.`
          : `Eligibility is incomplete: enter the data for ${view.undecided.join(', ')} first.`,
        { failed: view.failed, undecided: view.undecided },
      );
    }
    const now = new Date();
    await trx
      .updateTable('signature')
      .set({ broken_at: now })
      .where('study_id', '=', studyId)
      .where('participant_id', '=', participantId)
      .where('scope', '=', 'eligibility')
      .where('broken_at', 'is', null)
      .execute();
    const signatureId = randomUUID();
    await trx
      .insertInto('signature')
      .values({
        study_id: studyId,
        signature_id: signatureId,
        scope: 'eligibility',
        participant_id: participantId,
        record_id: null,
        signer_id: caller.user.userId,
        signer_name: caller.user.name,
        meaning: signatureMeanings.eligibility,
        signed_at: now,
        signed_state: JSON.stringify({ digest: view.digest }),
      })
      .execute();
    await trx
      .updateTable('participant')
      .set((eb) => ({
        eligibility_confirmed_at: now,
        eligibility_confirmed_by: caller.user.userId,
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('participant_id', '=', participantId)
      .execute();
    await recordParticipantAudit(trx, studyId, caller.actor, locked, {
      action: 'signature.apply',
      entityType: 'participant',
      entityId: participantId,
      field: 'eligibility',
      newValue: {
        signatureId,
        meaning: signatureMeanings.eligibility,
        criteria: view.criteria.map((c) => [c.id, c.result]),
      },
    });
    return {
      ...view,
      confirmedAt: now.toISOString(),
      confirmedBy: caller.user.name,
      confirmationStale: false,
    };
  });
}
