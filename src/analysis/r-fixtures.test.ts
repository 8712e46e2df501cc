// Checks that the committed R fixtures are current: re-runs every test/r/*.R script into a temporary
// folder and compares the result with test/fixtures/r. Without Rscript the check is skipped, except
// under CI (CI=true), where a missing R is a failure: the fixtures must not silently go stale.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, fixtureDifferences, parseFixture, R_SCRIPT_DIR } from '../../test/r/fixtures.ts';

const REPOSITORY_ROOT = join(R_SCRIPT_DIR, '..', '..');

function rscriptAvailable(): boolean {
  const probe = spawnSync('Rscript', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

const scripts = readdirSync(R_SCRIPT_DIR)
  .filter((name) => name.endsWith('.R') && name !== 'json.R')
  .sort();

describe('R fixtures are current', () => {
  if (!rscriptAvailable()) {
    if (process.env.CI === 'true') {
      it('needs Rscript under CI', () => {
        throw new Error(
          'Rscript is not on PATH: install R with the survival package (r-base-core r-cran-survival)',
        );
      });
    } else {
      it.skip('re-running test/r/*.R needs Rscript on PATH (skipped outside CI)', () => {});
    }
    return;
  }
  const output = mkdtempSync(join(tmpdir(), 'exotrial-r-fixtures-'));
  afterAll(() => rmSync(output, { recursive: true, force: true }));

  for (const script of scripts) {
    it(`test/r/${script} reproduces its committed fixtures`, () => {
      const folder = mkdtempSync(join(output, script.replace(/\.R$/, '-')));
      const run = spawnSync('Rscript', [join('test', 'r', script), folder], {
        cwd: REPOSITORY_ROOT,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const produced = readdirSync(folder).filter((name) => name.endsWith('.json'));
      expect(produced.length).toBeGreaterThan(0);
      for (const name of produced) {
        const regenerated = parseFixture(readFileSync(join(folder, name), 'utf8'));
        const committed = parseFixture(readFileSync(join(FIXTURE_DIR, name), 'utf8'));
        expect(fixtureDifferences(regenerated, committed), `${name} is stale: see test/r/README.md`).toEqual(
          [],
        );
      }
    }, 120_000);
  }

  it('every committed fixture comes from a script', () => {
    const generators = readdirSync(FIXTURE_DIR)
      .filter((name) => name.endsWith('.json'))
      .map(
        (name) =>
          (parseFixture(readFileSync(join(FIXTURE_DIR, name), 'utf8')) as { generator?: string }).generator,
      );
    for (const generator of generators)
      expect(scripts.map((script) => `test/r/${script}`)).toContain(generator);
  });
});
