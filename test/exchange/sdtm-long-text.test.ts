// Text longer than a SAS transport file holds, through every way out of the SDTM export (one data set
// over HTTP, the whole-study ZIP, the CLI): every row is there, SUPPCM holds the rest, and R's haven
// reads CM and SUPPCM back so that CMTRT and the QVALs in QNAM order give the original text. A value
// no transport file can hold is a 422 naming participant and variable, and nothing is written.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import { defaultPrivacy } from '../../src/exchange/privacy.ts';
import { loadSdtmStudy, writeSdtm } from '../../src/exchange/sdtm/sdtm-export.ts';
import { planSdtm } from '../../src/exchange/sdtm/sdtm-plan.ts';
import type { App } from '../../src/kernel/context.ts';
import { buildApp } from '../../src/server/app.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import {
  describeEachDatabase,
  freshTarget,
  type TestApp,
  type TestTarget,
  testConfig,
} from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { buildDemoTrial, type DemoTrial } from './demo-trial.ts';
import { type HavenFile, readWithHaven, rscriptWithHaven } from './r-support.ts';

// The CLI cases spawn the real command (Node compiling the sources): allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const phrase = 'Paracetamol 500 mg tablets by mouth every six hours as needed for fever above 38.5 °C, ';
/** A concomitant medication of 1,001 characters (the form allows 4,000). */
const LONG_MEDICATION = `${phrase.repeat(12).slice(0, 1000)}.`;
/** 168 Chinese characters, 504 UTF-8 bytes, no blank to cut at. */
const CHINESE_INDICATION = '新型冠状病毒肺炎伴发热咳嗽，'.repeat(12);

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** haven's columns of a file as rows of values by name. */
function havenRows(file: HavenFile | undefined): Array<Record<string, string | number | null>> {
  if (!file) throw new Error('file not read');
  return Array.from({ length: file.rows }, (_, index) =>
    Object.fromEntries(file.columns.map((column) => [column.name, column.values[index] ?? null])),
  );
}

/** A parent value followed by its SUPP-- pieces in QNAM order (CMTRT1, CMTRT2, …, CMTRT10). */
function rejoined(
  parent: Record<string, string | number | null>,
  supplemental: Array<Record<string, string | number | null>>,
  variable: string,
): string {
  const pieces = supplemental
    .filter(
      (row) =>
        row.USUBJID === parent.USUBJID &&
        row.IDVARVAL === String(parent.CMSEQ) &&
        new RegExp(`^${variable}\\d+$`).test(String(row.QNAM)),
    )
    .sort(
      (a, b) => Number(String(a.QNAM).slice(variable.length)) - Number(String(b.QNAM).slice(variable.length)),
    );
  return String(parent[variable] ?? '') + pieces.map((row) => String(row.QVAL)).join('');
}

/** CM and SUPPCM as haven reads them: every CM row, each long value whole again. */
function expectWholeText(cmFile: string, suppFile: string, cmRows: number) {
  const [cm, supp] = readWithHaven([cmFile, suppFile]);
  expect(cm?.rows).toBe(cmRows);
  expect(supp?.label).toBe('Supplemental Qualifiers for CM');
  const suppRows = havenRows(supp);
  for (const row of suppRows) {
    expect(bytes(String(row.QVAL))).toBeLessThanOrEqual(200);
    expect(row).toMatchObject({ RDOMAIN: 'CM', IDVAR: 'CMSEQ', QORIG: 'CRF' });
  }
  const long = havenRows(cm).find((row) => String(row.CMTRT).startsWith('Paracetamol'));
  if (!long) throw new Error('the long conmed is not in CM');
  expect(bytes(String(long.CMTRT))).toBeLessThanOrEqual(200);
  // Cut between words: CMTRT ends a word and the next piece starts with the blank after it.
  expect(LONG_MEDICATION.startsWith(String(long.CMTRT))).toBe(true);
  expect(String(long.CMTRT)).toMatch(/\S$/);
  expect(String(suppRows.find((row) => row.QNAM === 'CMTRT1')?.QVAL)).toMatch(/^ \S/);
  expect(rejoined(long, suppRows, 'CMTRT')).toBe(LONG_MEDICATION);
  expect(rejoined(long, suppRows, 'CMINDC')).toBe(CHINESE_INDICATION);
  expect(suppRows.map((row) => row.QNAM)).toEqual(
    expect.arrayContaining(['CMTRT1', 'CMTRT4', 'CMINDC1', 'CMINDC2']),
  );
  expect(suppRows.find((row) => row.QNAM === 'CMTRT1')?.QLABEL).toBe(
    'Reported Name of Drug, Med, or Therapy',
  );
}

