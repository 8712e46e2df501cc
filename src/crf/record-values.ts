import type { Db } from '../db/connection.ts';
import type { RuleInputValue } from '../protocol/rules/ast.ts';
import type { Entries } from './entries.ts';

/**
 * A participant's recorded values keyed by `form.item`, for rules that reach across forms. Only
 * first instances count (a log form's later entries and a repeating visit's days are not one value);
 * records at `preferVisits` win over the same form at other visits, later visits over earlier ones.
 */
export async function participantValues(
  db: Db,
  studyId: string,
  participantId: string,
  options: { onlyVisits?: string[]; preferVisits?: string[] } = {},
): Promise<Record<string, RuleInputValue>> {
  let query = db
    .selectFrom('form_record')
    .select(['visit_id', 'form_id', 'entries', 'updated_at'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .where('instance', '=', 1);
  if (options.onlyVisits)
    query = query.where('visit_id', 'in', options.onlyVisits.length ? options.onlyVisits : ['']);
  const rows = await query.orderBy('updated_at').execute();
  const preferred = new Set(options.preferVisits ?? []);
  rows.sort((a, b) => Number(preferred.has(a.visit_id)) - Number(preferred.has(b.visit_id)));
  const values: Record<string, RuleInputValue> = await siteSettingValues(db, studyId, participantId);
  for (const row of rows) {
    for (const [itemId, entry] of Object.entries(row.entries as Entries)) {
      values[`${row.form_id}.${itemId}`] = entry.missing ? null : (entry.value as RuleInputValue);
    }
  }
  return values;
}

/** The participant's site settings as rules read them (`site.altitude`, `site.barometricPressure`). */
async function siteSettingValues(
  db: Db,
  studyId: string,
  participantId: string,
): Promise<Record<string, RuleInputValue>> {
  const site = await db
    .selectFrom('participant')
    .innerJoin('site', (join) =>
      join
        .onRef('site.study_id', '=', 'participant.study_id')
        .onRef('site.site_id', '=', 'participant.site_id'),
    )
    .select(['site.altitude_m', 'site.barometric_pressure_mmhg'])
    .where('participant.study_id', '=', studyId)
    .where('participant.participant_id', '=', participantId)
    .executeTakeFirst();
  return {
    'site.altitude': site?.altitude_m ?? null,
    'site.barometricPressure': site?.barometric_pressure_mmhg ?? null,
  };
}
