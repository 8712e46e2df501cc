import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { authorize, studyWideRoles } from '../kernel/permissions.ts';
import type { Protocol } from '../protocol/schema.ts';
import { siteProtocols } from '../protocol/site-version.ts';
import { dateInZone } from '../study/site-time.ts';
import { findParticipant, type ParticipantRow } from './participant.queries.ts';
import { endStatuses } from './participant.schema.ts';
import { consentStates } from './reconsent.queries.ts';
import type { ReconsentDue } from './reconsent.ts';
import type { ParticipantWorklist, StudyWorklist, WorklistCounts, WorklistQuery } from './worklist.schema.ts';
import { savedKey, type WorkItem, worklistOf } from './worklist.ts';

const ended = new Set<string>(endStatuses);

function countsOf(items: readonly WorkItem[]): WorklistCounts {
  const count = (state: WorkItem['state']) => items.filter((item) => item.state === state).length;
  return { dueToday: count('due-today'), overdue: count('overdue'), missing: count('missing') };
}

/** The saved records of these participants, as `visitKey|formId|instance` per participant. */
async function savedRecords(db: Db, studyId: string, ids: string[]): Promise<Map<string, Set<string>>> {
  const saved = new Map<string, Set<string>>();
  if (ids.length === 0) return saved;
  const rows = await db
    .selectFrom('form_record')
    .select(['participant_id', 'visit_id', 'form_id', 'instance'])
    .where('study_id', '=', studyId)
    .where('participant_id', 'in', ids)
    .execute();
  for (const row of rows) {
    const keys = saved.get(row.participant_id) ?? new Set<string>();
    keys.add(savedKey(row.visit_id, row.form_id, row.instance));
    saved.set(row.participant_id, keys);
  }
  return saved;
}

async function siteZones(db: Db, studyId: string): Promise<Map<string, string>> {
  const sites = await db
    .selectFrom('site')
    .select(['site_id', 'time_zone'])
    .where('study_id', '=', studyId)
    .execute();
  return new Map(sites.map((site) => [site.site_id, site.time_zone]));
}

function worklistFor(
  protocol: Protocol,
  participant: ParticipantRow,
  saved: ReadonlySet<string>,
  today: string,
  reconsent: ReconsentDue | null,
): ParticipantWorklist {
  const day1Date = participant.day1_date ? String(participant.day1_date) : null;
  const endDate = ended.has(participant.status) ? (participant.status_date ?? today) : null;
  const items = day1Date ? worklistOf(protocol, { day1Date, endDate, saved }, today) : [];
  return {
    participantId: participant.participant_id,
    participantLabel: participant.study_number ?? participant.screening_number,
    siteId: participant.site_id,
    today,
    day1Date,
    counts: countsOf(items),
    items,
    reconsentDue: reconsent,
  };
}

/**
 * One participant's scheduled forms with their state on the site's date by `clock`: done, upcoming,
 * due today, overdue (target passed, window open) or missing (window closed), and how many days late.
 */
export async function participantWorklist(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
  clock = new Date(),
): Promise<ParticipantWorklist> {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'participant.read', { siteId: participant.site_id });
  const [protocols, zones, saved, consents] = await Promise.all([
    siteProtocols(db, studyId),
    siteZones(db, studyId),
    savedRecords(db, studyId, [participantId]),
    consentStates(db, studyId, [participant]),
  ]);
  // The forms due are those of the version approved at the participant's site.
  const { protocol } = protocols.forSite(participant.site_id);
  const today = dateInZone(clock, zones.get(participant.site_id) ?? protocol.study.timeZone);
  const reconsent = consents.due.get(participantId) ?? null;
  return worklistFor(protocol, participant, saved.get(participantId) ?? new Set(), today, reconsent);
}

/**
 * The worklist of the sites the caller sees (or of one site): every enrolled participant with forms
 * due today, overdue or missing at its site's date by `clock`, each listing only those forms (or
 * only those of `query.state`), and the counts over all of them.
 */
export async function studyWorklist(
  db: Db,
  studyId: string,
  caller: Caller,
  query: WorklistQuery,
  clock = new Date(),
): Promise<StudyWorklist> {
  if (query.siteId) authorize(caller.user, 'participant.read', { siteId: query.siteId });
  else authorize(caller.user, 'participant.read');
  const studyWide = caller.user.roles.some((role) => studyWideRoles.has(role));
  let rows = db
    .selectFrom('participant')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('day1_date', 'is not', null);
  if (query.siteId) rows = rows.where('site_id', '=', query.siteId);
  else if (!studyWide)
    rows = rows.where('site_id', 'in', caller.user.siteIds.length > 0 ? caller.user.siteIds : ['']);
  const participants = await rows.orderBy('study_number').execute();
  const [protocols, zones, saved, consents] = await Promise.all([
    siteProtocols(db, studyId),
    siteZones(db, studyId),
    savedRecords(
      db,
      studyId,
      participants.map((row) => row.participant_id),
    ),
    consentStates(db, studyId, participants),
  ]);
  const listed = (item: WorkItem) =>
    query.state ? item.state === query.state : ['due-today', 'overdue', 'missing'].includes(item.state);
  const lists = participants.map((participant) => {
    const { protocol } = protocols.forSite(participant.site_id);
    const today = dateInZone(clock, zones.get(participant.site_id) ?? protocol.study.timeZone);
    const reconsent = consents.due.get(participant.participant_id) ?? null;
    return worklistFor(
      protocol,
      participant,
      saved.get(participant.participant_id) ?? new Set(),
      today,
      reconsent,
    );
  });
  return {
    counts: {
      dueToday: lists.reduce((sum, list) => sum + list.counts.dueToday, 0),
      overdue: lists.reduce((sum, list) => sum + list.counts.overdue, 0),
      missing: lists.reduce((sum, list) => sum + list.counts.missing, 0),
    },
    participants: lists
      .map((list) => ({ ...list, items: list.items.filter(listed) }))
      .filter((list) => list.items.length > 0 || list.reconsentDue !== null),
  };
}
