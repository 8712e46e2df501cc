import type { Db } from '../db/connection.ts';

/** The participants of the study with this hospital identifier (one per site at most). */
export async function participantsWithHospitalId(db: Db, studyId: string, hospitalId: string) {
  return db
    .selectFrom('participant_hospital_id')
    .select(['participant_id', 'site_id'])
    .where('study_id', '=', studyId)
    .where('hospital_id', '=', hospitalId)
    .execute();
}
