import { codedTermsOf } from '../coding/coded-terms.ts';
import type { Entries } from '../crf/entries.ts';
import type { Db } from '../db/connection.ts';
import type { AeReportRevisionTable } from '../db/schema-safety.ts';
import { labItems } from '../labs/lab-items.ts';
import type { LocalizedText, Protocol } from '../protocol/schema.ts';

// What an expedited report says beyond the event itself, read from the rest of the participant's
// record: the doses given with their lots (dispensing knows the vial and lot of each dose), the
// concomitant medications (coded where coded), the medical history, the laboratory values around the
// event, and the investigator's latest narrative revision.

/** Laboratory values this many days before the onset, up to the report date, go in the report. */
export const LAB_DAYS_BEFORE_ONSET = 7;

export interface DoseLine {
  doseNumber: number;
  visitId: string;
  status: 'completed' | 'interrupted' | 'not-given';
  startedAt: string | null;
  lotNumber: string | null;
  vialNumber: string | null;
  volumeMl: number | null;
}

export interface ConmedLine {
  verbatim: string;
  /** WHODrug preferred name and drug code, when coded. */
  coded: string | null;
  atc: string | null;
  indication: string | null;
  dose: string | null;
  route: LocalizedText | null;
  start: string | null;
  end: string | null;
  ongoing: boolean | null;
}

export interface LabLine {
  test: LocalizedText;
  collectedOn: string;
  value: number;
  unit: string;
  flag: 'low' | 'normal' | 'high' | null;
  low: number | null;
  high: number | null;
  significant: boolean | null;
}

export type ReportRevision = Omit<AeReportRevisionTable, 'saved_at'> & { saved_at: Date | string };

export interface ReportData {
  doses: DoseLine[];
  conmeds: ConmedLine[];
  history: LocalizedText[];
  labs: LabLine[];
  revision: ReportRevision | null;
}

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);
const text = (entries: Entries, itemId: string) => {
  const value = entries[itemId]?.value;
  return typeof value === 'string' && value.trim() !== '' ? value : null;
};

function codeLabel(
  protocol: Protocol,
  listId: string | undefined,
  code: string | null,
): LocalizedText | null {
  if (!listId || code === null) return null;
  const item = protocol.codeLists
    .find((list) => list.id === listId)
    ?.items.find((entry) => entry.code === code);
  return item?.label ?? { en: code, zh: code };
}

/** The latest saved revision of the investigator's part of the report, or null. */
export function latestRevision(db: Db, studyId: string, aeId: string) {
  return db
    .selectFrom('ae_report_revision')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('ae_id', '=', aeId)
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
}

async function dosesOf(db: Db, studyId: string, participantId: string): Promise<DoseLine[]> {
  const rows = await db
    .selectFrom('dosing_administration as a')
    .leftJoin('dispensing as d', (join) =>
      join.onRef('d.study_id', '=', 'a.study_id').onRef('d.dispensing_id', '=', 'a.dispensing_id'),
    )
    .leftJoin('product_lot as l', (join) =>
      join.onRef('l.study_id', '=', 'd.study_id').onRef('l.lot_id', '=', 'd.lot_id'),
    )
    .select([
      'a.dose_number',
      'a.visit_id',
      'a.status',
      'a.started_at',
      'a.vial_number',
      'a.volume_ml',
      'l.lot_number',
    ])
    .where('a.study_id', '=', studyId)
    .where('a.participant_id', '=', participantId)
    .orderBy('a.dose_number')
    .execute();
  return rows.map((row) => ({
    doseNumber: row.dose_number,
    visitId: row.visit_id,
    status: row.status,
    startedAt: iso(row.started_at),
    lotNumber: row.lot_number,
    vialNumber: row.vial_number,
    volumeMl: row.volume_ml,
  }));
}

