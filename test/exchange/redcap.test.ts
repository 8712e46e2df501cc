import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { csvLine } from '../../src/exchange/csv.ts';
import { dictionaryCells, dictionaryColumns } from '../../src/exchange/redcap/redcap-dictionary.ts';
import { redcapDictionary } from '../../src/exchange/redcap/redcap-export.ts';
import { importRedcapDictionary } from '../../src/exchange/redcap/redcap-import.ts';
import { type LogicField, redcapLogicToRule } from '../../src/exchange/redcap/redcap-logic.ts';
import { parseProtocolText } from '../../src/protocol/parse-text.ts';
import type { Protocol, ProtocolForm } from '../../src/protocol/schema.ts';

const REPOSITORY_ROOT = join(import.meta.dirname, '..', '..');
const mexcovidText = readFileSync(join(REPOSITORY_ROOT, 'protocols', 'mexcovid.yaml'), 'utf8');

// variable, form, section, type, label, choices, note, validation, min, max, identifier, branching, required
type Row = [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const dictionaryCsv = (rows: Row[]) =>
  csvLine(dictionaryColumns) + rows.map((row) => csvLine([...row, '', '', '', '', ''])).join('');

/** Every REDCap field type and text validation, branching logic REDCap projects commonly hold, and some that has no equivalent. */
const sample = dictionaryCsv([
  ['record_id', 'enrolment', '', 'text', 'Record ID', '', '', '', '', '', '', '', ''],
  [
    'initials',
    'enrolment',
    'About you',
    'text',
    '<b>Initials</b>',
    '',
    'Two letters',
    '',
    '',
    '',
    'y',
    '',
    'y',
  ],
  ['remarks', 'enrolment', '', 'notes', 'Remarks', '', '', '', '', '', '', '', ''],
  ['sex', 'enrolment', '', 'dropdown', 'Sex', '1, Male | 2, Female', '', '', '', '', '', '', 'y'],
  [
    'smoker',
    'enrolment',
    '',
    'radio',
    'Smoking',
    '0, Never | 1, Former | 2, Current',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
  ],
  [
    'symptoms',
    'enrolment',
    '',
    'checkbox',
    'Symptoms',
    'fever, Fever | cough, Cough, dry or wet',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
  ],
  ['pregnant', 'enrolment', '', 'yesno', 'Pregnant', '', '', '', '', '', '', "[sex] = '2'", ''],
  ['consented', 'enrolment', '', 'truefalse', 'Consent signed', '', '', '', '', '', '', '', 'y'],
  ['age', 'enrolment', '', 'text', 'Age', '', '', 'integer', '18', '90', '', '', 'y'],
  ['weight', 'enrolment', '', 'text', 'Weight (kg)', '', '', 'number', '30', '250', '', '', ''],
  ['height', 'enrolment', '', 'text', 'Height (m)', '', '', 'number_2dp', '', '2.5', '', '', ''],
  ['bmi', 'enrolment', '', 'calc', 'BMI', '[weight]/([height]^2)', '', '', '', '', '', '', ''],
  [
    'visit_date',
    'enrolment',
    '',
    'text',
    'Visit date',
    '',
    '',
    'date_ymd',
    '2020-01-01',
    '2030-12-31',
    '',
    '',
    'y',
  ],
  [
    'dose_time',
    'enrolment',
    '',
    'text',
    'Dose time',
    '',
    '',
    'datetime_ymd',
    '',
    '',
    '',
    "[visit_date] >= '2020-02-01'",
    '',
  ],
  ['email', 'enrolment', '', 'text', 'E-mail', '', '', 'email', '', '', '', '', ''],
  [
    'scan',
    'enrolment',
    '',
    'file',
    'Scan',
    '',
    '',
    '',
    '',
    '',
    '',
    "[symptoms(cough)] = '1' and ([smoker] = '2' or [smoker] = '1')",
    '',
  ],
  [
    'pain',
    'enrolment',
    '',
    'slider',
    'Pain',
    'None | | Worst',
    '',
    '',
    '',
    '',
    '',
    '[age] > 60 or [weight] >= 100',
    '',
  ],
  ['info', 'enrolment', '', 'descriptive', 'Read this first', '', '', '', '', '', '', '', ''],
  ['site_sql', 'enrolment', '', 'sql', 'Site', 'select value from redcap_data', '', '', '', '', '', '', ''],
  [
    'cough_days',
    'follow_up',
    '',
    'text',
    'Days of cough',
    '',
    '',
    'integer',
    '0',
    '',
    '',
    "[symptoms(cough)] <> '0' and [remarks] <> ''",
    '',
  ],
  [
    'when',
    'follow_up',
    '',
    'text',
    'When',
    '',
    '',
    'date_ymd',
    '',
    '',
    '',
    "datediff([visit_date], 'today', 'd') > 7",
    '',
  ],
  ['by_whom', 'follow_up', '', 'text', 'By whom', '', '', '', '', '', '', "[user-name] = 'admin'", ''],
  ['earlier', 'follow_up', '', 'text', 'Earlier', '', '', '', '', '', '', '[baseline_arm_1][age] > 60', ''],
  ['double', 'follow_up', '', 'text', 'Double', '', '', '', '', '', '', '[age] * 2 > 100', ''],
  ['and', 'follow_up', '', 'yesno', 'A keyword as a name', '', '', '', '', '', '', "[consented] = '1'", ''],
]);

/** The shipped protocol with these forms added, through the same parser and validator as any protocol file. */
function protocolWith(forms: ProtocolForm[]) {
  const document = parseYaml(mexcovidText) as Protocol;
  document.forms.push(...forms);
  // Where a form is collected is the protocol author's choice; REDCap's instrument-event mapping is not read.
  document.schedule.visits[0]?.forms.push(...forms.map((form) => form.id));
  return parseProtocolText(stringify(document));
}

const item = (forms: ProtocolForm[], formId: string, itemId: string) =>
  forms.find((form) => form.id === formId)?.items.find((entry) => entry.id === itemId);

describe('REDCap data dictionary import', () => {
  const imported = importRedcapDictionary(sample);

  it('gives forms that pass the protocol validator', () => {
    const result = protocolWith(imported.forms);
    expect(result.ok ? [] : result.problems).toEqual([]);
    expect(imported.forms.map((form) => form.id)).toEqual(['enrolment', 'follow_up']);
  });

  it('maps every field type and validation', () => {
    const types = Object.fromEntries(
      imported.forms.flatMap((form) => form.items.map((entry) => [entry.id, entry.type])),
    );
    expect(types).toEqual({
      initials: 'text',
      remarks: 'text',
      sex: 'choice',
      smoker: 'choice',
      symptoms: 'multichoice',
      pregnant: 'boolean',
      consented: 'boolean',
      age: 'integer',
      weight: 'decimal',
      height: 'decimal',
      bmi: 'decimal',
      visit_date: 'date',
      dose_time: 'datetime',
      email: 'text',
      scan: 'file',
      pain: 'integer',
      site_sql: 'text',
      cough_days: 'integer',
      when: 'date',
      by_whom: 'text',
      earlier: 'text',
      double: 'text',
      and_: 'boolean',
    });
    const forms = imported.forms;
    expect(item(forms, 'enrolment', 'initials')).toMatchObject({
      label: { en: 'Initials' },
      required: true,
      hint: { en: 'Two letters' },
    });
    expect(item(forms, 'enrolment', 'symptoms')?.choices).toEqual([
      { code: 'fever', label: { en: 'Fever', zh: '【待译】Fever' } },
      { code: 'cough', label: { en: 'Cough, dry or wet', zh: '【待译】Cough, dry or wet' } },
    ]);
    expect(item(forms, 'enrolment', 'age')).toMatchObject({ range: { low: 18, high: 90 }, required: true });
    expect(item(forms, 'enrolment', 'height')).toMatchObject({ precision: 2, range: { high: 2.5 } });
    expect(item(forms, 'enrolment', 'pain')?.range).toEqual({ low: 0, high: 100 });
    expect(item(forms, 'enrolment', 'visit_date')?.checks).toEqual([
      expect.objectContaining({
        rule: 'enrolment.visit_date >= date("2020-01-01") and enrolment.visit_date <= date("2030-12-31")',
        severity: 'hard',
      }),
    ]);
  });

  it('translates branching logic into showIf rules', () => {
    const forms = imported.forms;
    expect(item(forms, 'enrolment', 'pregnant')?.showIf).toBe('enrolment.sex = "2"');
    expect(item(forms, 'enrolment', 'dose_time')?.showIf).toBe('enrolment.visit_date >= date("2020-02-01")');
    expect(item(forms, 'enrolment', 'scan')?.showIf).toBe(
      'includes(enrolment.symptoms, "cough") and (enrolment.smoker = "2" or enrolment.smoker = "1")',
    );
    expect(item(forms, 'enrolment', 'pain')?.showIf).toBe('enrolment.age > 60 or enrolment.weight >= 100');
    expect(item(forms, 'follow_up', 'cough_days')?.showIf).toBe(
      'includes(enrolment.symptoms, "cough") and enrolment.remarks is present',
    );
    expect(item(forms, 'follow_up', 'and_')?.showIf).toBe('enrolment.consented = true');
  });

  it('reports every branching it could not translate, and every field it could not map', () => {
    const untranslated = imported.notes.filter((note) => note.includes('branching logic'));
    expect(untranslated).toHaveLength(4);
    expect(untranslated.find((note) => note.startsWith('when:'))).toContain('datediff() has no equivalent');
    expect(untranslated.find((note) => note.startsWith('by_whom:'))).toContain('[user-name]');
    expect(untranslated.find((note) => note.startsWith('earlier:'))).toContain("another event's value");
    expect(untranslated.find((note) => note.startsWith('double:'))).toContain('arithmetic');
    for (const variable of ['when', 'by_whom', 'earlier', 'double'])
      expect(
        imported.forms.flatMap((form) => form.items).find((entry) => entry.id === variable)?.showIf,
      ).toBeUndefined();
    const other = imported.notes.filter((note) => !note.includes('branching logic'));
    expect(other).toEqual([
      'initials: section header "About you" has no equivalent; not imported',
      'bmi: a calculated field: its formula is not translated; the item is entered by hand until a derivation is written',
      'email: text validation "email" has no equivalent; imported as free text',
      'info: descriptive text is not an item; not imported',
      'site_sql: an SQL field has no equivalent; imported as text',
      expect.stringMatching(/^\d+ texts came in one language only: their Chinese text is marked 【待译】/),
    ]);
  });

  it('refuses a file that is not a data dictionary, saying which columns are missing', () => {
    expect(() => importRedcapDictionary('name,age\nAnn,3\n')).toThrow(/"Variable \/ Field Name"/);
    expect(() => importRedcapDictionary('')).toThrow(/not a REDCap data dictionary/);
  });

  it('leaves unknown codes and unknown fields untranslated rather than guessing', () => {
    const fields = new Map<string, LogicField>([
      ['sex', { formId: 'f', itemId: 'sex', type: 'choice', codes: ['1', '2'] }],
    ]);
    expect(redcapLogicToRule("[sex] = '3'", fields)).toEqual({
      ok: false,
      reason: "'3' is not a choice of [sex]",
    });
    expect(redcapLogicToRule("[age] = '3'", fields)).toMatchObject({ ok: false });
    expect(redcapLogicToRule("[sex] = '1' and", fields)).toMatchObject({ ok: false });
    expect(redcapLogicToRule("([sex] = '1'", fields)).toMatchObject({ ok: false });
  });
});

describe('REDCap data dictionary export', () => {
  const toCsv = (rows: ReturnType<typeof redcapDictionary>['rows']) =>
    csvLine(dictionaryColumns) + rows.map((row) => csvLine(dictionaryCells(row))).join('');

  it('round-trips an imported dictionary: export, re-import, the same forms', () => {
    const first = importRedcapDictionary(sample);
    const exported = redcapDictionary({ forms: first.forms, codeLists: [] });
    expect(exported.notes).toEqual([]);
    expect(exported.rows.find((row) => row.variable === 'enrolment_visit_date')).toMatchObject({
      validation: 'date_ymd',
      min: '2020-01-01',
      max: '2030-12-31',
    });
    const again = importRedcapDictionary(toCsv(exported.rows));
    expect(again.notes).toEqual([]);
    expect(again.forms).toEqual(first.forms);
  });

  it("round-trips the shipped protocol's forms: types, labels in both languages, units, choices, skip logic", () => {
    const loaded = parseProtocolText(mexcovidText);
    if (!loaded.ok) throw new Error('the shipped protocol does not load');
    const protocol = loaded.protocol;
    const exported = redcapDictionary(protocol);
    const back = importRedcapDictionary(toCsv(exported.rows));
    expect(back.notes).toEqual([]);
    expect(back.forms.map((form) => form.id)).toEqual(protocol.forms.map((form) => form.id));
    // What REDCap holds comes back unchanged; what it cannot hold (edit checks other than limits, derivations,
    // SDTM mappings, code list names) is exactly what the export reported.
    for (const form of protocol.forms) {
      const copy = back.forms.find((entry) => entry.id === form.id);
      expect(copy?.title).toEqual(form.title);
      expect(copy?.repeating).toBe(form.repeating);
      for (const original of form.items) {
        const returned = copy?.items.find((entry) => entry.id === original.id);
        const where = `${form.id}.${original.id}`;
        expect(returned, where).toBeDefined();
        expect(returned?.type, where).toBe(original.type);
        expect(returned?.label, where).toEqual(original.label);
        expect(returned?.hint, where).toEqual(original.hint);
        expect(returned?.required, where).toBe(original.required);
        expect(returned?.unit, where).toBe(original.unit);
        expect(returned?.range, where).toEqual(original.range);
        if (original.type === 'choice' || original.type === 'multichoice') {
          const codes = (
            original.choices ?? protocol.codeLists.find((list) => list.id === original.codeList)?.items
          )?.map((choice) => choice.code);
          expect(
            returned?.choices?.map((choice) => choice.code),
            where,
          ).toEqual(codes);
        }
        const skipNote = exported.notes.some((note) => note.startsWith(`${where}: skip logic`));
        if (original.showIf && !skipNote) expect(returned?.showIf, where).toBeDefined();
      }
    }
    // The dictionary of the re-imported forms is the dictionary exported: nothing drifts on a second trip.
    const second = redcapDictionary({ forms: back.forms, codeLists: [] });
    // Apart from what the export reported: derivations (@READONLY) and REDCap's identifier flag, which
    // exotrial derives from the item's SDTM mapping to BRTHDTC.
    const comparable = (rows: typeof exported.rows) =>
      rows.map((row) => ({ ...row, identifier: '', annotation: row.annotation.replace(' @READONLY', '') }));
    expect(comparable(second.rows)).toEqual(comparable(exported.rows));
  });
});
