import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { defaultPrivacy } from '../../src/exchange/privacy.ts';
import { exportSdtmDirectory } from '../../src/exchange/sdtm/sdtm-files.ts';
import { exotrial } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget } from '../support/test-app.ts';

// `exotrial demo --protocol FILE` on the randomised example: a whole blinded trial (list sealed by the
// statistician, every enrolled participant allocated and dosed by their arm), which the SDTM export
// and the report then read; and bad files refused before anything is written.

const rct = 'protocols/examples/mexcovid-rct.yaml';
type Row = Record<string, string>;
const csvRows = (text: string): Row[] => parse(text, { columns: true, record_delimiter: '\r\n' });

/** Whether the command left the database untouched: an empty folder, or a PostgreSQL database without tables. */
async function untouched(fresh: TestTarget): Promise<boolean> {
  const { target } = fresh;
  if (target.kind === 'pglite') return readdirSync(target.dataDir).length === 0;
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const result = await client.query(
      "select count(*)::int as count from information_schema.tables where table_schema = 'public'",
    );
    return result.rows[0]?.count === 0;
  } finally {
    await client.end();
  }
}

describeEachDatabase('exotrial demo --protocol', (kind) => {
  let fresh: TestTarget;
  let folder: string;
  beforeAll(async () => {
    fresh = await freshTarget(kind);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-demo-protocol-'));
  });
  afterAll(async () => {
    await fresh?.dispose();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('refuses a missing or invalid protocol file with exit 1 and a message, writing nothing', async () => {
    const missing = exotrial(['demo', '--protocol', join(folder, 'nowhere.yaml')], { target: fresh.target });
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toContain(`Cannot read the protocol file ${join(folder, 'nowhere.yaml')}`);
    // The ratio names an arm the design does not have.
    const broken = join(folder, 'broken.yaml');
    writeFileSync(
      broken,
      readFileSync(rct, 'utf8').replace('ratio: { mscs-exo: 2, placebo: 1 }', 'ratio: { mscs-exo: 2 }'),
    );
    const invalid = exotrial(['demo', '--protocol', broken], { target: fresh.target });
    expect(invalid.code, invalid.stderr).toBe(1);
    expect(invalid.stderr).toContain(`The protocol file ${broken} is not valid`);
    expect(invalid.stderr).toContain("the ratio gives no share to arm 'placebo'");
    expect(await untouched(fresh)).toBe(true);
  });

  it('runs a randomised trial end to end: allocated, dosed, exported blinded and unblinded, reported', async () => {
    const demo = exotrial(['demo', '--protocol', rct, '--subjects', '10', '--sites', '2', '--seed', '4'], {
      target: fresh.target,
    });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('Synthetic MEXCOVID-RCT trial');
    expect(demo.stdout).toMatch(/statistician@demo\.exotrial\.org\s+statistician/);
    const allocatedLine =
      /randomisation: list of \d+ entries sealed \(hash [0-9a-f]{12}…\); (\d+) participants allocated/.exec(
        demo.stdout,
      );
    expect(allocatedLine, demo.stdout).not.toBeNull();

    const database = await openDatabase(fresh.target);
    try {
      const studyId = 'mexcovid-rct';
      const enrolled = await database.read((db) =>
        db
          .selectFrom('participant as p')
          .leftJoin('randomisation_allocation as a', 'a.participant_id', 'p.participant_id')
          .select(['p.participant_id', 'p.study_number', 'a.arm'])
          .where('p.day1_date', 'is not', null)
          .execute(),
      );
      expect(enrolled.length).toBeGreaterThan(3);
      expect(enrolled.every((participant) => participant.arm !== null)).toBe(true);
      // The seed decides the allocations whatever the day: this one gives both arms.
      expect(new Set(enrolled.map((participant) => participant.arm))).toEqual(
        new Set(['mscs-exo', 'placebo']),
      );
      expect(Number(allocatedLine?.[1])).toBe(enrolled.length);
      const given = await database.read((db) =>
        db
          .selectFrom('dosing_administration')
          .select(['participant_id', 'volume_ml'])
          .where('status', '=', 'completed')
          .execute(),
      );
      const dosed = new Set(given.map((dose) => dose.participant_id));
      expect(given.every((dose) => Number(dose.volume_ml) === 3)).toBe(true);

      // The statistician may see arms: DM carries each one's allocation, and the actual arm once dosed.
      const unblinded = await exportSdtmDirectory(database, studyId, join(folder, 'unblinded'), {
        format: 'csv',
        privacy: defaultPrivacy,
        csvCells: 'raw',
        reader: { roles: ['statistician'] },
      });
      expect(unblinded.files.find((file) => file.domain === 'TE')?.rows).toBe(4);
      const dm = csvRows(readFileSync(join(folder, 'unblinded', 'dm.csv'), 'utf8'));
      for (const participant of enrolled) {
        const row = dm.find((entry) => entry.SUBJID === participant.study_number);
        const code = (participant.arm ?? '').toUpperCase();
        expect(row?.ARMCD).toBe(code);
        expect(row?.ACTARMCD).toBe(dosed.has(participant.participant_id) ? code : '');
      }
      // EX names what each dose was: the product, or the placebo arm's own treatment.
      const ex = csvRows(readFileSync(join(folder, 'unblinded', 'ex.csv'), 'utf8'));
      expect(ex.length).toBeGreaterThan(0);
      for (const dose of ex) {
        const arm = enrolled.find(
          (participant) => dose.USUBJID === `MEXCOVID-RCT-${participant.study_number}`,
        )?.arm;
        expect(dose.EXTRT).toBe(arm === 'placebo' ? 'Placebo (nebulised saline)' : 'MSCs-Exo');
      }
    } finally {
      await database.close();
    }

    // The command acts as a blinded operator: its DM names no arm.
    const out = join(folder, 'sdtm');
    const exported = exotrial(['export', 'sdtm', '--format', 'xpt', '--out', out], { target: fresh.target });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^TE\t4 rows/m);
    expect(readFileSync(join(out, 'dm.xpt')).toString('latin1')).not.toMatch(/placebo|mscs-exo/i);
    const blindedEx = readFileSync(join(out, 'ex.xpt')).toString('latin1');
    expect(blindedEx).toContain('BLINDED');
    expect(blindedEx).not.toMatch(/placebo|mscs-exo/i);
    const report = exotrial(['report', '--format', 'json', '--out', join(folder, 'report.json')], {
      target: fresh.target,
    });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8'))).toBeTypeOf('object');
  }, 600_000);

  it('refuses a protocol of another study than the one the database holds', () => {
    const other = exotrial(['demo', '--protocol', 'protocols/mexcovid.yaml', '--subjects', '1'], {
      target: fresh.target,
    });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(
      'This database holds study mexcovid-rct, but --protocol is study mexcovid',
    );
  });

  it('refuses, before anyone is screened, more enrolments at a site than a stratum of the list holds', () => {
    const crowded = exotrial(['demo', '--protocol', rct, '--subjects', '80', '--sites', '1', '--force'], {
      target: fresh.target,
    });
    expect(crowded.code).toBe(1);
    expect(crowded.stderr).toMatch(
      /The demo would enrol up to \d+ participants at site ruijin, more than the 36 entries of a stratum/,
    );
  });
});
