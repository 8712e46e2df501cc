import type { Db } from '../db/connection.ts';
import type { TemplateParticipant } from './template.ts';

/** Every participant of the study by the number the import matches (study number, else screening number). */
export async function templateParticipants(db: Db, studyId: string): Promise<TemplateParticipant[]> {
  const rows = await db
    .selectFrom('participant')
    .select(['screening_number', 'study_number'])
    .where('study_id', '=', studyId)
    .orderBy('screening_number')
    .execute();
  return rows.map((row) => ({ number: row.study_number ?? row.screening_number }));
}
