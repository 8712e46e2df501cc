import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// Each case spawns the real CLI (Node + tsx compiling the sources): allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const RANGES =
  'item,sex,ageLow,ageHigh,low,high,unit\nlabs.alt,M,,,9,50,U/L\ncreatinine,M,60,,0.75,1.2,mg/dL\n';

describeEachDatabase('exotrial labs ranges', (kind) => {
  let target: TestTarget;
  let folder: string;

  beforeAll(async () => {
    target = await freshTarget(kind);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-labs-cli-'));
    const database = await openDatabase(target.target);
    try {
      await bootstrap(database, testConfig(target.target), pino({ level: 'silent' }));
    } finally {
      await database.close();
    }
  });
  afterAll(async () => {
    await target?.dispose();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  };
  const run = (args: string[]) => exotrial(['labs', 'ranges', ...args], { target: target.target });

  it('imports a site’s ranges by site code and lists them back as the CSV it reads', () => {
    const imported = run(['import', write('ranges.csv', RANGES), '--site', 'RJ']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe('Imported 2 reference ranges for site ruijin (replacing 0).\n');
    const listed = run(['list', '--site', 'RJ']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\r\n')).toEqual([
      'item,sex,ageLow,ageHigh,low,high,unit',
      'labs.alt,M,,,9,50,U/L',
      'labs.creatinine,M,60,,0.75,1.2,mg/dL',
      '',
    ]);
  });

  it('refuses a file with a bad line in one message naming each line, and changes nothing', () => {
    const bad = write(
      'bad.csv',
      'item,sex,ageLow,ageHigh,low,high,unit\nlabs.alt,M,,,9,50,U/L\nlabs.alt,M,,,9,50,mg/dL\n',
    );
    const refused = run(['import', bad, '--site', 'RJ']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("line 3: unit 'mg/dL' is not one of labs.alt's units (U/L, ukat/L).");
    const listed = run(['list', '--site', 'RJ']);
    expect(listed.stdout).toContain('labs.creatinine');
  });

  it('names a site that does not exist', () => {
    const result = run(['list', '--site', 'XX']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("There is no site XX: give a site's code or id.");
  });

  it('receives a file of laboratory messages, one acknowledgement per message, and fails on a message not taken', () => {
    const message = (id: string, value: string) =>
      `MSH|^~\\&|LIS|RJ|EXO|MEX|20261205||ORU^R01|${id}|P|2.5\nPID|1||MRN-9^^^RJ^MR\nOBR|1||L|CHEM|||20261205\nOBX|1|NM|1742-6^ALT^LN||${value}|U/L|||||F\n`;
    const received = exotrial(
      ['labs', 'receive', write('results.hl7', message('CLI-1', '40') + message('CLI-2', '41'))],
      {
        target: target.target,
      },
    );
    expect(received.stderr).toBe('');
    expect(received.code).toBe(0);
    // No participant has the identifier: both results wait for review.
    expect(received.stdout).toBe(
      'AA CLI-1: 0 results written, 1 waiting for review.\nAA CLI-2: 0 results written, 1 waiting for review.\n',
    );
    const refused = exotrial(['labs', 'receive', write('bad.hl7', message('CLI-3', 'forty'))], {
      target: target.target,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '1 of 1 messages not taken: AE CLI-3: OBX 1 has value type NM but its value "forty" is not a number.',
    );
  });
});