async function conmedsOf(db: Db, studyId: string, protocol: Protocol, participantId: string) {
  const form = protocol.forms.find((entry) => entry.items.some((item) => item.sdtm?.variable === 'CMTRT'));
  if (!form) return [];
  const itemOf = (variable: string) => form.items.find((item) => item.sdtm?.variable === variable);
  const rows = await db
    .selectFrom('form_record')
    .select(['record_id', 'entries'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .where('form_id', '=', form.id)
    .orderBy('visit_id')
    .orderBy('instance')
    .execute();
  const coded = (await codedTermsOf(db, studyId, [participantId])).get(participantId);
  const lines: ConmedLine[] = [];
  for (const row of rows) {
    const entries = row.entries as Entries;
    const read = (variable: string) => {
      const item = itemOf(variable);
      return item ? text(entries, item.id) : null;
    };
    const verbatim = read('CMTRT');
    if (!verbatim) continue;
    const drug = coded?.get(row.record_id);
    const ongoingItem = itemOf('CMENRTPT');
    const ongoing = ongoingItem ? entries[ongoingItem.id]?.value : undefined;
    lines.push({
      verbatim,
      coded: drug?.dictionary === 'whodrug' ? `${drug.preferredName} (${drug.drugCode})` : null,
      atc:
        drug?.dictionary === 'whodrug' && drug.atcCode
          ? `${drug.atcCode} ${drug.atcText ?? ''}`.trim()
          : null,
      indication: read('CMINDC'),
      dose: read('CMDOSTXT'),
      route: codeLabel(protocol, itemOf('CMROUTE')?.codeList, read('CMROUTE')),
      start: read('CMSTDTC'),
      end: read('CMENDTC'),
      ongoing: typeof ongoing === 'boolean' ? ongoing : null,
    });
  }
  return lines;
}

async function historyOf(db: Db, studyId: string, protocol: Protocol, participantId: string) {
  const form = protocol.forms.find((entry) => entry.sdtmDomain === 'MH');
  if (!form) return [];
  const record = await db
    .selectFrom('form_record')
    .select('entries')
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .where('form_id', '=', form.id)
    .orderBy('instance')
    .executeTakeFirst();
  if (!record) return [];
  const entries = record.entries as Entries;
  const history: LocalizedText[] = [];
  for (const item of form.items) {
    const value = entries[item.id]?.value;
    // A condition marked present reads as its label; a free-text term as written.
    if (item.type === 'boolean' && value === true) history.push(item.label);
    if (item.sdtm?.variable === 'MHTERM' && typeof value === 'string' && value.trim() !== '')
      history.push({ en: value, zh: value });
  }
  return history;
}

async function labsOf(
  db: Db,
  studyId: string,
  protocol: Protocol,
  participantId: string,
  from: string,
  to: string,
) {
  const labels = new Map(labItems(protocol).map((lab) => [lab.key, lab.item.label]));
  const rows = await db
    .selectFrom('lab_flag')
    .select(['item_key', 'collected_on', 'value', 'unit', 'flag', 'range_low', 'range_high', 'significant'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .where('collected_on', '>=', from)
    .where('collected_on', '<=', to)
    .orderBy('collected_on')
    .orderBy('item_key')
    .execute();
  return rows.map((row) => ({
    test: labels.get(row.item_key) ?? { en: row.item_key, zh: row.item_key },
    collectedOn: row.collected_on ?? '',
    value: row.value,
    unit: row.unit,
    flag: row.flag,
    low: row.range_low,
    high: row.range_high,
    significant: row.significant,
  }));
}

const minusDays = (date: string, days: number) =>
  new Date(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/** The participant's record as the report of one event needs it. */
export async function loadReportData(
  db: Db,
  studyId: string,
  protocol: Protocol,
  event: { aeId: string; participantId: string; onsetAt: string | null },
  reportDate: Date,
): Promise<ReportData> {
  const to = reportDate.toISOString().slice(0, 10);
  const from = minusDays(event.onsetAt ?? to, LAB_DAYS_BEFORE_ONSET);
  return {
    doses: await dosesOf(db, studyId, event.participantId),
    conmeds: await conmedsOf(db, studyId, protocol, event.participantId),
    history: await historyOf(db, studyId, protocol, event.participantId),
    labs: await labsOf(db, studyId, protocol, event.participantId, from, to),
    revision: (await latestRevision(db, studyId, event.aeId)) ?? null,
  };
}
