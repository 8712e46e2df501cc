import type { Db } from '../db/connection.ts';
import type { RuleInputValue } from '../protocol/rules/ast.ts';
import type { Protocol } from '../protocol/schema.ts';
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
  // One statement: the participant's site settings (a row even with no record) and its records.
  const { onlyVisits } = options;
  const rows = await db
    .selectFrom('participant as p')
    .innerJoin('site as s', (join) =>
      join.onRef('s.study_id', '=', 'p.study_id').onRef('s.site_id', '=', 'p.site_id'),
    )
    .leftJoin('form_record as r', (join) => {
      const records = join
        .onRef('r.study_id', '=', 'p.study_id')
        .onRef('r.participant_id', '=', 'p.participant_id')
        .on('r.instance', '=', 1);
      return onlyVisits ? records.on('r.visit_id', 'in', onlyVisits.length ? onlyVisits : ['']) : records;
    })
    .select([
      'r.visit_id',
      'r.form_id',
      'r.entries',
      'r.updated_at',
      's.altitude_m',
      's.barometric_pressure_mmhg',
    ])
    .where('p.study_id', '=', studyId)
    .where('p.participant_id', '=', participantId)
    .orderBy('r.updated_at')
    .execute();
  const preferred = new Set(options.preferVisits ?? []);
  const records = rows.filter((row) => row.form_id !== null && row.visit_id !== null);
  records.sort((a, b) => Number(preferred.has(a.visit_id ?? '')) - Number(preferred.has(b.visit_id ?? '')));
  // The participant's site settings as rules read them.
  const values: Record<string, RuleInputValue> = {
    'site.altitude': rows[0]?.altitude_m ?? null,
    'site.barometricPressure': rows[0]?.barometric_pressure_mmhg ?? null,
  };
  for (const row of records) {
    for (const [itemId, entry] of Object.entries(row.entries as Entries)) {
      values[`${row.form_id}.${itemId}`] = entry.missing ? null : (entry.value as RuleInputValue);
    }
  }
  return values;
}

/**
 * Every instance of the given repeating forms (e.g. each RT-PCR), keyed by form id, each instance's
 * values keyed by `form.item`, ordered by visit and instance; for rules that read a series whole.
 */
export async function participantSeries(
  db: Db,
  studyId: string,
  participantId: string,
  formIds: readonly string[],
  onlyVisits: readonly string[],
): Promise<Record<string, Record<string, RuleInputValue>[]>> {
  const series: Record<string, Record<string, RuleInputValue>[]> = {};
  for (const formId of formIds) series[formId] = [];
  if (formIds.length === 0 || onlyVisits.length === 0) return series;
  const rows = await db
    .selectFrom('form_record')
    .select(['form_id', 'entries'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .where('form_id', 'in', [...formIds])
    .where('visit_id', 'in', [...onlyVisits])
    .orderBy('visit_id')
    .orderBy('instance')
    .execute();
  for (const row of rows) {
    const values: Record<string, RuleInputValue> = {};
    for (const [itemId, entry] of Object.entries(row.entries as Entries)) {
      values[`${row.form_id}.${itemId}`] = entry.missing ? null : (entry.value as RuleInputValue);
    }
    series[row.form_id]?.push(values);
  }
  return series;
}

/** The screening values and repeating-form series the eligibility rules read (assessEligibility). */
export async function screeningInputs(db: Db, studyId: string, protocol: Protocol, participantId: string) {
  const screening = protocol.schedule.visits
    .filter((visit) => visit.kind === 'screening')
    .map((visit) => visit.id);
  const repeating = protocol.forms.filter((form) => form.repeating).map((form) => form.id);
  const [values, series] = await Promise.all([
    participantValues(db, studyId, participantId, { onlyVisits: screening }),
    participantSeries(db, studyId, participantId, repeating, screening),
  ]);
  return { values, series };
}
