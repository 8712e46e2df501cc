import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPrivacy } from '../../src/exchange/privacy.ts';
import { exportSdtmDirectory, type SdtmDirectoryResult } from '../../src/exchange/sdtm/sdtm-files.ts';
import { datasetDefinition } from '../../src/exchange/sdtm/supplemental.ts';
import { sdtmDomains } from '../../src/exchange/sdtm/variables.ts';
import { createTestApp, type TestApp } from '../support/test-app.ts';
import { createTrialUsers } from '../support/trial-users.ts';
import { buildDemoTrial, type DemoTrial } from './demo-trial.ts';
import { type HavenFile, readWithHaven, requireHaven } from './r-support.ts';

/** The rows of an exported CSV file (CRLF record ends), header first. */
const parseCsv = (text: string): string[][] => parse(text, { record_delimiter: '\r\n' });

describe('SDTM export', () => {
  let t: TestApp;
  let demo: DemoTrial;
  let folder: string;
  let xpt: SdtmDirectoryResult;
  let csv: SdtmDirectoryResult;
  const created = new Date('2026-03-01T12:00:00Z');

  beforeAll(async () => {
    t = await createTestApp('pglite', {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    demo = await buildDemoTrial(t, await createTrialUsers(t));
    folder = mkdtempSync(join(tmpdir(), 'exotrial-sdtm-'));
    xpt = await exportSdtmDirectory(t.database, t.studyId, join(folder, 'xpt'), {
      format: 'xpt',
      privacy: defaultPrivacy,
      created,
      batchSize: 1,
    });
    // The values exactly as stored (raw): the default neutralises text a spreadsheet would run, such
    // as an elapsed time '-PT30M' (test/exchange/csv-cells.test.ts).
    csv = await exportSdtmDirectory(t.database, t.studyId, join(folder, 'csv'), {
      format: 'csv',
      privacy: defaultPrivacy,
      csvCells: 'raw',
      created,
    });
  });
  afterAll(async () => {
    await t?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const csvTable = (domain: string) => {
    const [header = [], ...rows] = parseCsv(readFileSync(join(folder, 'csv', `${domain}.csv`), 'utf8'));
    return rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index] ?? ''])));
  };

  it('writes the same rows as CSV and as transport files', () => {
    expect(xpt.files.map((file) => [file.domain, file.rows])).toEqual(
      csv.files.map((file) => [file.domain, file.rows]),
    );
    const rows = Object.fromEntries(csv.files.map((file) => [file.domain, file.rows]));
    expect(rows).toMatchObject({ DM: 2, EX: 2, CM: 1, TA: 3, TE: 3, TV: 12, AE: 1 });
    expect(rows.DS).toBe(4); // two consents, one completion, one screen failure
  });

  it('builds DM with reference dates, arms, and no date of birth by default', () => {
    const dm = csvTable('dm');
    const enrolled = dm.find((row) => row.ARMCD === 'MSCS-EXO');
    expect(enrolled).toMatchObject({
      STUDYID: 'MEXCOVID',
      DOMAIN: 'DM',
      RFICDTC: `${demo.screeningDate}T01:00:00.000Z`,
      RFXSTDTC: `${demo.day1}T09:00:00Z`,
      AGEU: 'YEARS',
      SEX: 'M',
      SITEID: 'RJ',
      COUNTRY: 'CN',
      BRTHDTC: '',
      ACTARMCD: 'MSCS-EXO',
      ARMNRS: '',
    });
    expect(Number(enrolled?.AGE)).toBeGreaterThanOrEqual(57);
    // SDTMIG 3.3: a screen failure has no arm codes, the reason is in ARMNRS.
    expect(dm.find((row) => row.ARMNRS === 'SCREEN FAILURE')).toMatchObject({
      ARMCD: '',
      ARM: '',
      ACTARMCD: '',
      ACTARM: '',
      RFSTDTC: '',
    });
  });

  it('builds VS with test codes, CDISC units, time points and study days', () => {
    const vs = csvTable('vs');
    const preDoseTemp = vs.find(
      (row) => row.VSTESTCD === 'TEMP' && row.VSTPT === 'Before the dose' && row.VSDY === '1',
    );
    expect(preDoseTemp).toMatchObject({
      VSORRES: '37.6',
      VSORRESU: 'C',
      VSSTRESN: '37.6',
      VSELTM: '-PT30M',
      VSTPTREF: 'DOSE',
    });
    const screeningHr = vs.find((row) => row.VSTESTCD === 'HR' && row.VISIT === 'Screening and baseline');
    expect(screeningHr).toMatchObject({ VSORRESU: 'beats/min', VSDY: '-1', VISITNUM: '1' });
    expect(vs.find((row) => row.VSTESTCD === 'HEIGHT')).toMatchObject({ VSORRES: '172', VSORRESU: 'cm' });
    const seqs = vs.map((row) => Number(row.VSSEQ));
    expect(new Set(seqs.map((seq, index) => `${vs[index]?.USUBJID}:${seq}`)).size).toBe(vs.length);
  });

  it('marks a test recorded as not done in LB', () => {
    const il6 = csvTable('lb').find((row) => row.LBTESTCD === 'IL6');
    expect(il6).toMatchObject({ LBSTAT: 'NOT DONE', LBREASND: 'Assay not available', LBORRES: '' });
    expect(csvTable('lb').find((row) => row.LBTESTCD === 'WBC')).toMatchObject({
      LBORRES: '6.45',
      LBORRESU: '10^9/L',
      LBORNRLO: '',
      LBNRIND: '',
    });
  });

  it("carries each laboratory value's reference range and flag, and a converted value as entered and standard", () => {
    expect(csvTable('lb').find((row) => row.LBTESTCD === 'LYM')).toMatchObject({
      LBORRES: '0.62',
      LBSTRESN: '0.62',
      LBORNRLO: '1.1',
      LBORNRHI: '3.2',
      LBSTNRLO: '1.1',
      LBSTNRHI: '3.2',
      LBNRIND: 'LOW',
    });
    expect(csvTable('lb').find((row) => row.LBTESTCD === 'CREAT')).toMatchObject({
      LBORRES: '0.9',
      LBORRESU: 'mg/dL',
      LBSTRESC: '80',
      LBSTRESN: '80',
      LBSTRESU: 'umol/L',
      LBORNRLO: '0.644784',
      LBORNRHI: '1.09726',
      LBSTNRLO: '57',
      LBSTNRHI: '97',
      LBNRIND: 'NORMAL',
    });
  });

  it('builds AE from the adverse events recorded in safety', () => {
    expect(csvTable('ae')[0]).toMatchObject({
      AESEQ: '1',
      AETERM: 'Cough after nebulisation',
      AESER: 'N',
      AEREL: 'POSSIBLE',
      AEACN: 'DOSE NOT CHANGED',
      AEOUT: 'RECOVERED/RESOLVED',
      AETOXGR: '1',
      AESTDY: '1',
      AESDTH: '',
    });
  });

  it('builds EX, CM, MH and DS from the eCRF', () => {
    expect(csvTable('ex').map((row) => [row.EXSEQ, row.EXLOT, row.EXDOSE, row.EXDOSU, row.EXSTDY])).toEqual([
      ['1', 'LOT-A-001', '3', 'mL', '1'],
      ['2', 'LOT-A-002', '3', 'mL', '2'],
    ]);
    expect(csvTable('cm')[0]).toMatchObject({
      CMTRT: 'Lopinavir/ritonavir',
      CMCAT: 'ANTIVIRAL',
      CMROUTE: 'ORAL',
      CMENRTPT: 'ONGOING',
    });
    const mh = csvTable('mh');
    expect(mh.map((row) => row.MHTERM)).toEqual(
      expect.arrayContaining(['Hypertension', 'Gout, "well controlled"']),
    );
    expect(mh.find((row) => row.MHCAT === 'PRIMARY DIAGNOSIS')?.MHSTDTC).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(
      csvTable('ds')
        .map((row) => row.DSDECOD)
        .sort(),
    ).toEqual(['COMPLETED', 'INFORMED CONSENT OBTAINED', 'INFORMED CONSENT OBTAINED', 'SCREEN FAILURE']);
  });

  it('shifts every date of a participant by the same days when asked, keeping study days', async () => {
    const shifted = await exportSdtmDirectory(t.database, t.studyId, join(folder, 'shifted'), {
      format: 'csv',
      privacy: { includeIdentifiers: true, dateShiftKey: 'test key' },
      csvCells: 'raw',
      created,
    });
    expect(shifted.files.find((file) => file.domain === 'VS')?.rows).toBe(
      csv.files.find((file) => file.domain === 'VS')?.rows,
    );
    const [header = [], ...rows] = parseCsv(readFileSync(join(folder, 'shifted', 'ex.csv'), 'utf8'));
    const at = (name: string) => header.indexOf(name);
    const original = csvTable('ex');
    rows.forEach((row, index) => {
      const days =
        (Date.parse(String(row[at('EXSTDTC')])) - Date.parse(String(original[index]?.EXSTDTC))) / 86_400_000;
      expect(Math.abs(days)).toBeGreaterThan(0);
      expect(Math.abs(days)).toBeLessThanOrEqual(180);
      expect(row[at('EXSTDY')]).toBe(original[index]?.EXSTDY);
    });
    const [dmHeader = [], ...dmRows] = parseCsv(readFileSync(join(folder, 'shifted', 'dm.csv'), 'utf8'));
    expect(dmRows.some((row) => /^\d{4}-\d{2}-\d{2}$/.test(row[dmHeader.indexOf('BRTHDTC')] ?? ''))).toBe(
      true,
    );
  });

  it('writes define.xml that xmllint accepts, naming every variable with its length', () => {
    const define = readFileSync(xpt.define, 'utf8');
    for (const code of Object.keys(sdtmDomains)) expect(define).toContain(`<ItemGroupDef OID="IG.${code}"`);
    expect(define).toMatch(/<ItemDef OID="IT.DM.USUBJID" Name="USUBJID" DataType="text" Length="\d+"/);
    const lint = spawnSync('xmllint', ['--noout', xpt.define], { encoding: 'utf8' });
    if (lint.error && process.env.CI !== 'true') return; // xmllint not installed here (CI installs it)
    expect(lint.status, lint.stderr).toBe(0);
  });

  describe('transport files read back with haven::read_xpt', () => {
    if (!requireHaven()) return;
    let files: HavenFile[];
    beforeAll(() => {
      files = readWithHaven(xpt.files.map((file) => file.file));
    });

    it('has every domain with SDTM names, labels and types, and the CSV values', () => {
      for (const file of xpt.files) {
        const read = files.find((entry) => entry.file === `${file.domain.toLowerCase()}.xpt`);
        const domain = datasetDefinition(file.domain);
        expect(read?.label, file.domain).toBe(domain.label);
        expect(read?.rows, file.domain).toBe(file.rows);
        expect(read?.columns.map((column) => [column.name, column.label, column.type])).toEqual(
          domain.variables.map((variable) => [variable.name, variable.label, variable.type]),
        );
        const table = csvTable(file.domain.toLowerCase());
        for (const column of read?.columns ?? []) {
          const fromCsv = table.map((row) => row[column.name] ?? '');
          const fromR = column.values.map((value) => (value === null ? '' : String(value)));
          expect(fromR, `${file.domain}.${column.name}`).toEqual(fromCsv);
        }
      }
    });
  });
});
