import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { createStatistician, enrolIn, readyIn } from './randomisation-support.ts';

// SDTM DM of the randomised example: each participant's planned arm is their allocation, shown only
// to those who may see arms (armsVisible); TA and TE list both arms and their elements for everyone.

const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));

type Row = Record<string, string>;
const csvRows = (text: string): Row[] => parse(text, { columns: true, record_delimiter: '\r\n' });

describeEachDatabase('SDTM arms of a randomised study', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let statistician: SignedIn;
  const enrolled: string[] = [];
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-sdtm-arms-'));

  const dm = async (user: SignedIn) => {
    const response = await as(t.app, user).get('/api/v1/exports/sdtm/dm?format=csv&raw=true');
    expect(response.statusCode, response.body).toBe(200);
    return { body: response.body, rows: csvRows(response.body) };
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { EXOTRIAL_PROTOCOL: rctProtocol });
    users = await createTrialUsers(t);
    statistician = await createStatistician(t);
    const generated = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 20261210 });
    expect(generated.statusCode, generated.body).toBe(200);
    const sealed = await as(t.app, statistician).post('/api/v1/randomisation/list/seal', {
      listHash: generated.json().listHash,
    });
    expect(sealed.statusCode, sealed.body).toBe(200);
    // Six of one stratum: the 2:1 list gives both arms among any three in a row.
    for (let index = 0; index < 6; index++) {
      const participantId = await readyIn(t, users, 'severe');
      const response = await enrolIn(t, users, participantId);
      expect(response.statusCode, response.body).toBe(200);
      enrolled.push(response.json().studyNumber);
    }
    // Eligible and waiting: not enrolled, so not allocated.
    await readyIn(t, users, 'critical');
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("gives an unblinded reader each participant's allocated arm, not the design's first", async () => {
    const allocations = await t.database.read((db) =>
      db
        .selectFrom('randomisation_allocation as a')
        .innerJoin('participant as p', 'p.participant_id', 'a.participant_id')
        .select(['p.study_number', 'a.arm'])
        .execute(),
    );
    expect(new Set(allocations.map((allocation) => allocation.arm))).toEqual(
      new Set(['mscs-exo', 'placebo']),
    );
    const { rows } = await dm(statistician);
    for (const allocation of allocations) {
      const row = rows.find((entry) => entry.SUBJID === allocation.study_number);
      const name =
        allocation.arm === 'placebo' ? 'Placebo (nebulised saline)' : 'MSCs-Exo aerosol inhalation';
      // Allocated, no dose yet: the planned arm, no actual arm, and the reason SDTMIG 3.3 names.
      expect(row).toMatchObject({
        ARMCD: allocation.arm.toUpperCase(),
        ARM: name,
        ACTARMCD: '',
        ACTARM: '',
        ARMNRS: 'ASSIGNED, NOT TREATED',
      });
    }
    expect(rows).toHaveLength(enrolled.length + 1);
    const waiting = rows.find((row) => !enrolled.includes(row.SUBJID ?? ''));
    expect(waiting).toMatchObject({ ARMCD: '', ARM: '', ARMNRS: 'NOT ASSIGNED' });
  });

  it('withholds every arm from a blinded reader, saying why, in the data set and in the whole export', async () => {
    const single = await dm(users.dataManager);
    const zip = await as(t.app, users.dataManager).get('/api/v1/exports/sdtm?format=csv&raw=true');
    expect(zip.statusCode, zip.body).toBe(200);
    const file = join(folder, 'sdtm.zip');
    writeFileSync(file, zip.rawPayload);
    const whole = execFileSync('unzip', ['-p', file, 'sdtm/dm.csv']).toString();
    for (const body of [single.body, whole]) {
      const rows = csvRows(body);
      expect(rows).toHaveLength(enrolled.length + 1);
      for (const row of rows.filter((entry) => enrolled.includes(entry.SUBJID ?? ''))) {
        expect(row).toMatchObject({ ARMCD: '', ARM: '', ACTARMCD: '', ACTARM: '', ARMNRS: 'BLINDED' });
      }
      expect(body).not.toMatch(/placebo|mscs-exo/i);
    }
  });

  it('lists both planned arms in TA, each with its own treatment element in TE, for blinded readers too', async () => {
    const ta = await as(t.app, users.dataManager).get('/api/v1/exports/sdtm/ta?format=csv&raw=true');
    expect(ta.statusCode, ta.body).toBe(200);
    expect(csvRows(ta.body).map((row) => [row.ARMCD, row.TAETORD, row.ETCD, row.EPOCH])).toEqual([
      ['MSCS-EXO', '1', 'SCRN', 'SCREENING'],
      ['MSCS-EXO', '2', 'TRT', 'TREATMENT'],
      ['MSCS-EXO', '3', 'FU', 'FOLLOW-UP'],
      ['PLACEBO', '1', 'SCRN', 'SCREENING'],
      ['PLACEBO', '2', 'PLACEBO', 'TREATMENT'],
      ['PLACEBO', '3', 'FU', 'FOLLOW-UP'],
    ]);
    const te = await as(t.app, users.dataManager).get('/api/v1/exports/sdtm/te?format=csv&raw=true');
    expect(te.statusCode, te.body).toBe(200);
    expect(csvRows(te.body).map((row) => [row.ETCD, row.ELEMENT, row.TEDUR])).toEqual([
      ['SCRN', 'Screening', ''],
      ['TRT', 'MSCs-Exo inhalation', 'P5D'],
      ['PLACEBO', 'Placebo (nebulised saline)', 'P5D'],
      ['FU', 'Follow-up', ''],
    ]);
  });
});
