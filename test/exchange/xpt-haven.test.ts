// Our XPORT writer against an independent reader: R's haven::read_xpt must read back exactly the
// names, labels, types and values we wrote, including extremes of the IBM double range and missing values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { splitLongValues, suppDomain } from '../../src/exchange/sdtm/supplemental.ts';
import { sdtmDomains } from '../../src/exchange/sdtm/variables.ts';
import { IBM_MIN } from '../../src/exchange/xpt/ibm-float.ts';
import { writeXpt, type XptDataset, type XptValue } from '../../src/exchange/xpt/xpt-writer.ts';
import { readWithHaven, requireHaven } from './r-support.ts';

describe('XPORT files read back with haven::read_xpt', () => {
  if (!requireHaven()) return;
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-xpt-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const created = new Date('2026-03-01T12:00:00Z');

  it('reads names, labels, types and values exactly', () => {
    const dataset: XptDataset = {
      name: 'VS',
      label: 'Vital Signs',
      variables: [
        { name: 'USUBJID', label: 'Unique Subject Identifier', type: 'char', length: 18 },
        { name: 'VSTESTCD', label: 'Vital Signs Test Short Name', type: 'char', length: 8 },
        { name: 'VSSTRESN', label: 'Numeric Result/Finding in Standard Units', type: 'num', length: 8 },
        { name: 'VSDY', label: 'Study Day of Vital Signs', type: 'num', length: 8 },
        { name: 'LONGTEXT', label: 'A value of the full 200 bytes', type: 'char', length: 200 },
      ],
    };
    const rows: XptValue[][] = [
      ['MEXCOVID-RJ-001', 'TEMP', 38.2, 1, 'x'.repeat(200)],
      ['MEXCOVID-RJ-001', 'SYSBP', 128, -2, ''],
      ['MEXCOVID-RJ-002', 'OXYSAT', null, null, 'a "quoted", comma; text'],
      ['MEXCOVID-RJ-002', 'TINY', 5e-78, 7.2e75, 'end'],
      ['MEXCOVID-RJ-003', 'NEG', -118.625, 0.1, ' leading blank'],
    ];
    const path = join(folder, 'vs.xpt');
    writeFileSync(path, writeXpt(dataset, rows, created));
    const [file] = readWithHaven([path]);
    expect(file?.label).toBe('Vital Signs');
    expect(file?.rows).toBe(rows.length);
    expect(file?.columns.map((column) => [column.name, column.label, column.type])).toEqual(
      dataset.variables.map((variable) => [variable.name, variable.label, variable.type]),
    );
    dataset.variables.forEach((variable, index) => {
      const expected = rows.map((row) => {
        const value = row[index];
        // Text is blank-padded on disk; haven reads it back without the trailing blanks.
        if (variable.type === 'char') return value === null || value === undefined ? '' : String(value);
        return value ?? null;
      });
      expect(file?.columns[index]?.values, variable.name).toEqual(expected);
    });
  });

  it('reads random data sets exactly (property, 25 files in one R run)', () => {
    const value = (type: 'char' | 'num') =>
      type === 'num'
        ? fc.option(
            fc
              .double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })
              .filter((number) => number === 0 || Math.abs(number) >= IBM_MIN),
            { nil: null },
          )
        : fc
            .string({ unit: fc.constantFrom(...'ABCxyz019 -_./:'.split('')), maxLength: 12 })
            .map((text) => text.trimEnd());
    const datasetArbitrary = fc
      .array(fc.constantFrom<'char' | 'num'>('char', 'num'), { minLength: 1, maxLength: 6 })
      .chain((types) =>
        fc.tuple(
          fc.constant(types),
          fc.array(fc.tuple(...types.map(value)), { minLength: 1, maxLength: 30 }),
        ),
      );
    const samples = fc.sample(datasetArbitrary, { numRuns: 25, seed: 20260301 });
    const paths = samples.map(([types, rows], sampleIndex) => {
      const dataset: XptDataset = {
        name: `R${sampleIndex}`,
        label: `Random data set ${sampleIndex}`,
        variables: types.map((type, index) => ({
          name: `V${index}`,
          label: `Variable ${index}`,
          type,
          length: type === 'num' ? 8 : 12,
        })),
      };
      const path = join(folder, `random-${sampleIndex}.xpt`);
      writeFileSync(path, writeXpt(dataset, rows as XptValue[][], created));
      return path;
    });
    const files = readWithHaven(paths);
    samples.forEach(([types, rows], sampleIndex) => {
      const file = files[sampleIndex];
      expect(file?.rows, `sample ${sampleIndex}`).toBe(rows.length);
      types.forEach((type, index) => {
        expect(file?.columns[index]?.values, `sample ${sampleIndex} V${index}`).toEqual(
          rows.map((row) => (type === 'num' ? (row[index] ?? null) : row[index])),
        );
      });
    });
  });

  it('reads text over 200 bytes back whole from the parent variable and its SUPP-- pieces', () => {
    const texts = [
      `Amoxicillin ${'500 mg three times daily for community-acquired pneumonia, '.repeat(16)}end`,
      '阿莫西林胶囊，每日三次，每次五百毫克，用于社区获得性肺炎；'.repeat(9),
      `${'x'.repeat(199)}  two blanks at the cut and a ${'long '.repeat(50)}tail`,
      'Aspirin',
    ];
    const parents = texts.map((text, index) => ({
      STUDYID: 'S',
      DOMAIN: 'CM',
      USUBJID: `S-${index}`,
      CMSEQ: 1,
      CMTRT: text,
    }));
    const split = splitLongValues('CM', parents);
    const write = (name: string, variables: typeof sdtmDomains.CM.variables, rows: typeof parents) => {
      const dataset: XptDataset = {
        name,
        label: name,
        variables: variables.map((variable) => ({ ...variable, length: variable.type === 'num' ? 8 : 200 })),
      };
      const path = join(folder, `${name.toLowerCase()}.xpt`);
      const values = rows.map((row) =>
        variables.map((variable) => (row as Record<string, XptValue>)[variable.name]),
      );
      writeFileSync(path, writeXpt(dataset, values, created));
      return path;
    };
    const [cm, supp] = readWithHaven([
      write('CM', sdtmDomains.CM.variables, split.rows as typeof parents),
      write('SUPPCM', suppDomain('CM').variables, split.supplemental as unknown as typeof parents),
    ]);
    const column = (file: typeof cm, name: string) =>
      file?.columns.find((entry) => entry.name === name)?.values.map(String) ?? [];
    const subjects = column(supp, 'USUBJID');
    const qnams = column(supp, 'QNAM');
    const qvals = column(supp, 'QVAL');
    column(cm, 'USUBJID').forEach((usubjid, index) => {
      const pieces = qnams
        .map((qnam, row) => ({ qnam, subject: subjects[row], value: qvals[row] ?? '' }))
        .filter((piece) => piece.subject === usubjid && /^CMTRT\d+$/.test(piece.qnam))
        .sort((a, b) => Number(a.qnam.slice(5)) - Number(b.qnam.slice(5)));
      expect(column(cm, 'CMTRT')[index] + pieces.map((piece) => piece.value).join(''), usubjid).toBe(
        texts[index],
      );
    });
    expect(qnams.length).toBeGreaterThan(6);
  });
});
