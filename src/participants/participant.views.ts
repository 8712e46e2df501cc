import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { namesById } from '../auth/user-names.ts';
import { plainId } from '../crf/entries.ts';
import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { validationFailed } from '../kernel/errors.ts';
import { authorize, studyWideRoles } from '../kernel/permissions.ts';
import { siteProtocols, siteWorkingVersion } from '../protocol/site-version.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { dateInZone } from '../study/site-time.ts';
import { findParticipant, type ParticipantRow } from './participant.queries.ts';
import type {
  Consort,
  ParticipantDetail,
  ParticipantList,
  ParticipantListQuery,
  ParticipantStatus,
  ParticipantSummary,
} from './participant.schema.ts';
import { consentStates } from './reconsent.queries.ts';
import { nextVisit, visitWindows } from './schedule.ts';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** The sites a caller sees: all for study-wide roles, else the account's sites. */
function visibleSites(caller: Caller): string[] | 'all' {
  return caller.user.roles.some((role) => studyWideRoles.has(role)) ? 'all' : caller.user.siteIds;
}

/** Each participant's next visit is the first whose window has not closed by today at its site (the site's zone). */
async function summaries(
  db: Db,
  studyId: string,
  rows: ParticipantRow[],
  clock: Date,
): Promise<ParticipantSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.participant_id);
  const [queries, consentState, sites, protocols] = await Promise.all([
    db
      .selectFrom('data_query')
      .select(['participant_id', 'status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('study_id', '=', studyId)
      .where('participant_id', 'in', ids)
      .where('status', '!=', 'closed')
      .groupBy(['participant_id', 'status'])
      .execute(),
    consentStates(db, studyId, rows),
    db.selectFrom('site').select(['site_id', 'time_zone']).where('study_id', '=', studyId).execute(),
    siteProtocols(db, studyId),
  ]);
  const today = new Map(sites.map((site) => [site.site_id, dateInZone(clock, site.time_zone)]));
  // Open queries wait for the site, answered ones for the monitor: counted apart so each sees their own.
  const counts = new Map(queries.map((row) => [`${row.participant_id}:${row.status}`, Number(row.count)]));
  const queryCount = (participantId: string, status: string) => counts.get(`${participantId}:${status}`) ?? 0;
  return rows.map((row) => {
    const ongoing = row.status === 'enrolled';
    const { protocol } = protocols.forSite(row.site_id);
    return {
      participantId: row.participant_id,
      siteId: row.site_id,
      screeningNumber: row.screening_number,
      screeningDate: row.screening_date,
      studyNumber: row.study_number,
      status: row.status as ParticipantStatus,
      statusDate: row.status_date,
      day1Date: row.day1_date,
      consented: consentState.consented.has(row.participant_id),
      reconsentDue: consentState.due.get(row.participant_id) ?? null,
      nextVisit: ongoing
        ? nextVisit(
            visitWindows(protocol, row.day1_date),
            today.get(row.site_id) ?? dateInZone(clock, protocol.study.timeZone),
          )
        : null,
      openQueries: queryCount(row.participant_id, 'open'),
      answeredQueries: queryCount(row.participant_id, 'answered'),
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

type ListFilter = Pick<ParticipantListQuery, 'status' | 'siteId' | 'search'>;

/** Where a page ends in the list's order: the sort key of its last row. */
export interface ListPosition {
  screeningDate: string;
  screeningNumber: string;
}

const CURSOR_VERSION = 1;
const digest = (text: string) => createHash('sha256').update(text).digest('base64url');
/** The filters a cursor was made under, so it is not followed under others. */
const filterMark = (filter: ListFilter) =>
  digest(JSON.stringify([filter.status ?? null, filter.siteId ?? null, filter.search ?? null])).slice(0, 16);

/**
 * A cursor is `payload.check`: the base64url JSON of the position and the filters' mark, and a
 * checksum of it that catches a truncated or edited cursor. It is not a secret: it only places a page
 * among rows the caller may see anyway, so a forged one shows nothing more than the list itself.
 */
export function encodeListCursor(position: ListPosition, filter: ListFilter): string {
  const payload = Buffer.from(
    JSON.stringify({
      v: CURSOR_VERSION,
      d: position.screeningDate,
      n: position.screeningNumber,
      f: filterMark(filter),
    }),
  ).toString('base64url');
  return `${payload}.${digest(payload).slice(0, 22)}`;
}

const cursorSchema = z.strictObject({
  v: z.literal(CURSOR_VERSION),
  d: z.iso.date(),
  // Unkeyed, so anyone can build one: only text the database can compare reaches the query.
  n: plainId(100),
  f: z.string(),
});

const badCursor = (reason: string) => {
  const message = `${reason} Start again from the first page (leave out cursor).`;
  return validationFailed([{ field: 'querystring.cursor', message }], message);
};

/** The position a cursor continues from; a 400 for anything but an intact cursor of these filters. */
export function decodeListCursor(cursor: string, filter: ListFilter): ListPosition {
  const [payload, check, ...rest] = cursor.split('.');
  if (!payload || !check || rest.length > 0 || digest(payload).slice(0, 22) !== check) {
    throw badCursor('This page cursor is malformed or was altered.');
  }
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    throw badCursor('This page cursor is malformed or from another version of exotrial.');
  }
  if (parsed.f !== filterMark(filter)) {
    throw badCursor('This page cursor was made for other filters (status, site or search).');
  }
  return { screeningDate: parsed.d, screeningNumber: parsed.n };
}

/**
 * The participants a caller may see, newest screening first: screening date then screening number,
 * both descending. The screening number is unique in the study (index participant_screening_number),
 * so the order is total without a further tie-break, and the index participant_list_order
 * (study_id, screening_date desc, screening_number desc) serves it: a page — also one after a cursor,
 * a row comparison on the same columns — walks the index from its start and stops after `limit` rows.
 */
export function listQuery(db: Db, studyId: string, caller: Caller, filter: ListFilter) {
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
  return query;
}

/** One page of the list: after `after` (a cursor's position) or after `offset` rows. */
export function listPageQuery(
  db: Db,
  studyId: string,
  caller: Caller,
  filter: ListFilter,
  page: { limit: number; offset: number; after: ListPosition | null },
) {
  let query = listQuery(db, studyId, caller, filter);
  const { after } = page;
  if (after) {
    query = query.where(
      (eb) => eb.refTuple('screening_date', 'screening_number'),
      '<',
      (eb) => eb.tuple(after.screeningDate, after.screeningNumber),
    );
  }
  return query
    .selectAll()
    .orderBy('screening_date', 'desc')
    .orderBy('screening_number', 'desc')
    .limit(page.limit)
    .offset(after ? 0 : page.offset);
}

export async function listParticipants(
  db: Db,
  studyId: string,
  caller: Caller,
  request: ParticipantListQuery,
  clock = new Date(),
): Promise<ParticipantList> {
  authorize(caller.user, 'participant.read', request.siteId ? { siteId: request.siteId } : undefined);
  const filter: ListFilter = { status: request.status, siteId: request.siteId, search: request.search };
  if (request.cursor !== undefined && request.offset !== undefined) {
    const message = 'Give either cursor or offset, not both: a cursor already says where the page starts.';
    throw validationFailed([{ field: 'querystring.offset', message }], message);
  }
  const after = request.cursor === undefined ? null : decodeListCursor(request.cursor, filter);
  const [rows, count] = await Promise.all([
    // One row more than the page tells whether another page follows.
    listPageQuery(db, studyId, caller, filter, {
      limit: request.limit + 1,
      offset: request.offset ?? 0,
      after,
    }).execute(),
    db
      .selectFrom(
        listQuery(db, studyId, caller, filter)
          .select(sql<number>`1`.as('one'))
          .limit(LIST_COUNT_CAP + 1)
          .as('matching'),
      )
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  const counted = Number(count.total);
  return {
    items: await summaries(db, studyId, page, clock),
    total: Math.min(counted, LIST_COUNT_CAP),
    totalCapped: counted > LIST_COUNT_CAP,
    nextCursor:
      rows.length > request.limit && last
        ? encodeListCursor(
            { screeningDate: last.screening_date, screeningNumber: last.screening_number },
            filter,
          )
        : null,
  };
}

export async function participantDetail(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
  clock = new Date(),
): Promise<ParticipantDetail> {
  const row = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'participant.read', { siteId: row.site_id });
  const siteProtocolVersion = await siteWorkingVersion(db, studyId, row.site_id);
  const [[summary], consents, { protocol }, allocation] = await Promise.all([
    summaries(db, studyId, [row], clock),
    db
      .selectFrom('consent')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', participantId)
      .orderBy('consented_at')
      .orderBy('created_at')
      .execute(),
    protocolVersion(db, studyId, siteProtocolVersion),
    db
      .selectFrom('randomisation_allocation')
      .select('randomisation_number')
      .where('study_id', '=', studyId)
      .where('participant_id', '=', participantId)
      .executeTakeFirst(),
  ]);
  if (!summary) throw new Error('summary of one participant is missing');
  const names = await namesById(
    db,
    studyId,
    consents.map((consent) => consent.obtained_by),
  );
  return {
    ...summary,
    statusReason: row.status_reason,
    failedCriteria: (row.failed_criteria as string[] | null) ?? [],
    enrolledAt: iso(row.enrolled_at),
    locked: row.locked_at !== null,
    siteProtocolVersion,
    consents: consents.map((consent) => ({
      consentId: consent.consent_id,
      formVersion: consent.form_version,
      consentedAt: new Date(consent.consented_at).toISOString(),
      obtainedBy: consent.obtained_by,
      obtainedByName: names.get(consent.obtained_by) ?? consent.obtained_by,
      signer: consent.signer,
      representativeName: consent.representative_name,
      representativeRelation: consent.representative_relation,
      unableToRead: consent.unable_to_read,
      witnessName: consent.witness_name,
      witnessSignedAt: iso(consent.witness_signed_at),
    })),
    visits: visitWindows(protocol, row.day1_date),
    randomisationNumber: allocation?.randomisation_number ?? null,
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
