import { sql } from 'kysely';
import { authorize, studyWideRoles } from '../auth/permissions.ts';
import type { Db } from '../db/connection.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { findParticipant, type ParticipantRow } from './participant.queries.ts';
import type {
  Consort,
  ParticipantDetail,
  ParticipantStatus,
  ParticipantSummary,
} from './participant.schema.ts';
import type { Caller } from './participant.service.ts';
import { nextVisit, visitWindows } from './schedule.ts';

const today = () => new Date().toISOString().slice(0, 10);
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** The sites a caller sees: all for study-wide roles, else the account's sites. */
function visibleSites(caller: Caller): string[] | 'all' {
  return caller.user.roles.some((role) => studyWideRoles.has(role)) ? 'all' : caller.user.siteIds;
}

async function summaries(db: Db, studyId: string, rows: ParticipantRow[]): Promise<ParticipantSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.participant_id);
  const [queries, consents, { protocol }] = await Promise.all([
    db
      .selectFrom('data_query')
      .select(['participant_id', (eb) => eb.fn.countAll<number>().as('open')])
      .where('study_id', '=', studyId)
      .where('participant_id', 'in', ids)
      .where('status', '!=', 'closed')
      .groupBy('participant_id')
      .execute(),
    db
      .selectFrom('consent')
      .select('participant_id')
      .distinct()
      .where('study_id', '=', studyId)
      .where('participant_id', 'in', ids)
      .execute(),
    currentProtocol(db, studyId),
  ]);
  const openQueries = new Map(queries.map((row) => [row.participant_id, Number(row.open)]));
  const consented = new Set(consents.map((row) => row.participant_id));
  return rows.map((row) => {
    const ongoing = row.status === 'enrolled';
    return {
      participantId: row.participant_id,
      siteId: row.site_id,
      screeningNumber: row.screening_number,
      screeningDate: row.screening_date,
      studyNumber: row.study_number,
      status: row.status as ParticipantStatus,
      statusDate: row.status_date,
      day1Date: row.day1_date,
      consented: consented.has(row.participant_id),
      nextVisit: ongoing ? nextVisit(visitWindows(protocol, row.day1_date), today()) : null,
      openQueries: openQueries.get(row.participant_id) ?? 0,
      synthetic: row.synthetic,
      version: row.version,
    };
  });
}

/**
 * Counting every match of a list reads every matching row; past this many the count stops and the
 * answer says so (`totalCapped`), which keeps a page of a 100,000-participant study quick.
 */
export const LIST_COUNT_CAP = 10_000;

export async function listParticipants(
  db: Db,
  studyId: string,
  caller: Caller,
  filter: { status?: ParticipantStatus; siteId?: string; search?: string; limit: number; offset: number },
): Promise<{ items: ParticipantSummary[]; total: number; totalCapped: boolean }> {
  authorize(caller.user, 'participant.read', filter.siteId ? { siteId: filter.siteId } : undefined);
  const sites = visibleSites(caller);
  let query = db.selectFrom('participant').where('study_id', '=', studyId);
  if (sites !== 'all') query = query.where('site_id', 'in', sites.length ? sites : ['']);
  if (filter.siteId) query = query.where('site_id', '=', filter.siteId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    query = query.where((eb) =>
      eb.or([eb('screening_number', 'ilike', pattern), eb('study_number', 'ilike', pattern)]),
    );
  }
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('screening_date', 'desc')
      .orderBy('screening_number', 'desc')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute(),
    db
      .selectFrom(
        query
          .select(sql<number>`1`.as('one'))
          .limit(LIST_COUNT_CAP + 1)
          .as('matching'),
      )
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  const counted = Number(count.total);
  return {
    items: await summaries(db, studyId, rows),
    total: Math.min(counted, LIST_COUNT_CAP),
    totalCapped: counted > LIST_COUNT_CAP,
  };
}

export async function participantDetail(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
): Promise<ParticipantDetail> {
  const row = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'participant.read', { siteId: row.site_id });
  const [[summary], consents, { protocol }] = await Promise.all([
    summaries(db, studyId, [row]),
    db
      .selectFrom('consent')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', participantId)
      .orderBy('consented_at')
      .execute(),
    currentProtocol(db, studyId),
  ]);
  if (!summary) throw new Error('summary of one participant is missing');
  return {
    ...summary,
    statusReason: row.status_reason,
    failedCriteria: (row.failed_criteria as string[] | null) ?? [],
    enrolledAt: iso(row.enrolled_at),
    locked: row.locked_at !== null,
    consents: consents.map((consent) => ({
      consentId: consent.consent_id,
      formVersion: consent.form_version,
      consentedAt: new Date(consent.consented_at).toISOString(),
      obtainedBy: consent.obtained_by,
      signer: consent.signer,
      representativeName: consent.representative_name,
      representativeRelation: consent.representative_relation,
    })),
    visits: visitWindows(protocol, row.day1_date),
  };
}

/** The CONSORT flow counts, from the screening log and participant states (never typed twice). */
export async function consortCounts(db: Db, studyId: string, caller: Caller): Promise<Consort> {
  authorize(caller.user, 'participant.read');
  const sites = visibleSites(caller);
  let query = db.selectFrom('participant').where('study_id', '=', studyId);
  if (sites !== 'all') query = query.where('site_id', 'in', sites.length ? sites : ['']);
  const [byStatus, failedRows] = await Promise.all([
    query
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute(),
    query
      .select(sql<string>`jsonb_array_elements_text(failed_criteria)`.as('criterion'))
      .where('status', '=', 'screen_failed')
      .execute(),
  ]);
  const count = (status: string) => Number(byStatus.find((row) => row.status === status)?.count ?? 0);
  const failedByCriterion: Record<string, number> = {};
  for (const row of failedRows)
    failedByCriterion[row.criterion] = (failedByCriterion[row.criterion] ?? 0) + 1;
  const ended = ['enrolled', 'withdrawn', 'lost_to_follow_up', 'died', 'completed'].map(count);
  return {
    screened: byStatus.reduce((sum, row) => sum + Number(row.count), 0),
    inScreening: count('screening'),
    screenFailed: count('screen_failed'),
    failedByCriterion,
    declined: count('declined'),
    enrolled: ended.reduce((sum, value) => sum + value, 0),
    ongoing: count('enrolled'),
    completed: count('completed'),
    withdrawn: count('withdrawn'),
    lostToFollowUp: count('lost_to_follow_up'),
    died: count('died'),
  };
}
