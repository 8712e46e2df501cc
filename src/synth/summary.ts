import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { sql } from 'kysely';
import type { Db } from '../db/connection.ts';

export interface SyntheticTrialCounts {
  screened: number;
  byStatus: Record<string, number>;
  consented: number;
  forms: number;
  queries: Record<'open' | 'answered' | 'closed', number>;
  deviations: Record<'proposed' | 'confirmed' | 'rejected', number>;
}

/** What the synthetic participants of a study amount to: people by status, forms, queries, deviations. */
export async function syntheticTrialCounts(db: Db, studyId: string): Promise<SyntheticTrialCounts> {
  const synthetic = db
    .selectFrom('participant')
    .select('participant_id')
    .where('study_id', '=', studyId)
    .where('synthetic', '=', true);
  const statuses = await db
    .selectFrom('participant')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('study_id', '=', studyId)
    .where('synthetic', '=', true)
    .groupBy('status')
    .execute();
  const consented = await db
    .selectFrom('consent')
    .select((eb) => eb.fn.count<number>('participant_id').distinct().as('count'))
    .where('study_id', '=', studyId)
    .where('participant_id', 'in', synthetic)
    .executeTakeFirstOrThrow();
  const forms = await db
    .selectFrom('form_record')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('study_id', '=', studyId)
    .where('participant_id', 'in', synthetic)
    .executeTakeFirstOrThrow();
  const queries = await db
    .selectFrom('data_query')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('study_id', '=', studyId)
    .where('participant_id', 'in', synthetic)
    .groupBy('status')
    .execute();
  // The deviation log keeps participant ids as text (a participant's uuid written out).
  const syntheticText = db
    .selectFrom('participant')
    .select(sql<string>`participant_id::text`.as('participant_id'))
    .where('study_id', '=', studyId)
    .where('synthetic', '=', true);
  const deviations = await db
    .selectFrom('protocol_deviation')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('study_id', '=', studyId)
    .where('participant_id', 'in', syntheticText)
    .groupBy('status')
    .execute();
  const deviationCount = (status: string) =>
    Number(deviations.find((row) => row.status === status)?.count ?? 0);
  const byStatus = Object.fromEntries(statuses.map((row) => [row.status, Number(row.count)]));
  const queryCount = (status: string) => Number(queries.find((row) => row.status === status)?.count ?? 0);
  return {
    screened: statuses.reduce((sum, row) => sum + Number(row.count), 0),
    byStatus,
    consented: Number(consented.count),
    forms: Number(forms.count),
    queries: { open: queryCount('open'), answered: queryCount('answered'), closed: queryCount('closed') },
    deviations: {
      proposed: deviationCount('proposed'),
      confirmed: deviationCount('confirmed'),
      rejected: deviationCount('rejected'),
    },
  };
}

/**
 * A SHA-256 over the synthetic participants' clinical content — screening log, consents, every form
 * entry, every query thread and deviation — without ids or server timestamps, so two runs with the same seed and day
 * can be compared.
 */
export async function syntheticTrialDigest(db: Db, studyId: string): Promise<string> {
  const participants = await db
    .selectFrom('participant')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('synthetic', '=', true)
    .orderBy('screening_number')
    .execute();
  const content = [];
  for (const participant of participants) {
    const id = participant.participant_id;
    const consents = await db
      .selectFrom('consent')
      .select(['form_version', 'consented_at', 'signer', 'representative_name'])
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('consented_at')
      .execute();
    const records = await db
      .selectFrom('form_record')
      .select(['visit_id', 'form_id', 'instance', 'entries', 'version'])
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('visit_id')
      .orderBy('form_id')
      .orderBy('instance')
      .execute();
    const queries = await db
      .selectFrom('data_query')
      .select(['visit_id', 'form_id', 'item_id', 'origin', 'status', 'messages'])
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .execute();
    const deviations = await db
      .selectFrom('protocol_deviation')
      .select([
        'visit_id',
        'form_id',
        'category',
        'severity',
        'description',
        'corrective_action',
        'occurred_on',
        'status',
      ])
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('occurred_on')
      .orderBy('description')
      .execute();
    const endStatus = ['withdrawn', 'lost_to_follow_up', 'died', 'completed'].includes(participant.status);
    content.push({
      site: participant.site_id,
      screeningNumber: participant.screening_number,
      screeningDate: participant.screening_date,
      studyNumber: participant.study_number,
      status: participant.status,
      // Screening outcomes and enrolment are stamped with the real day; end states carry the given date.
      statusDate: endStatus ? participant.status_date : null,
      statusReason: participant.status_reason,
      failedCriteria: participant.failed_criteria,
      day1: participant.day1_date,
      consents: consents.map((consent) => ({
        ...consent,
        consented_at: new Date(consent.consented_at).toISOString(),
      })),
      records,
      deviations,
      queries: queries
        .map((query) => ({
          ...query,
          messages: (query.messages as Array<{ by: string; kind: string; text: string }>).map(
            ({ by, kind, text }) => ({ by, kind, text }),
          ),
        }))
        .sort((a, b) => (canonicalize(a) ?? '').localeCompare(canonicalize(b) ?? '')),
    });
  }
  return createHash('sha256')
    .update(canonicalize(content) ?? '')
    .digest('hex');
}
