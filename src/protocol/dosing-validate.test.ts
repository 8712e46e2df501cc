import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultProtocolPath, parseProtocolText } from './load.ts';

const rctPath = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const rctText = await readFile(rctPath, 'utf8');
const defaultText = await readFile(defaultProtocolPath(), 'utf8');

/** The parts of the randomised example these tests edit. */
type Document = {
  doseVitals: { form: string; items: Record<string, string>; carried: string[] };
  doseRecord?: { form: string; items: Record<string, string> };
  safety: { inhalationEvents: { controlledVentilation: { oxygenSupport: string[] } } };
  study: { design: { arms: Array<{ type?: string; regimen?: unknown }> } };
};

const arm = (document: Document, index: number) => {
  const found = document.study.design.arms[index];
  if (!found) throw new Error(`the example has no arm ${index}`);
  return found;
};

/** The problems of a protocol after `edit`, as "path: message" lines. */
function problemsAfter(text: string, edit: (document: Document) => void): string[] {
  const document = parse(text) as Document;
  edit(document);
  const result = parseProtocolText(stringify(document), 'edited.yaml');
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('the dose vitals and the arms’ types', () => {
  it('fills the dose vitals of a file written before the section from its vitals form', () => {
    const result = parseProtocolText(defaultText, 'mexcovid.yaml');
    if (!result.ok) throw new Error('the shipped protocol does not load');
    expect(result.protocol.doseVitals).toEqual({
      form: 'vitals',
      items: {
        assessedAt: 'assessedAt',
        spo2: 'spo2',
        respiratoryRate: 'respiratoryRate',
        temperature: 'temperature',
        oxygenSupport: 'oxygenSupport',
        fio2: 'fio2Setting',
        peep: 'peep',
      },
      carried: ['atRest', 'oxygenSupport', 'oxygenFlow', 'fio2Setting'],
    });
  });

  it('refuses a dose-vitals form or item that is missing or of the wrong type, naming what to fix', () => {
    expect(problemsAfter(rctText, (document) => (document.doseVitals.form = 'observations'))).toEqual([
      "doseVitals.form: 'observations' is not a form of the protocol: name the form of the vital signs taken around a dose",
    ]);
    expect(
      problemsAfter(rctText, (document) => {
        document.doseVitals.items.spo2 = 'atRest';
        document.doseVitals.items.peep = 'pep';
        document.doseVitals.carried = ['atRest', 'position'];
      }),
    ).toEqual([
      "doseVitals.items.spo2: item 'atRest' is of type boolean; the spo2 of a dose reading must be integer or decimal",
      "doseVitals.items.peep: form 'vitals' has no item 'pep'",
      "doseVitals.carried[1]: form 'vitals' has no item 'position'",
    ]);
    expect(problemsAfter(rctText, (document) => (document.doseVitals.form = 'adverseEvent'))).toContain(
      "doseVitals.form: form 'adverseEvent' is read once per dose timepoint, so it must not be repeating",
    );
  });

  it('fills the dose record of a file written before the section from its EX form, item by name', () => {
    const shipped = parseProtocolText(defaultText, 'mexcovid.yaml');
    const example = parseProtocolText(rctText, 'mexcovid-rct.yaml');
    if (!shipped.ok || !example.ok) throw new Error('a shipped protocol does not load');
    const expected = {
      form: 'exposure',
      items: {
        administered: 'administered',
        reasonNotGiven: 'reasonNotGiven',
        vialNumber: 'vialNumber',
        thawedAt: 'thawedAt',
        startedAt: 'startedAt',
        endedAt: 'endedAt',
        volume: 'volume',
        device: 'device',
        interrupted: 'interrupted',
        interruptionReason: 'interruptionReason',
      },
    };
    expect(shipped.protocol.doseRecord).toEqual(expected);
    expect(example.protocol.doseRecord).toEqual(expected);
  });

  it('refuses a dose-record form or item that is missing or of the wrong type, naming what to fix', () => {
    const withDoseRecord = (document: Document, items: Record<string, string>, form = 'exposure') => {
      document.doseRecord = {
        form,
        items: { administered: 'administered', startedAt: 'startedAt', ...items },
      };
    };
    expect(problemsAfter(rctText, (document) => withDoseRecord(document, {}))).toEqual([]);
    expect(problemsAfter(rctText, (document) => withDoseRecord(document, {}, 'doses'))).toEqual([
      "doseRecord.form: 'doses' is not a form of the protocol: name the form each dose is recorded on (SDTM domain EX)",
    ]);
    expect(problemsAfter(rctText, (document) => withDoseRecord(document, {}, 'vitals'))).toEqual([
      "doseRecord.form: form 'vitals' is of SDTM domain VS; the dose record form must be of domain EX",
      "doseRecord.items.administered: form 'vitals' has no item 'administered'",
      "doseRecord.items.startedAt: form 'vitals' has no item 'startedAt'",
    ]);
    expect(
      problemsAfter(rctText, (document) =>
        withDoseRecord(document, { volume: 'device', vialNumber: 'vialCode', startedAt: 'thawedAt' }),
      ),
    ).toEqual([
      "doseRecord.items.vialNumber: form 'exposure' has no item 'vialCode'",
      "doseRecord.items.volume: item 'device' is of type choice; the volume of a dose record must be integer or decimal",
    ]);
    expect(
      problemsAfter(rctText, (document) => {
        document.doseRecord = { form: 'exposure', items: { startedAt: 'startedAt' } };
      }),
    ).toEqual([expect.stringMatching(/^doseRecord\.items\.administered: /)]);
  });

  it('checks the codes that mean controlled ventilation against the oxygen-support item', () => {
    expect(
      problemsAfter(rctText, (document) => {
        document.safety.inhalationEvents.controlledVentilation.oxygenSupport = ['imv', 'ventilator'];
      }),
    ).toEqual([
      expect.stringMatching(
        /^safety\.inhalationEvents\.controlledVentilation\.oxygenSupport\[1\]: 'ventilator' is not a code of item 'vitals\.oxygenSupport'/,
      ),
    ]);
  });

  it('asks a placebo arm for its regimen, and an experimental arm beside comparators', () => {
    expect(
      problemsAfter(rctText, (document) => {
        delete arm(document, 1).regimen;
      }),
    ).toContain(
      "study.design.arms[1].regimen: arm 'placebo' is a placebo comparator: give it the regimen of its placebo",
    );
    expect(
      problemsAfter(rctText, (document) => {
        arm(document, 0).type = 'active-comparator';
      }),
    ).toContain(
      'study.design.arms: every arm is a comparator: mark the arm that receives the investigational product type experimental',
    );
    expect(problemsAfter(rctText, (document) => (arm(document, 0).type = 'sham'))).toEqual([
      expect.stringContaining('an arm type is experimental, placebo-comparator or active-comparator'),
    ]);
  });
});
