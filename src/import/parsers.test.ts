import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../protocol/load.ts';
import type { Protocol, ProtocolItem } from '../protocol/schema.ts';
import { parseMapping, tableLayout } from './column-mapping.ts';
import { ImportPlan } from './import-plan.ts';
import type { ImportRow } from './import-row.ts';
import { odmRows } from './odm-rows.ts';
import { readValue } from './read-value.ts';
import { redcapRows } from './redcap-rows.ts';
import { csvLines, tableRows } from './table-rows.ts';
import { xmlTokens } from './xml-tokens.ts';

let protocol: Protocol;
const item = (formId: string, itemId: string): ProtocolItem => {
  const found = protocol.forms.find((form) => form.id === formId)?.items.find((entry) => entry.id === itemId);
  if (!found) throw new Error(`no ${formId}.${itemId}`);
  return found;
};
beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
});

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

function csvFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'exotrial-import-')), 'data.csv');
  writeFileSync(path, text);
  return path;
}

async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let start = 0; start < text.length; start += size) yield text.slice(start, start + size);
}

describe('a cell read as the form reads it', () => {
  it('reads numbers, units, booleans, codes by code or words, several codes, dates and missing codes', () => {
    const read = (formId: string, itemId: string, raw: Parameters<typeof readValue>[2]) =>
      readValue(protocol, item(formId, itemId), raw);
    expect(read('vitals', 'temperature', ' 38.2 ')).toEqual({ ok: true, field: { value: 38.2 } });
    expect(read('vitals', 'temperature', '38.2 Cel')).toEqual({ ok: true, field: { value: 38.2 } });
    // Unreadable text goes on as text for the form's check to refuse with its own message.
    expect(read('vitals', 'temperature', '38,2')).toEqual({ ok: true, field: { value: '38,2' } });
    expect(read('vitals', 'atRest', '是')).toEqual({ ok: true, field: { value: true } });
    expect(read('vitals', 'atRest', 'No')).toEqual({ ok: true, field: { value: false } });
    expect(read('vitals', 'atRest', 1)).toEqual({ ok: true, field: { value: true } });
    expect(read('vitals', 'oxygenSupport', 'Face mask')).toEqual({ ok: true, field: { value: 'mask' } });
    expect(read('vitals', 'oxygenSupport', '面罩吸氧')).toEqual({ ok: true, field: { value: 'mask' } });
    expect(read('vitals', 'assessedAt', '2026-03-02 08:15:00')).toEqual({
      ok: true,
      field: { value: '2026-03-02T08:15' },
    });
    expect(read('vitals', 'assessedAt', new Date(Date.UTC(2026, 2, 2, 8, 15)))).toEqual({
      ok: true,
      field: { value: '2026-03-02T08:15' },
    });
    expect(read('vitals', 'temperature', new Date(0))).toMatchObject({ ok: false });
    expect(read('vitals', 'spo2', 'not_done: probe missing')).toEqual({
      ok: true,
      field: { missing: 'not_done', missingReason: 'probe missing' },
    });
    expect(read('vitals', 'spo2', '   ')).toEqual({ ok: true, field: null });
  });
});

describe('tables', () => {
  it('reads a wide CSV line by line: participant, visit, instance and one column per item', async () => {
    const path = csvFile(
      '\ufeffparticipant,visit,temperature,vitals.heartRate,ignored\nRJ-001,screening,37.6,88,x\n\nRJ-002,screening,,90,y\n',
    );
    const rows = await collect(
      tableRows(csvLines(path), protocol, parseMapping('{"columns":{"ignored":"ignore"}}')),
    );
    expect(rows.map((row) => [row.line, row.participant, row.visit, row.instance])).toEqual([
      [2, 'RJ-001', 'screening', 1],
      [4, 'RJ-002', 'screening', 1],
    ]);
    expect(rows[0]?.cells).toEqual([
      { column: 'temperature', formId: undefined, itemId: 'temperature', raw: '37.6' },
      { column: 'vitals.heartRate', formId: 'vitals', itemId: 'heartRate', raw: '88' },
    ]);
  });

  it('reads a long CSV (semicolons) and a mapping that renames columns and fixes the visit', async () => {
    const path = csvFile('Subject;Item;Value\nRJ-001;vitals.spo2;95\n');
    const rows = await collect(
      tableRows(
        csvLines(path),
        protocol,
        parseMapping('{"columns":{"Item":"item","Value":"value"},"visit":"day-7"}'),
      ),
    );
    expect(rows).toEqual([
      {
        line: 2,
        participant: 'RJ-001',
        visit: 'day-7',
        instance: 1,
        cells: [{ column: 'vitals.spo2', formId: 'vitals', itemId: 'spo2', raw: '95' }],
      },
    ]);
  });

  it('refuses a header it cannot place, naming what to do', () => {
    expect(() => tableLayout(protocol, ['visit', 'temperature'])).toThrow(/No column holds the participant/);
    expect(() => tableLayout(protocol, ['participant', 'visit', 'Temp (C)'])).toThrow(
      /1 column name no item of the protocol \("Temp \(C\)"\)/,
    );
    expect(() => tableLayout(protocol, ['participant', 'temperature'])).toThrow(/No column holds the visit/);
    expect(() => parseMapping('{"columns": 3}')).toThrow(/mapping is not valid at columns/);
  });
});

