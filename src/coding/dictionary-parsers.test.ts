import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/errors.ts';
import { readDistribution } from './dictionary-files.ts';
import { meddraFiles, parseMeddra } from './meddra-parser.ts';
import { closestNames, matchKey } from './normalise.ts';
import { parseWhodrug, whodrugFiles } from './whodrug-parser.ts';

const fixtures = new URL('../../dictionaries/synthetic/', import.meta.url).pathname;
const meddraEn = join(fixtures, 'meddra-99.0/en');
const meddraZh = join(fixtures, 'meddra-99.0/zh');
const whodrug = join(fixtures, 'whodrug-2099.1');

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of a fixture folder to break. */
function copyOf(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'exotrial-dictionary-'));
  scratch.push(copy);
  cpSync(dir, copy, { recursive: true });
  return copy;
}

/** The error a parse throws: its message and the file and line it names. */
function failureOf(parse: () => unknown): { message: string; file: string; line: number } {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const details = error.details as { file: string; line: number };
    return { message: error.message, file: details.file, line: details.line };
  }
  throw new Error('expected the parse to fail');
}

describe('MedDRA ASCII files', () => {
  it('reads the terms, the LLTs with their PT and currency, and one primary path per PT', () => {
    const release = parseMeddra(readDistribution(meddraEn, meddraFiles));
    expect([release.soc.length, release.hlgt.length, release.hlt.length, release.pt.length]).toEqual([
      5, 5, 5, 11,
    ]);
    expect(release.llt).toContainEqual({
      code: '99400002',
      name: 'Cough during nebulisation',
      ptCode: '99300008',
      current: true,
    });
    expect(release.llt.find((llt) => llt.name === 'Tummy upset')?.current).toBe(false);
    // Chest discomfort has a secondary path under the respiratory SOC; its primary one is kept.
    expect(release.primaryPaths.find((path) => path.ptCode === '99300009')).toEqual({
      ptCode: '99300009',
      hltCode: '99200001',
      hlgtCode: '99100001',
      socCode: '99000001',
    });
    expect(release.primaryPaths).toHaveLength(11);
    expect(release.links).toBe(5 + 5 + 11);
  });

  it('reads the Chinese translation as UTF-8', () => {
    const release = parseMeddra(readDistribution(meddraZh, meddraFiles));
    expect(release.llt.find((llt) => llt.code === '99300008')?.name).toBe('咳嗽');
  });

  it('names the missing file', () => {
    const dir = copyOf(meddraEn);
    unlinkSync(join(dir, 'hlt_pt.asc'));
    const failure = failureOf(() => readDistribution(dir, meddraFiles));
    expect(failure.file).toBe('hlt_pt.asc');
    expect(failure.message).toMatch(/^hlt_pt\.asc: is missing from/);
  });

  it('names the file and line of a record with a field too few', () => {
    const dir = copyOf(meddraEn);
    writeFileSync(
      join(dir, 'llt.asc'),
      '99300001$Pyrexia$99300001$$$$$$$Y$$\n99300002$Headache$99300002$$$$$$Y$$\n',
    );
    const failure = failureOf(() => parseMeddra(readDistribution(dir, meddraFiles)));
    expect(failure).toMatchObject({ file: 'llt.asc', line: 2 });
    expect(failure.message).toContain('has 10 fields where llt.asc has 11');
  });

  it('refuses a record without its trailing $, a bad code, and an LLT whose PT is not in pt.asc', () => {
    const dir = copyOf(meddraEn);
    writeFileSync(join(dir, 'soc.asc'), '99000001$Synthetic general disorders$SynGen$$$$$$$\n');
    expect(failureOf(() => parseMeddra(readDistribution(dir, meddraFiles)))).toMatchObject({
      file: 'soc.asc',
      line: 1,
    });
    writeFileSync(join(dir, 'soc.asc'), '9900001$Synthetic general disorders$SynGen$$$$$$$$\n');
    expect(failureOf(() => parseMeddra(readDistribution(dir, meddraFiles))).message).toContain(
      'soc_code "9900001" is not an 8-digit MedDRA code',
    );
    const other = copyOf(meddraEn);
    writeFileSync(join(other, 'llt.asc'), '99300001$Pyrexia$99300099$$$$$$$Y$$\n');
    const failure = failureOf(() => parseMeddra(readDistribution(other, meddraFiles)));
    expect(failure).toMatchObject({ file: 'llt.asc', line: 1 });
    expect(failure.message).toContain('pt_code 99300099 is not in pt.asc');
  });

  it('refuses a file that is not UTF-8', () => {
    const dir = copyOf(meddraZh);
    writeFileSync(join(dir, 'llt.asc'), Buffer.from([0x39, 0x39, 0xc4, 0x24, 0x0a]));
    expect(failureOf(() => parseMeddra(readDistribution(dir, meddraFiles))).message).toContain(
      'llt.asc: is not UTF-8',
    );
  });
});

describe('WHODrug Global B3 files', () => {
  it('reads drug codes, names and the ATC class of each drug', () => {
    const release = parseWhodrug(readDistribution(whodrug, whodrugFiles));
    expect(release.drugs.find((drug) => drug.name === 'SYNLOPRA')).toEqual({
      drugCode: '900001010021',
      recordNumber: '900001',
      name: 'SYNLOPRA',
      atcCode: 'Z01AA01',
    });
    expect(release.atc.find((atc) => atc.atcCode === 'Z01AA')).toEqual({
      atcCode: 'Z01AA',
      level: 4,
      text: 'SYNTHETIC ANTIVIRALS (CHEMICAL GROUP AA)',
    });
  });

  it('names the file and line of a bad record and of a DDA row naming no drug', () => {
    const dir = copyOf(whodrug);
    writeFileSync(
      join(dir, 'DD.txt'),
      '900001010013T99000010000101N991LOPINAVIR/RITONAVIR\n9000X1010021T99000010000101N991SYNLOPRA\n',
    );
    const failure = failureOf(() => parseWhodrug(readDistribution(dir, whodrugFiles)));
    expect(failure).toMatchObject({ file: 'DD.txt', line: 2 });
    expect(failure.message).toContain('the drug record number (columns 1-6) "9000X1" is not 6 digits');
    writeFileSync(join(dir, 'DD.txt'), '900001010013T99000010000101N991LOPINAVIR/RITONAVIR\n');
    const dda = failureOf(() => parseWhodrug(readDistribution(dir, whodrugFiles)));
    expect(dda).toMatchObject({ file: 'DDA.txt', line: 2 });
    expect(dda.message).toContain('drug code 900001010021 is not in DD.txt');
  });

  it('names a missing file', () => {
    const dir = copyOf(whodrug);
    unlinkSync(join(dir, 'INA.txt'));
    expect(failureOf(() => readDistribution(dir, whodrugFiles)).file).toBe('INA.txt');
  });
});

describe('matching', () => {
  it('matches without regard to case, width or white space', () => {
    expect(matchKey('  ＣＯＵＧＨ   during\tNebulisation ')).toBe(matchKey('Cough during nebulisation'));
  });

  it('suggests the closest names by trigram similarity, one per code', () => {
    const candidates = ['Cough', 'Coughing fits', 'Headache', 'Cough during nebulisation'].map(
      (name, index) => ({
        code: String(index),
        name,
        language: 'en',
        matchKey: matchKey(name),
      }),
    );
    const suggested = closestNames('coughs', candidates);
    expect(suggested[0]?.name).toBe('Cough');
    expect(suggested.map((entry) => entry.name)).not.toContain('Headache');
  });
});
