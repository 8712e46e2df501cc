import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Entries } from '../../src/crf/entries.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { exotrial } from '../support/cli.ts';
import { chromiumPdfText } from '../support/pdf-text.ts';
import { freshTarget, type TestTarget } from '../support/test-app.ts';

// Each case spawns the real CLI (Node + tsx compiling the sources) and Chromium: allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const flat = (path: string) => chromiumPdfText(readFileSync(path)).text.replace(/\s*\n\s*/g, ' ');

describe('exotrial casebook and exotrial crf blank', () => {
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-casebook-cli-'));
  let source: TestTarget;

  /** Reads the database between commands (PGlite is one process's at a time). */
  async function read<T>(
    work: (database: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
  ): Promise<T> {
    const database = await openDatabase(source.target);
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    source = await freshTarget('pglite');
    const demo = exotrial(['demo', '--subjects', '3', '--seed', '7'], { target: source.target });
    expect(demo.code, demo.stderr).toBe(0);
  });
  afterAll(async () => {
    await source?.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('writes the casebook of a participant named by study number, with its values, and audits the export', async () => {
    const participant = await read((database) =>
      database.kysely
        .selectFrom('participant as p')
        .innerJoin('form_record as r', 'r.participant_id', 'p.participant_id')
        .select(['p.participant_id', 'p.study_number', 'r.entries'])
        .where('p.study_number', 'is not', null)
        .where('r.visit_id', '=', 'day-1/pre-dose')
        .where('r.form_id', '=', 'vitals')
        .orderBy('p.study_number')
        .executeTakeFirstOrThrow(),
    );
    const studyNumber = participant.study_number ?? '';
    const heartRate = (participant.entries as Entries).heartRate?.value;
    expect(typeof heartRate).toBe('number');
    const out = join(folder, 'casebook.pdf');
    const result = exotrial(['casebook', studyNumber, '--out', out], { target: source.target });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`^Wrote .*casebook\\.pdf: the casebook of ${studyNumber} \\(en, \\d+ bytes\\)`),
    );
    const text = flat(out);
    expect(text).toContain(`Casebook ${studyNumber}`);
    const heading = 'Vital signs and oxygen support — Day 1 (dose 1) · Before the dose';
    expect(text).toContain(heading);
    // The form's own lines: up to the next form's heading.
    const preDose = text.slice(text.indexOf(heading) + heading.length).split(' — ')[0];
    expect(preDose).toMatch(new RegExp(`Heart rate ${heartRate} /min rev\\. \\d`));
    expect(text).toContain('Appendix: audit trail');
    const exported = await read((database) =>
      database.kysely
        .selectFrom('audit_event')
        .select(['actor_label', 'new_value', 'context'])
        .where('action', '=', 'export.run')
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow(),
    );
    expect(exported.actor_label).toMatch(/^cli casebook \(/);
    expect(exported.new_value).toMatchObject({ kind: 'casebook-pdf', participant: studyNumber });
    expect(exported.context).toMatchObject({ participantId: participant.participant_id });
  });

  it('refuses a participant that is not in the study in one line, writing nothing', () => {
    const out = join(folder, 'nobody.pdf');
    const result = exotrial(['casebook', 'RJ-999', '--out', out], { target: source.target });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^Participant RJ-999 .* was not found\.$/);
    expect(existsSync(out)).toBe(false);
  });

  it('writes blank worksheets of one visit in Chinese, and names the visits for an unknown one', () => {
    const out = join(folder, 'screening-zh.pdf');
    const result = exotrial(['crf', 'blank', '--visit', 'screening', '--lang', 'zh', '--out', out], {
      target: source.target,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^Wrote .*screening-zh\.pdf: \d+ blank worksheet\(s\) of visit screening \(zh\)/,
    );
    const text = flat(out);
    for (const label of ['知情同意', '人口学资料', '出生日期', '受试者编号', '签名缩写'])
      expect(text).toContain(label);
    const unknown = exotrial(['crf', 'blank', '--visit', 'day-0', '--out', join(folder, 'none.pdf')], {
      target: source.target,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /There is no visit "day-0" in the protocol: give one of screening, day-1,/,
    );
    expect(existsSync(join(folder, 'none.pdf'))).toBe(false);
  });
});
