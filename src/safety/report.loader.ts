import { codedTermsOf } from '../coding/coded-terms.ts';
import { participantValues } from '../crf/record-values.ts';
import type { Db } from '../db/connection.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { findAdverseEvent } from './adverse-event.service.ts';
import { toAdverseEventView, viewContext } from './adverse-event.views.ts';
import { parseClinicalTime } from './clocks.ts';
import { buildCiomsReport, type CiomsReport } from './report.ts';
import { loadReportData } from './report-data.ts';
import type { AdverseEventView } from './safety.schema.ts';

export interface ReportRequest {
  clockId: string | null;
  kind: 'initial' | 'follow-up';
  followUpNumber: number;
}

/** Which report of its clock the next one is: 0 for the initial, then 1, 2 … for the follow-ups. */
export async function nextFollowUpNumber(
  db: Db,
  studyId: string,
  aeId: string,
  clockId: string | null,
  kind: 'initial' | 'follow-up',
): Promise<number> {
  if (kind === 'initial' || clockId === null) return 0;
  const earlier = await db
    .selectFrom('safety_submission')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('study_id', '=', studyId)
    .where('ae_id', '=', aeId)
    .where('clock_id', '=', clockId)
    .where('kind', '=', 'follow-up')
    .executeTakeFirst();
  return Number(earlier?.count ?? 0) + 1;
}

/** The report of one event from the data as they stand, generated at `generatedAt`. */
export async function reportFor(
  db: Db,
  studyId: string,
  aeId: string,
  request: ReportRequest,
  generatedAt: Date,
): Promise<{ event: AdverseEventView; payload: CiomsReport; timeZones: { site: string; sponsor: string } }> {
  const row = await findAdverseEvent(db, studyId, aeId);
  const { protocol } = await protocolVersion(db, studyId, row.protocol_version);
  const event = toAdverseEventView(row, await viewContext(db, studyId, [row], protocol));
  const site = await db
    .selectFrom('site')
    .select(['site_id', 'name', 'time_zone'])
    .where('study_id', '=', studyId)
    .where('site_id', '=', row.site_id)
    .executeTakeFirstOrThrow();
  const values = await participantValues(db, studyId, row.participant_id);
  const coded = (await codedTermsOf(db, studyId, [row.participant_id])).get(row.participant_id)?.get(aeId);
  const clock = protocol.safety.clocks.find((entry) => entry.id === request.clockId);
  const country = protocol.study.sites.find((entry) => entry.id === row.site_id)?.country ?? null;
  const onsetAt = event.summary.onsetAt;
  const data = await loadReportData(
    db,
    studyId,
    protocol,
    { aeId, participantId: row.participant_id, onsetAt },
    generatedAt,
  );
  const payload = buildCiomsReport({
    protocol,
    event,
    site: { siteId: site.site_id, name: (site.name as { en: string }).en, timeZone: site.time_zone, country },
    patient: {
      sex: typeof values['demographics.sex'] === 'string' ? values['demographics.sex'] : null,
      birthDate:
        typeof values['demographics.birthDate'] === 'string' ? values['demographics.birthDate'] : null,
    },
    onset: onsetAt ? parseClinicalTime(onsetAt, site.time_zone) : null,
    data,
    report: { ...request, recipient: clock?.recipient ?? null },
    coded: coded?.dictionary === 'meddra' ? coded : null,
    generatedAt,
  });
  return { event, payload, timeZones: { site: site.time_zone, sponsor: protocol.study.timeZone } };
}
