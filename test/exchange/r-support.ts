import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'vitest';

export const REPOSITORY_ROOT = join(import.meta.dirname, '..', '..');

export function rscriptWithHaven(): boolean {
  const probe = spawnSync('Rscript', ['-e', 'library(haven)'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/** Skips outside CI when R with haven is missing; under CI (CI=true) a missing R fails. */
export function requireHaven(): boolean {
  if (rscriptWithHaven()) return true;
  if (process.env.CI === 'true') {
    it('needs Rscript with haven under CI', () => {
      throw new Error('Rscript with haven is not installed: apt-get install r-base-core r-cran-haven');
    });
  } else {
    it.skip('reading transport files back needs Rscript with haven (skipped outside CI)', () => {});
  }
  return false;
}

export interface HavenColumn {
  name: string;
  label: string;
  type: 'num' | 'char';
  values: Array<string | number | null>;
}
export interface HavenFile {
  file: string;
  label: string;
  rows: number;
  columns: HavenColumn[];
}

/** What haven::read_xpt reads from each file. */
export function readWithHaven(files: string[]): HavenFile[] {
  const result = spawnSync('Rscript', [join(REPOSITORY_ROOT, 'test/exchange/read-xpt.R'), ...files], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`read_xpt failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as HavenFile[];
}
