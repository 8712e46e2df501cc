import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliCaller } from '../../src/cli/cli-caller.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { recordConsent } from '../../src/participants/consent.service.ts';
import { screenParticipant } from '../../src/participants/participant.service.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from '../support/cli.ts';
import { freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// Each case spawns the real CLI (Node + tsx compiling the sources): allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const today = new Date().toISOString().slice(0, 10);

describe('exotrial import data and import template', () => {
  let target: TestTarget;
  let folder: string;

  beforeAll(async () => {
    target = await freshTarget('pglite');
    const database = await openDatabase(target.target);
    try {
      const { studyId } = await bootstrap(database, testConfig(target.target), pino({ level: 'silent' }));
      const site = await database.read((db) =>
        db.selectFrom('site').select('site_id').executeTakeFirstOrThrow(),
      );
      const coordinator = cliCaller('test');
      coordinator.user.roles = ['study_coordinator'];
      coordinator.user.siteIds = [site.site_id];
      for (let index = 0; index < 2; index += 1) {
        const participantId = await screenParticipant(database, studyId, coordinator, {
          siteId: site.site_id,
          screeningDate: today,
        });
        await recordConsent(database, studyId, coordinator, participantId, {
          formVersion: '1.0',
          consentedAt: `${today}T00:00:00Z`,
          signer: 'participant',
        });
      }
    } finally {
      await database.close();
    }
    folder = mkdtempSync(join(tmpdir(), 'exotrial-data-import-cli-'));
  });
  afterAll(async () => {
    await target?.dispose();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('writes a template, then imports it filled in: a dry run first, then the import, then again unchanged', () => {
    const templatePath = join(folder, 'template.csv');
    const template = exotrial(['import', 'template', '--visit', 'screening', '--out', templatePath], {
      target: target.target,
    });
    expect(template.code, template.stderr).toBe(0);
    const lines = readFileSync(templatePath, 'utf8').trimEnd().split('\r\n');
    const header = lines[0]?.split(',') ?? [];
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual([
      'RJ-S001,screening,1',
      'RJ-S002,screening,1',
    ]);
    const filled = lines.map((line, index) => {
      if (index === 0) return line;
      const cells = line.split(',');
      cells[header.indexOf('vitals.heartRate')] = index === 1 ? '88' : '400';
      cells[header.indexOf('vitals.temperature')] = '37.1';
      return cells.join(',');
    });
    const file = join(folder, 'filled.csv');
    writeFileSync(file, `${filled.join('\r\n')}\r\n`);

    const dry = exotrial(['import', 'data', file, '--dry-run'], { target: target.target });
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stdout).toContain('Dry run, nothing written: filled.csv');
    expect(dry.stdout).toContain(
      '  line 3 (vitals.heartRate): Must be within 0–300 /min (values outside are not possible).',
    );
    expect(dry.stdout).toContain('  line 2: RJ-S001 screening vitals.heartRate: null → 88');

    const refused = exotrial(['import', 'data', file], { target: target.target });
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toBe(
      `${file}: 1 line of filled.csv cannot be imported; nothing was imported. Correct them, or import with skipBadRows to leave them out.`,
    );
    expect(refused.stderr).toContain('  line 3 (vitals.heartRate): Must be within 0–300');

    const skipped = exotrial(['import', 'data', file, '--skip-bad-rows'], { target: target.target });
    expect(skipped.stdout).toContain('Imported: filled.csv');
    expect(skipped.stdout).toContain('values entered 2, changed 0');
    expect(skipped.stdout).toContain('Skipped lines: 3.');

    const again = exotrial(['import', 'data', file, '--skip-bad-rows'], { target: target.target });
    expect(again.stdout).toContain('values entered 0, changed 0, unchanged 2');
  });

  it('refuses a mapping that is not JSON and a format it does not know, in one line', () => {
    const file = join(folder, 'vitals.csv');
    writeFileSync(file, 'Subject,visit,heartRate\nRJ-S001,screening,88\n');
    const mapping = join(folder, 'mapping.json');
    writeFileSync(mapping, '{"columns": {"Subject": "participant"');
    const badMapping = exotrial(['import', 'data', file, '--mapping', mapping, '--dry-run'], {
      target: target.target,
    });
    expect(badMapping.code).toBe(1);
    expect(badMapping.stderr.trim()).toBe(
      `${mapping}: The mapping is not JSON: write {"columns": {"File column": "form.item"}}.`,
    );
    writeFileSync(mapping, '{"columns": {"Subject": "participant"}}');
    const mapped = exotrial(['import', 'data', file, '--mapping', mapping, '--dry-run'], {
      target: target.target,
    });
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(mapped.stdout).toContain('values entered 0, changed 0, unchanged 1');
    const format = exotrial(['import', 'data', file, '--format', 'sav'], { target: target.target });
    expect(format.stderr.trim()).toBe(
      '--format sav is not a format of the import: use csv, xlsx, odm or redcap.',
    );
  });
});
