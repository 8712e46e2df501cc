import type { Database } from '../../db/connection.ts';
import { parseRule, type RuleNode } from '../../protocol/rules/index.ts';
import type { Protocol, ProtocolForm, ProtocolItem } from '../../protocol/schema.ts';
import { siteProtocols } from '../../protocol/site-version.ts';
import { type CsvCells, csvLine, csvLines } from '../csv.ts';
import { type PrivacyOptions, type SubjectDates, subjectDates } from '../privacy.ts';
import { entriesOfRecord, type FormRecordRow, type SubjectSource, subjectBatches } from '../source.ts';
import {
  type DictionaryRow,
  dictionaryCells,
  dictionaryColumns,
  dictionaryRow,
  itemChoices,
  RECORD_ID,
  redcapVariable,
} from './redcap-dictionary.ts';
import { ruleToRedcapLogic } from './redcap-logic.ts';

// The trial as REDCap holds it: the data dictionary (one row per field) and the flat "records" CSV
// of a longitudinal project (one row per participant and event, repeating instruments and events
// by instance), both ready for REDCap's Data Dictionary upload and Data Import Tool.

export interface RedcapDictionary {
  rows: DictionaryRow[];
  /** What the dictionary cannot say (edit checks, derivations, skip logic outside REDCap's syntax). */
  notes: string[];
}

/** The data dictionary of the protocol's forms, its first row REDCap's record identifier. */
export function redcapDictionary(protocol: Pick<Protocol, 'forms' | 'codeLists'>): RedcapDictionary {
  const notes: string[] = [];
  const variables = new Map(
    protocol.forms.flatMap((form) =>
      form.items.map((item): [string, string] => [`${form.id}.${item.id}`, redcapVariable(form.id, item.id)]),
    ),
  );
  const first = protocol.forms[0];
  const rows: DictionaryRow[] = [
    {
      variable: RECORD_ID,
      form: first ? first.id.toLowerCase() : 'record',
      sectionHeader: '',
      fieldType: 'text',
      label: 'Record ID (study number)',
      choices: '',
      note: '',
      validation: '',
      min: '',
      max: '',
      identifier: '',
      branching: '',
      required: '',
      annotation: '',
    },
  ];
  for (const form of protocol.forms) {
    form.items.forEach((item, index) => {
      const row = dictionaryRow(protocol, form, item, index === 0);
      const where = `${form.id}.${item.id}`;
      if (item.showIf) {
        const parsed = parseRule(item.showIf);
        const translation = parsed.ok
          ? ruleToRedcapLogic(parsed.ast, (name) => variables.get(name))
          : { ok: false as const, reason: parsed.error.message };
        if (translation.ok) row.branching = translation.text;
        else notes.push(`${where}: skip logic "${item.showIf}" not exported: ${translation.reason}`);
      }
      for (const check of item.checks) {
        const limits =
          item.type === 'date' || item.type === 'datetime' ? dateLimits(check.rule, where) : null;
        if (limits && check.severity === 'hard') {
          row.min = limits.min ?? row.min;
          row.max = limits.max ?? row.max;
        } else notes.push(`${where}: edit check "${check.rule}" has no REDCap column; not exported`);
      }
      if (item.derivation)
        notes.push(`${where}: derivation "${item.derivation}" not exported; the field is marked @READONLY`);
      rows.push(row);
    });
  }
  return { rows, notes };
}

/**
 * A date check REDCap can hold as validation min/max: `item >= date("…")`, `item <= date("…")`, or
 * both joined by `and` (what the import makes of REDCap's date limits).
 */
function dateLimits(rule: string, reference: string): { min?: string; max?: string } | null {
  const parsed = parseRule(rule);
  if (!parsed.ok) return null;
  const limits: { min?: string; max?: string } = {};
  const visit = (node: RuleNode): boolean => {
    if (node.kind === 'logical' && node.operator === 'and') return visit(node.left) && visit(node.right);
    if (node.kind !== 'compare' || node.left.kind !== 'reference' || node.left.name !== reference)
      return false;
    if (node.right.kind !== 'date') return false;
    const value = node.right.value.replace('T', ' ');
    if (node.operator === '>=' && limits.min === undefined) limits.min = value;
    else if (node.operator === '<=' && limits.max === undefined) limits.max = value;
    else return false;
    return true;
  };
  return visit(parsed.ast) ? limits : null;
}

export async function* redcapDictionaryCsv(
  database: Database,
  studyId: string,
  cells: CsvCells = 'spreadsheet',
): AsyncGenerator<string> {
  // Every field that any protocol version defines, so each one that holds data has its column.
  const protocol = await database.read(async (db) => (await siteProtocols(db, studyId)).union());
  const dictionary = redcapDictionary(protocol);
  yield csvLine(dictionaryColumns, cells);
  yield csvLines(dictionary.rows.map(dictionaryCells), cells);
}

/** A REDCap unique event name from a visit key: `day-1/pre-dose` → `day_1_pre_dose_arm_1`. */
export const redcapEventName = (visitKey: string) =>
  `${visitKey
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')}_arm_1`;

