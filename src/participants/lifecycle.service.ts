import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, validationFailed } from '../kernel/errors.ts';
import { allocateAtEnrolment } from '../randomisation/allocation.service.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { dateInZone, siteTimeZone } from '../study/site-time.ts';
import { nextSiteNumber } from './participant.queries.ts';
import type { endStatuses } from './participant.schema.ts';
import { eligibilityOf } from './participant.service.ts';
import { writeParticipantStatus } from './participant-status.ts';
import { screeningWindowFor } from './schedule.ts';
import { writableParticipant } from './writable.ts';

/** Today at the participant's site, in the site's time zone (a status date is the site's date, not UTC's). */
const siteToday = async (db: Db, studyId: string, siteId: string, clock: Date) =>
  dateInZone(clock, await siteTimeZone(db, studyId, siteId));

function assertVersion(current: number, given: number, label: string): void {
  if (current !== given) {
    throw conflict(
      `Participant ${label} changed since you loaded it (now version ${current}, yours ${given}). Reload and try again.`,
      {
        currentVersion: current,
      },
    );
  }
}

/** Ends screening without enrolment: failed (the failing criteria are kept for CONSORT) or declined. */
export async function recordScreenOutcome(
  database: Database,
  studyId: string,
  caller: Caller,
  participantId: string,
  input: { outcome: 'screen_failed' | 'declined'; reason: string; version: number },
  clock = new Date(),
): Promise<void> {
  await database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, participantId, {
      caller,
      permission: 'participant.screen',
    });
    assertVersion(participant.version, input.version, participant.screening_number);
    if (participant.status !== 'screening') {
      throw conflict(
        `Participant ${participant.screening_number} is ${participant.status}, not in screening.`,
      );
    }
    const failed =
      input.outcome === 'screen_failed'
        ? (await eligibilityOf(trx, studyId, caller, participantId)).failed
        : [];
    await writeParticipantStatus(trx, studyId, caller, participant, participantId, {
      action: `participant.${input.outcome}`,
      status: input.outcome,
      statusDate: await siteToday(trx, studyId, participant.site_id, clock),
      reason: input.reason,
      columns: { failed_criteria: JSON.stringify(failed) },
      newValue: { status: input.outcome, failedCriteria: failed },
      at: clock,
    });
  });
}

/**
 * Enrols a consented participant whose eligibility the investigator confirmed on the data as they are
 * now: gives the study number (site code + sequence) and anchors day 1, the day of the first dose.
 * There is no override: an ineligible participant is never enrolled.
 */
export async function enrolParticipant(
  database: Database,
  studyId: string,
  caller: Caller,
  participantId: string,
  input: { day1Date: string; version: number },
  clock = new Date(),
): Promise<string> {
  return database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, participantId, {
      caller,
      permission: 'participant.enrol',
    });
    assertVersion(participant.version, input.version, participant.screening_number);
    if (participant.status !== 'screening') {
      throw conflict(
        `Participant ${participant.screening_number} is ${participant.status}; only a participant in screening can be enrolled.`,
      );
    }
    if (!participant.consented) {
      throw conflict('No informed consent is recorded: record consent before enrolment.');
    }
    const eligibility = await eligibilityOf(trx, studyId, caller, participantId);
    if (eligibility.status !== 'eligible') {
      throw conflict(
        `The participant is ${eligibility.status} under the protocol's criteria and cannot be enrolled.`,
        {
          failed: eligibility.failed,
          undecided: eligibility.undecided,
        },
      );
    }
    if (!eligibility.confirmedAt || eligibility.confirmationStale) {
      throw conflict(
        eligibility.confirmationStale
          ? 'Screening data changed after the investigator confirmed eligibility: the investigator must confirm again.'
          : 'An investigator must confirm eligibility with an e-signature before enrolment.',
      );
    }
    if (input.day1Date < participant.screening_date) {
      throw validationFailed([{ field: 'day1Date', message: 'Day 1 cannot be before the screening date.' }]);
    }
    const { protocol, versionNo } = await protocolVersion(trx, studyId, participant.currentProtocolVersion);
    const window = screeningWindowFor(protocol, participant.screening_date);
    if (window && input.day1Date > window.latestDay1) {
      throw validationFailed([
        {
          field: 'day1Date',
          message:
            `Day 1 (${input.day1Date}) is past the screening window: screening runs from day ${window.firstDay} ` +
            `to day ${window.lastDay}, so screening on ${participant.screening_date} allows day 1 up to ` +
            `${window.latestDay1}. Screen the participant again.`,
        },
      ]);
    }
    const site = await trx
      .selectFrom('site')
      .select(['code', 'time_zone'])
      .where('study_id', '=', studyId)
      .where('site_id', '=', participant.site_id)
      .executeTakeFirstOrThrow();
    const sequence = await nextSiteNumber(trx, studyId, participant.site_id, 'enrolment');
    const studyNumber = `${site.code}-${String(sequence).padStart(3, '0')}`;
    // A randomised protocol allocates here, in the enrolment's transaction: no enrolment without its arm.
    const randomisationNumber = await allocateAtEnrolment(trx, studyId, caller, participant, protocol, clock);
    await writeParticipantStatus(trx, studyId, caller, participant, participantId, {
      action: 'participant.enrol',
      status: 'enrolled',
      statusDate: dateInZone(clock, site.time_zone),
      columns: {
        study_number: studyNumber,
        day1_date: input.day1Date,
        enrolled_at: clock,
        protocol_version: versionNo,
      },
      newValue: {
        status: 'enrolled',
        studyNumber,
        day1Date: input.day1Date,
        ...(randomisationNumber ? { randomisationNumber } : {}),
      },
      at: clock,
    });
    return studyNumber;
  });
}

/** Withdrawal, loss to follow-up, death, completion: they end the schedule and keep every record. */
export async function changeStatus(
  database: Database,
  studyId: string,
  caller: Caller,
  participantId: string,
  input: { status: (typeof endStatuses)[number]; date: string; reason: string; version: number },
  clock = new Date(),
): Promise<void> {
  await database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, participantId, {
      caller,
      permission: 'participant.status',
    });
    assertVersion(participant.version, input.version, participant.screening_number);
    if (participant.status !== 'enrolled') {
      throw conflict(
        `Participant ${participant.screening_number} is ${participant.status}; only an enrolled participant can become ${input.status}.`,
      );
    }
    const today = await siteToday(trx, studyId, participant.site_id, clock);
    if (input.date > today || (participant.day1_date && input.date < participant.day1_date)) {
      throw validationFailed([
        {
          field: 'date',
          message: `The date must lie between day 1 (${participant.day1_date}) and today at the site (${today}).`,
        },
      ]);
    }
    await writeParticipantStatus(trx, studyId, caller, participant, participantId, {
      action: `participant.${input.status}`,
      status: input.status,
      statusDate: input.date,
      reason: input.reason,
      newValue: { status: input.status, date: input.date },
      at: clock,
    });
  });
}
