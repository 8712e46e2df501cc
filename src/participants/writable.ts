import type { Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError, notFound } from '../kernel/errors.ts';
import { authorize, type Permission } from '../kernel/permissions.ts';
import { siteVersionExpression } from '../protocol/site-version.ts';
import { type ParticipantRow, UUID } from './participant.queries.ts';

/** Refuses a write to a participant whose casebook, or the whole study, is locked. */
export async function assertWritable(db: Db, studyId: string, participant: ParticipantRow): Promise<void> {
  if (participant.locked_at) {
    throw new DomainError(
      'locked',
      `Participant ${participant.screening_number} is locked; a data manager can unlock it.`,
    );
  }
  const study = await db
    .selectFrom('study')
    .select('locked_at')
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  if (study?.locked_at) throw new DomainError('locked', 'The study is locked; no data can change.');
}

/**
 * A participant locked for writing, with what the services of a write ask next, read in the same
 * statement as the lock: whether consent is recorded, the site's time zone and the protocol version
 * new data are entered under (the one the participant's site works under: see site-version.ts).
 */
export interface WritableParticipant extends ParticipantRow {
  consented: boolean;
  siteTimeZone: string;
  currentProtocolVersion: number;
}

/**
 * The preamble of every write to a participant's records, in this order: lock the participant's row
 * (writes to one participant queue behind each other until commit), check that the caller may do
 * `permission` at the participant's site (left out when the service authorized the caller already,
 * e.g. by re-authentication for a signature), and refuse when the casebook or the study is locked.
 * One statement reads the row, the study's lock and protocol version, the site's zone and consent.
 */
export async function writableParticipant(
  trx: Tx,
  studyId: string,
  participantId: string,
  access?: { caller: Caller; permission: Permission },
): Promise<WritableParticipant> {
  const row = UUID.test(participantId)
    ? await trx
        .selectFrom('participant as p')
        .innerJoin('study as s', 's.study_id', 'p.study_id')
        .innerJoin('site', (join) =>
          join.onRef('site.study_id', '=', 'p.study_id').onRef('site.site_id', '=', 'p.site_id'),
        )
        .selectAll('p')
        .select((eb) => [
          's.locked_at as study_locked_at',
          's.current_protocol_version',
          'site.time_zone',
          siteVersionExpression(eb).as('site_protocol_version'),
          eb
            .exists(
              eb
                .selectFrom('consent as c')
                .select('c.consent_id')
                .whereRef('c.study_id', '=', 'p.study_id')
                .whereRef('c.participant_id', '=', 'p.participant_id'),
            )
            .as('consented'),
        ])
        .where('p.study_id', '=', studyId)
        .where('p.participant_id', '=', participantId)
        .forUpdate('p')
        .executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`Participant ${participantId}`);
  const {
    study_locked_at,
    current_protocol_version,
    site_protocol_version,
    time_zone,
    consented,
    ...participant
  } = row;
  if (access) authorize(access.caller.user, access.permission, { siteId: participant.site_id });
  if (participant.locked_at) {
    throw new DomainError(
      'locked',
      `Participant ${participant.screening_number} is locked; a data manager can unlock it.`,
    );
  }
  if (study_locked_at) throw new DomainError('locked', 'The study is locked; no data can change.');
  return {
    ...participant,
    consented: Boolean(consented),
    siteTimeZone: time_zone,
    currentProtocolVersion: Number(site_protocol_version ?? current_protocol_version),
  };
}