/** A checkbox option's column: REDCap writes `variable___code` with the code in lower case. */
export const checkboxColumn = (variable: string, code: string) =>
  `${variable}___${code.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;

interface Column {
  name: string;
  value(record: FormRecordRow, dates: SubjectDates): string | number | null;
}

function itemColumns(
  protocol: Protocol,
  form: ProtocolForm,
  item: ProtocolItem,
  privacy: PrivacyOptions,
): Column[] {
  const variable = redcapVariable(form.id, item.id);
  const raw = (record: FormRecordRow) => {
    const entry = entriesOfRecord(record)[item.id];
    return entry && !entry.missing ? (entry.value ?? null) : null;
  };
  if (item.sdtm?.variable === 'BRTHDTC' && !privacy.includeIdentifiers)
    return [{ name: variable, value: () => null }];
  switch (item.type) {
    case 'multichoice':
      return itemChoices(protocol, item).map((choice) => ({
        name: checkboxColumn(variable, choice.code),
        value: (record) => {
          const value = raw(record);
          return Array.isArray(value) ? (value.includes(choice.code) ? 1 : 0) : null;
        },
      }));
    case 'boolean':
      return [
        {
          name: variable,
          value: (record) => {
            const value = raw(record);
            return value === true ? 1 : value === false ? 0 : null;
          },
        },
      ];
    case 'date':
    case 'datetime':
      return [
        {
          name: variable,
          value: (record, dates) => {
            const value = raw(record);
            const shifted = dates.date(value === null ? null : String(value));
            // REDCap takes Y-M-D and Y-M-D H:M.
            return shifted === null
              ? null
              : item.type === 'date'
                ? shifted.slice(0, 10)
                : shifted.replace('T', ' ').slice(0, 16);
          },
        },
      ];
    default:
      return [
        {
          name: variable,
          value: (record) => {
            const value = raw(record);
            return value === null || typeof value === 'object' ? null : (value as string | number);
          },
        },
      ];
  }
}

/** The flat records CSV: one row per participant, event and repeat instance. */
export async function* redcapDataCsv(
  database: Database,
  studyId: string,
  options: { privacy: PrivacyOptions; batchSize?: number; cells?: CsvCells },
): AsyncGenerator<string> {
  // The union of the versions, as the dictionary: values entered under any version keep their column.
  const protocol = await database.read(async (db) => (await siteProtocols(db, studyId)).union());
  const forms = new Map(
    protocol.forms.map((form) => [
      form.id,
      {
        form,
        columns: form.items.flatMap((item) => itemColumns(protocol, form, item, options.privacy)),
      },
    ]),
  );
  const header = [
    RECORD_ID,
    'redcap_event_name',
    'redcap_repeat_instrument',
    'redcap_repeat_instance',
    ...protocol.forms.flatMap((form) => [
      ...(forms.get(form.id)?.columns.map((column) => column.name) ?? []),
      `${form.id.toLowerCase()}_complete`,
    ]),
  ];
  const position = new Map(header.map((name, index) => [name, index]));
  const repeatingVisits = new Set(
    protocol.schedule.visits.filter((visit) => visit.repeat).map((visit) => visit.id),
  );
  const cells = options.cells ?? 'spreadsheet';
  yield csvLine(header, cells);
  for await (const batch of subjectBatches(
    database,
    studyId,
    protocol.safety.adverseEvents.form,
    options.batchSize,
  )) {
    yield batch
      .map((subject) => subjectLines(subject, forms, position, repeatingVisits, options.privacy, cells))
      .join('');
  }
}

function subjectLines(
  subject: SubjectSource,
  forms: Map<string, { form: ProtocolForm; columns: Column[] }>,
  position: Map<string, number>,
  repeatingVisits: ReadonlySet<string>,
  privacy: PrivacyOptions,
  cells: CsvCells,
): string {
  const { participant } = subject;
  const recordId = participant.study_number ?? participant.screening_number;
  const dates = subjectDates(privacy, participant.participant_id);
  const rows = new Map<string, Array<string | number | null>>();
  for (const record of subject.records) {
    const entry = forms.get(record.form_id);
    if (!entry) continue;
    const visit = record.visit_id.split('/')[0] ?? record.visit_id;
    const instrument = entry.form.repeating ? entry.form.id.toLowerCase() : '';
    const instance = entry.form.repeating || repeatingVisits.has(visit) ? record.instance : null;
    const key = `${record.visit_id}\u0000${instrument}\u0000${instance ?? ''}`;
    let row = rows.get(key);
    if (!row) {
      row = new Array<string | number | null>(position.size).fill(null);
      row[0] = recordId;
      row[1] = redcapEventName(record.visit_id);
      row[2] = instrument;
      row[3] = instance;
      rows.set(key, row);
    }
    for (const column of entry.columns) {
      const index = position.get(column.name);
      if (index !== undefined) row[index] = column.value(record, dates);
    }
    const complete = position.get(`${entry.form.id.toLowerCase()}_complete`);
    // REDCap: 2 complete (signed or locked here), 1 unverified (entered, not signed).
    if (complete !== undefined) row[complete] = record.signed_at || record.locked_at ? 2 : 1;
  }
  return csvLines([...rows.values()], cells);
}
