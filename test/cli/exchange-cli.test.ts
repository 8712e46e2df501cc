import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { openDatabase } from '../../src/db/connection.ts';
import { parseProtocolText } from '../../src/protocol/parse-text.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// Each case spawns the real CLI (Node + tsx compiling the sources): allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

describe('exotrial export and import', () => {
  let target: TestTarget;
  let dataDir: string;
  let folder: string;

  const exotrial = (args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    delete env.DATABASE_URL;
    const result = spawnSync(process.execPath, ['bin/exotrial-dev.js', ...args], { env, encoding: 'utf8' });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const withData = (args: string[]) => exotrial([...args, '--data', dataDir]);

  beforeAll(async () => {
    target = await freshTarget('pglite');
    if (target.target.kind !== 'pglite') throw new Error('a PGlite target was asked for');
    dataDir = target.target.dataDir;
    const database = await openDatabase(target.target);
    try {
      await bootstrap(database, testConfig(target.target), pino({ level: 'silent' }));
    } finally {
      await database.close();
    }
    folder = mkdtempSync(join(tmpdir(), 'exotrial-exchange-cli-'));
  });
  afterAll(async () => {
    await target?.dispose();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('export odm --metadata-only writes the protocol metadata and exits 0', () => {
    const out = join(folder, 'metadata.xml');
    const result = withData(['export', 'odm', '--metadata-only', '--out', out]);
    expect(result.stderr).toMatch(/^Wrote .*metadata\.xml \(\d+ bytes\)/);
    expect(result.code).toBe(0);
    const xml = readFileSync(out, 'utf8');
    expect(xml).toContain('ODMVersion="1.3.2"');
    expect(xml).toContain('Granularity="Metadata"');
    expect(xml).toContain('<FormDef OID="F.vitals"');
    expect(xml).not.toContain('<ClinicalData');
  });

  it('export sdtm --format csv writes every domain and define.xml and exits 0', () => {
    const out = join(folder, 'sdtm');
    const result = withData(['export', 'sdtm', '--format', 'csv', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(
      [
        'ae',
        'cm',
        'define',
        'dm',
        'ds',
        'dv',
        'ex',
        'lb',
        'mb',
        'mh',
        'sv',
        'ta',
        'te',
        'ts',
        'tv',
        'vs',
      ].map((name) => (name === 'define' ? 'define.xml' : `${name}.csv`)),
    );
    expect(result.stdout).toMatch(/^TS\t\d+ rows\t.*ts\.csv$/m);
    expect(readFileSync(join(out, 'dm.csv'), 'utf8')).toMatch(/^STUDYID,DOMAIN,USUBJID,SUBJID,/);
    // The trial design domains come from the protocol, so they hold rows before any participant does.
    expect(readFileSync(join(out, 'ta.csv'), 'utf8').trim().split('\r\n').length).toBeGreaterThan(1);
    expect(readFileSync(join(out, 'define.xml'), 'utf8')).toContain(
      'def:leaf ID="LF.DM" xlink:href="dm.csv"',
    );
  });

  it('exits 1 with a message on a bad format or a short date-shifting key, writing nothing', () => {
    const format = withData(['export', 'sdtm', '--format', 'sas', '--out', join(folder, 'bad')]);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain('--format must be xpt or csv, not "sas"');
    expect(existsSync(join(folder, 'bad'))).toBe(false);
    const key = withData(['export', 'fhir', '--shift-dates', 'short', '--out', join(folder, 'bad.json')]);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('at least 8 characters');
    expect(existsSync(join(folder, 'bad.json'))).toBe(false);
  });

  it('refuses an --out it cannot fill in one line, exit 1, creating nothing', () => {
    const missingParent = join(folder, 'no-such-folder', 'odm.xml');
    const odm = withData(['export', 'odm', '--out', missingParent]);
    expect(odm.code).toBe(1);
    expect(odm.stderr.trim()).toBe(
      `Cannot write ${missingParent}: the folder ${join(folder, 'no-such-folder')} does not exist. Create it first or choose another path.`,
    );
    expect(existsSync(join(folder, 'no-such-folder'))).toBe(false);
    const fhir = withData(['export', 'fhir', '--out', folder]);
    expect(fhir.code).toBe(1);
    expect(fhir.stderr.trim()).toBe(`${folder} is a folder: give a file name for the FHIR Bundle.`);
    const before = readdirSync(folder).sort();
    const redcap = withData(['export', 'redcap', '--out', join(folder, 'metadata.xml')]);
    expect(redcap.code).toBe(1);
    expect(redcap.stderr.trim()).toBe(
      `${join(folder, 'metadata.xml')} is a file: give a folder for the REDCap files.`,
    );
    expect(readdirSync(folder).sort()).toEqual(before); // no temporary file or folder left beside it
  });

  it('export redcap writes the dictionary and records; import redcap reads the dictionary back into forms', () => {
    const out = join(folder, 'redcap');
    const exported = withData(['export', 'redcap', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['data-dictionary.csv', 'data.csv']);
    expect(exported.stderr).toContain('not in REDCap: demographics.birthDate: edit check');
    const yaml = join(folder, 'forms.yaml');
    const imported = exotrial(['import', 'redcap', join(out, 'data-dictionary.csv'), '--out', yaml]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/\d+ forms, 0 code lists, 0 things not imported/);
    const shipped = parseProtocolText(readFileSync(join('protocols', 'mexcovid.yaml'), 'utf8'));
    if (!shipped.ok) throw new Error('the shipped protocol does not load');
    const forms = (parseYaml(readFileSync(yaml, 'utf8')) as { forms: Array<{ id: string }> }).forms;
    expect(forms.map((form) => form.id)).toEqual(shipped.protocol.forms.map((form) => form.id));
    const missing = exotrial(['import', 'redcap', join(folder, 'no-such.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-such.csv does not exist');
    const notDictionary = exotrial(['import', 'redcap', join(out, 'data.csv')]);
    expect(notDictionary.code).toBe(1);
    expect(notDictionary.stderr).toContain('not a REDCap data dictionary');
  });

  it('records one audit event per export, never the date-shifting key', async () => {
    const shifted = withData([
      'export',
      'odm',
      '--shift-dates',
      'a long secret key',
      '--out',
      join(folder, 'shifted.xml'),
    ]);
    expect(shifted.code, shifted.stderr).toBe(0);
    const database = await openDatabase(target.target);
    try {
      const events = await database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['actor_label', 'new_value'])
          .where('action', '=', 'export.run')
          .orderBy('seq')
          .execute(),
      );
      expect(events.map((event) => (event.new_value as { kind: string }).kind)).toEqual([
        'odm-metadata',
        'sdtm-csv',
        'redcap',
        'odm',
      ]);
      expect(events[0]?.actor_label).toMatch(/^cli \(/);
      expect(events.at(-1)?.new_value).toMatchObject({ datesShifted: true });
      expect(JSON.stringify(events)).not.toContain('a long secret key');
    } finally {
      await database.close();
    }
  });
});
