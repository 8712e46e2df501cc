import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import { consentAnswersOf } from '../crf/consent-answers.ts';
import { sameEntry } from '../crf/entries.ts';
import { saveFormIn } from '../crf/form.service.ts';
import { entriesOf } from '../crf/form-record.queries.ts';
import type { Database, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, validationFailed } from '../kernel/errors.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { dateInZone } from '../study/site-time.ts';
import { consentRecordItems } from './consent-form.ts';
import { consentProblems } from './consent-rules.ts';
import type { ParticipantRow } from './participant.queries.ts';
import type { ConsentRequest } from './participant.schema.ts';
import { writableParticipant } from './writable.ts';

// A consent is recorded once, in the consent dialog; the informed-consent form holds copies of it. When a
// participant consents again (a new version of the consent form), the copies already saved on the form
// are rewritten through the form's own save: audited as changes with the re-consent as their reason,
// breaking a signature on the form as any change does.

/**
 * Records informed consent. Its time may not be in the future (five minutes' grace for clocks) nor its
 * date at the site before the screening date: the rules the informed-consent form's date obeys too.
 */
export async function recordConsent(
  database: Database,
  studyId: string,
  caller: Caller,
  participantId: string,
  input: ConsentRequest,
  clock = new Date(),
): Promise<string> {
  return database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, participantId, {
      caller,
      permission: 'participant.consent',
    });
    const consentedAt = new Date(input.consentedAt);
    const zone = participant.siteTimeZone;
    if (consentedAt.getTime() > clock.getTime() + 5 * 60_000) {
      throw validationFailed([
        {
          field: 'consentedAt',
          message: `Consent cannot be dated in the future (now at the site it is ${dateInZone(clock, zone)}).`,
        },
      ]);
    }
    if (dateInZone(consentedAt, zone) < participant.screening_date) {
      throw validationFailed([
        {
          field: 'consentedAt',
          message: `Consent cannot be dated before the screening date (${participant.screening_date}).`,
        },
      ]);
    }
    if (
      input.witnessSignedAt !== undefined &&
      Date.parse(input.witnessSignedAt) > clock.getTime() + 5 * 60_000
    ) {
      throw validationFailed([
        { field: 'witnessSignedAt', message: 'The witness cannot have signed in the future.' },
      ]);
    }
    if (participant.status === 'screen_failed' || participant.status === 'declined') {
      throw conflict(
        `Participant ${participant.screening_number} has left screening (${participant.status}).`,
      );
    }
    // The consent form versions and the witness rule are those of the version the site works under.
    const { protocol } = await protocolVersion(trx, studyId, participant.currentProtocolVersion);
    const problems = consentProblems(protocol, input);
    if (problems.length > 0) throw validationFailed(problems);
    const previous = await latestConsentVersion(trx, studyId, participantId);
    const consentId = randomUUID();
    const row = {
      study_id: studyId,
      consent_id: consentId,
      participant_id: participantId,
      form_version: input.formVersion,
      consented_at: consentedAt,
      obtained_by: caller.user.userId,
      signer: input.signer,
      representative_name: input.representativeName ?? null,
      representative_relation: input.representativeRelation ?? null,
      unable_to_read: input.unableToRead ?? null,
      witness_name: input.witnessName ?? null,
      witness_signed_at: input.witnessSignedAt ? new Date(input.witnessSignedAt) : null,
      created_at: clock,
    };
    await trx.insertInto('consent').values(row).execute();
    await recordParticipantAudit(trx, studyId, caller.actor, participant, {
      action: 'participant.consent',
      entityType: 'participant',
      entityId: participantId,
      // A consent after an earlier one is a re-consent: the trail keeps the version it replaces.
      oldValue: previous === undefined ? undefined : { formVersion: previous },
      newValue: { ...input, obtainedBy: caller.user.email },
      reason: previous === undefined ? undefined : `Re-consent: version ${previous} to ${input.formVersion}.`,
    });
    await copyConsentToForms(trx, studyId, caller, participant, input.formVersion, clock);
    return consentId;
  });
}

/** The consent form version of the participant's latest consent, if any. */
async function latestConsentVersion(
  trx: Tx,
  studyId: string,
  participantId: string,
): Promise<string | undefined> {
  const row = await trx
    .selectFrom('consent')
    .select('form_version')
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .orderBy('consented_at', 'desc')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row?.form_version;
}

/** Rewrites the consent copies of the participant's saved consent forms that the new consent changes. */
async function copyConsentToForms(
  trx: Tx,
  studyId: string,
  caller: Caller,
  participant: ParticipantRow,
  formVersion: string,
  clock: Date,
): Promise<void> {
  const rows = await trx
    .selectFrom('form_record')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participant_id)
    .orderBy('visit_id')
    .orderBy('form_id')
    .orderBy('instance')
    .execute();
  for (const row of rows) {
    const { protocol } = await protocolVersion(trx, studyId, row.protocol_version);
    const form = protocol.forms.find((entry) => entry.id === row.form_id);
    if (!form || consentRecordItems(protocol, form).size === 0) continue;
    const answers = await consentAnswersOf(trx, studyId, protocol, form, participant);
    const stored = entriesOf(row);
    const changed = [...answers].filter(([itemId, answer]) => !sameEntry({ value: answer }, stored[itemId]));
    if (changed.length === 0) continue;
    await saveFormIn(
      trx,
      studyId,
      caller,
      {
        participantId: participant.participant_id,
        visitKey: row.visit_id,
        formId: row.form_id,
        instance: row.instance,
      },
      {
        version: row.version,
        entries: Object.fromEntries(changed.map(([itemId, answer]) => [itemId, { value: answer }])),
        reason: `Consent recorded again (consent form version ${formVersion}).`,
      },
      clock,
    );
  }
}