describeEachDatabase('SDTM text over 200 bytes and values a transport file cannot hold', (kind) => {
  let target: TestTarget;
  let database: Database | null = null;
  let app: App | null = null;
  let users: TrialUsers;
  let demo: DemoTrial;
  let studyId: string;
  let folder: string;
  const haven = rscriptWithHaven();

  beforeAll(async () => {
    target = await freshTarget(kind);
    const config = testConfig(target.target, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    database = await openDatabase(target.target);
    const logger = pino({ level: 'silent' });
    ({ studyId } = await bootstrap(database, config, logger));
    app = await buildApp({ config, database, studyId }, { logger });
    await app.ready();
    const t = { app, database, studyId, config, setupSecret: null, close: async () => {} } as TestApp;
    users = await createTrialUsers(t);
    demo = await buildDemoTrial(t, users);
    const saved = await as(app, users.coordinator).put(
      `/api/v1/participants/${demo.enrolledId}/visits/screening/forms/conmeds?instance=2`,
      {
        version: 0,
        entries: {
          medication: { value: LONG_MEDICATION },
          category: { value: 'antiviral' },
          indication: { value: CHINESE_INDICATION },
          route: { value: 'oral' },
          startDate: { value: demo.screeningDate },
          ongoing: { value: true },
        },
      },
    );
    expect(saved.statusCode, saved.body).toBe(200);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-sdtm-long-'));
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await target?.dispose();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const download = (url: string) => {
    if (!app) throw new Error('the app is closed');
    return app.inject({ method: 'GET', url, headers: users.dataManager.headers });
  };

  it('keeps the whole text in CSV, which has no length limit, and takes domain names in either case', async () => {
    const upper = await download('/api/v1/exports/sdtm/CM?format=csv');
    const lower = await download('/api/v1/exports/sdtm/cm?format=csv');
    expect(upper.statusCode, upper.body).toBe(200);
    expect(upper.body).toBe(lower.body);
    expect(upper.body.split('\r\n').filter(Boolean)).toHaveLength(3); // header and two conmeds
    expect(upper.body).toContain(LONG_MEDICATION);
    expect(upper.body).toContain(CHINESE_INDICATION);
    const supp = await download('/api/v1/exports/sdtm/suppcm?format=csv');
    expect(supp.statusCode).toBe(400);
    expect(supp.json().message).toContain('SUPPCM exists only in the XPT export');
  });

  it('answers CM over HTTP with every row, and SUPPCM with the rest of each long value', async () => {
    const cm = await download('/api/v1/exports/sdtm/cm?format=xpt');
    const supp = await download('/api/v1/exports/sdtm/SUPPCM?format=xpt');
    expect(cm.statusCode, cm.body).toBe(200);
    expect(supp.statusCode, supp.body).toBe(200);
    expect(cm.rawPayload.length % 80).toBe(0);
    writeFileSync(join(folder, 'cm.xpt'), cm.rawPayload);
    writeFileSync(join(folder, 'suppcm.xpt'), supp.rawPayload);
    if (!haven) return;
    expectWholeText(join(folder, 'cm.xpt'), join(folder, 'suppcm.xpt'), 2);
  });

  it('zips CM, SUPPCM and a define.xml that says where the text continues', async () => {
    const response = await download('/api/v1/exports/sdtm?format=xpt');
    expect(response.statusCode, response.body.slice(0, 200)).toBe(200);
    const zip = join(folder, 'sdtm.zip');
    writeFileSync(zip, response.rawPayload);
    const unzipped = join(folder, 'unzipped');
    execFileSync('unzip', ['-q', '-o', zip, '-d', unzipped]);
    const files = readdirSync(join(unzipped, 'sdtm')).sort();
    expect(files).toContain('suppcm.xpt');
    expect(files.filter((file) => file.startsWith('supp'))).toEqual(['suppcm.xpt']);
    const define = readFileSync(join(unzipped, 'sdtm', 'define.xml'), 'utf8');
    expect(define).toContain('<ItemGroupDef OID="IG.SUPPCM" Domain="CM" Name="SUPPCM"');
    expect(define).toMatch(/<ItemDef OID="IT.CM.CMTRT"[^>]*def:CommentOID="COM.CM.CMTRT"/);
    expect(define).toMatch(/Text over 200 bytes continues in SUPPCM.QVAL \(QNAM CMTRT1 to CMTRT\d\)/);
    if (!haven) return;
    expectWholeText(join(unzipped, 'sdtm', 'cm.xpt'), join(unzipped, 'sdtm', 'suppcm.xpt'), 2);
  });

  /** Sets the CRP result as a faulty import could leave it (10^300, which no IBM double holds), or back. */
  const corruptCrp = async (value: number | null) => {
    const open = database ?? (await openDatabase(target.target));
    try {
      await open.transaction(async (trx) => {
        const record = await trx
          .selectFrom('form_record')
          .select(['record_id', 'entries'])
          .where('participant_id', '=', demo.enrolledId)
          .where('form_id', '=', 'labs')
          .executeTakeFirstOrThrow();
        const entries = record.entries as Record<string, { value?: unknown }>;
        entries.crp = { ...entries.crp, value: value ?? 48.3 };
        await sql`update form_record set entries = ${JSON.stringify(entries)}::jsonb where record_id = ${record.record_id}`.execute(
          trx,
        );
      });
    } finally {
      if (!database) await open.close();
    }
  };

  it('refuses with a 422 naming participant, variable and value, before a byte is sent', async () => {
    await corruptCrp(1e300);
    try {
      const lb = await download('/api/v1/exports/sdtm/lb?format=xpt');
      expect(lb.statusCode).toBe(422);
      expect(lb.headers['content-type']).toContain('application/json');
      const body = lb.json();
      expect(body.error).toBe('export_unwritable');
      expect(body.message).toMatch(/^LB\.LBSTRESN of participant MEXCOVID-\S+ cannot be written/);
      expect(body.message).toContain('"1e+300"');
      expect(body.details).toMatchObject({ dataset: 'LB', variable: 'LBSTRESN', value: '1e+300' });
      const zip = await download('/api/v1/exports/sdtm?format=xpt');
      expect(zip.statusCode).toBe(422);
      expect(zip.json().error).toBe('export_unwritable');
      // CSV holds any number: it is still complete.
      const csv = await download('/api/v1/exports/sdtm/lb?format=csv');
      expect(csv.statusCode).toBe(200);
      expect(csv.body).toContain('1e+300');
    } finally {
      await corruptCrp(null);
    }
  });

  it('breaks a data set off rather than end it short when the data change between count and write', async () => {
    if (!database || !app) throw new Error('the app is closed');
    const study = await loadSdtmStudy(database, studyId, defaultPrivacy);
    const plan = await planSdtm(database, studyId, study, { format: 'xpt', datasets: ['CM'] });
    expect(plan.rows.get('CM')).toBe(2);
    const added = await as(app, users.coordinator).put(
      `/api/v1/participants/${demo.enrolledId}/visits/screening/forms/conmeds?instance=3`,
      {
        version: 0,
        entries: {
          medication: { value: 'Ibuprofen' },
          category: { value: 'antiviral' },
          indication: { value: 'Fever' },
          startDate: { value: demo.screeningDate },
          ongoing: { value: true },
        },
      },
    );
    expect(added.statusCode, added.body).toBe(200);
    const chunks: Array<Uint8Array | string> = [];
    const sink = async (chunk: Uint8Array | string) => {
      chunks.push(chunk);
    };
    await expect(
      writeSdtm(database, studyId, study, plan, new Map([['CM', sink]]), { created: new Date() }),
    ).rejects.toThrow('The data of CM changed while it was being exported (3 rows instead of 2)');
    // The closing padding never went out: the reply is destroyed, not ended as if complete.
    expect(chunks.length).toBe(3); // library header, member header, the rows
  });

  const exotrial = (args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    delete env.DATABASE_URL;
    const where = target.target;
    if (where.kind === 'postgres') env.DATABASE_URL = where.url;
    const data = where.kind === 'pglite' ? ['--data', where.dataDir] : [];
    const result = spawnSync(process.execPath, ['bin/exotrial-dev.js', ...args, ...data], {
      env,
      encoding: 'utf8',
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('exports through the CLI whole, or fails in one line leaving nothing behind', async () => {
    // The command opens the database itself: PGlite's folder takes one process at a time.
    await app?.close();
    await database?.close();
    app = null;
    database = null;
    const out = join(folder, 'cli', 'sdtm');
    mkdirSync(join(folder, 'cli'));
    const done = exotrial(['export', 'sdtm', '--out', out]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^CM\t3 rows\t.*cm\.xpt$/m);
    expect(done.stdout).toMatch(/^SUPPCM\t\d+ rows\t.*suppcm\.xpt$/m);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['cm.xpt', 'suppcm.xpt', 'define.xml']));
    if (haven) expectWholeText(join(out, 'cm.xpt'), join(out, 'suppcm.xpt'), 3);

    const before = readdirSync(out).sort();
    const cmBefore = readFileSync(join(out, 'cm.xpt'));
    await corruptCrp(1e300);
    const failedOut = join(folder, 'cli', 'refused');
    const failed = exotrial(['export', 'sdtm', '--out', failedOut]);
    expect(failed.code).toBe(1);
    const lines = failed.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^LB\.LBSTRESN of participant MEXCOVID-\S+ cannot be written .*"1e\+300"/);
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(failedOut)).toBe(false);
    expect(readdirSync(join(folder, 'cli'))).toEqual(['sdtm']); // no temporary folder left either
    // An earlier export in the folder asked for stays as it was.
    const again = exotrial(['export', 'sdtm', '--out', out]);
    expect(again.code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(before);
    expect(readFileSync(join(out, 'cm.xpt')).equals(cmBefore)).toBe(true);
  });
});
