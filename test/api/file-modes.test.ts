import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeBackup } from '../../src/backup/backup.service.ts';
import { exportSdtmDirectory } from '../../src/exchange/sdtm/sdtm-files.ts';
import { fileSink } from '../../src/exchange/stream-file.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Backups and exported files hold the trial's data: their owner alone may read them. */
describeEachDatabase('files written for the operator', (kind) => {
  let t: TestApp;
  let folder: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-modes-'));
  }, 300_000);
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await t?.close();
  });

  it('a backup file is created 0600', async () => {
    const file = join(folder, 'study.exotrial-backup.gz');
    await writeBackup(t.database, file);
    expect(modeOf(file)).toBe(0o600);
  }, 300_000);

  it('an SDTM export folder is created 0700 and its files 0600', async () => {
    // The folder is made (its parent must exist: a mistyped parent is refused, not created).
    const directory = join(folder, 'sdtm');
    await exportSdtmDirectory(t.database, t.studyId, directory, {
      format: 'csv',
      privacy: { includeIdentifiers: false, dateShiftKey: null },
    });
    expect(modeOf(directory)).toBe(0o700);
    const files = readdirSync(directory);
    expect(files).toContain('define.xml');
    for (const file of files) expect(modeOf(join(directory, file)), file).toBe(0o600);
  }, 300_000);

  it('the writer of ODM, FHIR and REDCap export files creates them 0600', async () => {
    const path = join(folder, 'export.xml');
    const sink = fileSink(path);
    await sink.write('<ODM/>');
    await sink.close();
    expect(modeOf(path)).toBe(0o600);
  });
});