describe('a REDCap records export', () => {
  it("reads events, instances, exotrial's form_item columns, bare variable names and checkboxes", async () => {
    const path = csvFile(
      [
        'record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,vitals_heartrate,respiratory_rate,chestct_pattern___ground_glass,pattern___consolidation,vitals_complete',
        'RJ-001,day_1_pre_dose_arm_1,,,88,20,,,1',
        'RJ-001,screening_arm_1,,,,,1,1,2',
        'RJ-002,daily_status_arm_1,,3,,,0,0,',
      ].join('\n'),
    );
    const rows = await collect(redcapRows(csvLines(path), protocol));
    expect(rows.map((row) => [row.line, row.participant, row.visit, row.instance])).toEqual([
      [2, 'RJ-001', 'day-1/pre-dose', 1],
      [3, 'RJ-001', 'screening', 1],
      [4, 'RJ-002', 'daily-status', 3],
    ]);
    const given = (row: ImportRow | undefined) =>
      row?.cells
        .filter((cell) => cell.raw !== null && cell.raw !== '')
        .map((cell) => [cell.formId, cell.itemId, cell.raw]);
    expect(given(rows[0])).toEqual([
      ['vitals', 'heartRate', '88'],
      ['vitals', 'respiratoryRate', '20'],
    ]);
    expect(given(rows[1])).toEqual([['chestCt', 'pattern', 'ground-glass,consolidation']]);
    // Every box unchecked is no answer given.
    expect(given(rows[2])).toEqual([]);
  });

  it('refuses a file that is not a records export', async () => {
    const path = csvFile('participant,visit\nRJ-001,screening\n');
    await expect(collect(redcapRows(csvLines(path), protocol))).rejects.toThrow(
      /starts with the columns record_id and redcap_event_name/,
    );
  });
});

describe('ODM ClinicalData', () => {
  const odm = `<?xml version="1.0"?><ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><ClinicalData StudyOID="ST.x" MetaDataVersionOID="MDV.1">
<SubjectData SubjectKey="RJ-001"><StudyEventData StudyEventOID="SE.daily-status" StudyEventRepeatKey="3"><FormData FormOID="F.clinicalStatus"><ItemGroupData ItemGroupOID="IG.clinicalStatus"><ItemData ItemOID="I.clinicalStatus.note" Value="a &amp; b &lt;c&gt;"/></ItemGroupData></FormData></StudyEventData>
<StudyEventData StudyEventOID="SE.screening"><FormData FormOID="F.vitals"><ItemGroupData ItemGroupOID="IG.vitals"><ItemData ItemOID="I.vitals.spo2" IsNull="Yes"><Annotation SeqNum="1"><Comment>not_done: probe missing</Comment></Annotation></ItemData><ItemData ItemOID="I.vitals.heartRate" Value="88"><AuditRecord><ReasonForChange>x</ReasonForChange></AuditRecord></ItemData></ItemGroupData></FormData></StudyEventData></SubjectData></ClinicalData></ODM>`;

  it('reads each FormData as a row with its ClinicalData’s metadata version, however the text is cut', async () => {
    for (const size of [7, 64, odm.length]) {
      const rows: ImportRow[] = await collect(odmRows(xmlTokens(chunks(odm, size))));
      expect(rows).toEqual([
        {
          line: 1,
          participant: 'RJ-001',
          visit: 'daily-status',
          instance: 3,
          cells: [
            { column: 'I.clinicalStatus.note', formId: 'clinicalStatus', itemId: 'note', raw: 'a & b <c>' },
          ],
          metaDataVersion: 'MDV.1',
        },
        {
          line: 2,
          participant: 'RJ-001',
          visit: 'screening',
          instance: 1,
          cells: [
            { column: 'I.vitals.spo2', formId: 'vitals', itemId: 'spo2', raw: 'not_done: probe missing' },
            { column: 'I.vitals.heartRate', formId: 'vitals', itemId: 'heartRate', raw: '88' },
          ],
          metaDataVersion: 'MDV.1',
        },
      ]);
    }
  });

  it('refuses text that is not XML, and XML that is not ODM', async () => {
    await expect(collect(odmRows(xmlTokens(chunks('just a note', 4))))).rejects.toThrow(/holds no XML/);
    await expect(collect(odmRows(xmlTokens(chunks('<a><b/></a>', 4))))).rejects.toThrow(/not CDISC ODM/);
  });
});

describe('the plan of an import', () => {
  it('places values in records and lists each row problem by line', () => {
    const plan = new ImportPlan(protocol, new Map([['RJ-001', 'p1']]));
    const row = (line: number, participant: string, visit: string, cells: ImportRow['cells']) =>
      plan.add({ line, participant, visit, instance: 1, cells });
    row(2, 'RJ-001', 'screening', [{ column: 'heartRate', itemId: 'heartRate', raw: '88' }]);
    row(3, 'RJ-404', 'screening', [{ column: 'heartRate', itemId: 'heartRate', raw: '88' }]);
    row(4, 'RJ-001', 'no-such-visit', [{ column: 'heartRate', itemId: 'heartRate', raw: '88' }]);
    row(5, 'RJ-001', 'screening', [{ column: 'heartRate', itemId: 'heartRate', raw: '90' }]);
    // The dose record's form is planned: the writer takes back the values saved and refuses others.
    row(6, 'RJ-001', 'day-1', [
      { column: 'exposure.x', formId: 'exposure', itemId: 'administered', raw: 'yes' },
    ]);
    row(7, 'RJ-001', 'day-3', [{ column: 'labs.x', formId: 'labs', itemId: 'nothing', raw: '1' }]);
    expect(plan.problems.map((problem) => [problem.line, problem.message])).toEqual([
      [3, 'No participant has the study or screening number "RJ-404".'],
      [4, 'The protocol has no visit "no-such-visit".'],
      [5, 'vitals.heartRate is given a different value on line 2.'],
      [7, 'Visit day-3 has no item labs.nothing.'],
    ]);
    expect([...plan.records.values()].map((record) => [record.formId, [...record.values.keys()]])).toEqual([
      ['vitals', ['heartRate']],
      ['exposure', ['administered']],
    ]);
  });
});
