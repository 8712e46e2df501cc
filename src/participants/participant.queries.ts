import type { Selectable } from 'kysely';
import type { Db, Tx } from '../db/connection.ts';
import type { ParticipantTable } from '../db/schema-participants.ts';
import { notFound } from '../kernel/errors.ts';

export type ParticipantRow = Selectable<ParticipantTable>;

/** A participant id is a UUID; anything else is not found without asking the database. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findParticipant(
  db: Db,
  studyId: string,
  participantId: string,
): Promise<ParticipantRow> {
  const row = UUID.test(participantId)
    ? await db
        .selectFrom('participant')
        .selectAll()
        .where('study_id', '=', studyId)
        .where('participant_id', '=', participantId)
        .executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`Participant ${participantId}`);
  return row;
}

/** The participant row, locked for the rest of the transaction (serialises status changes and saves). */
export async function lockParticipant(
  trx: Tx,
  studyId: string,
  participantId: string,
): Promise<ParticipantRow> {
  const row = UUID.test(participantId)
    ? await trx
        .selectFrom('participant')
        .selectAll()
        .where('study_id', '=', studyId)
        .where('participant_id', '=', participantId)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`Participant ${participantId}`);
  return row;
}

/** The next number of a site's sequence, gapless: the counter row is locked until commit. */
export async function nextSiteNumber(
  trx: Tx,
  studyId: string,
  siteId: string,
  kind: 'screening' | 'enrolment',
): Promise<number> {
  await trx
    .insertInto('site_counter')
    .values({ study_id: studyId, site_id: siteId, kind, last_value: 0 })
    .onConflict((oc) => oc.columns(['study_id', 'site_id', 'kind']).doNothing())
    .execute();
  const row = await trx
    .updateTable('site_counter')
    .set((eb) => ({ last_value: eb('last_value', '+', 1) }))
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .where('kind', '=', kind)
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return row.last_value;
}

export async function hasConsent(db: Db, studyId: string, participantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('consent')
    .select('consent_id')
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
