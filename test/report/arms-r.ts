// Runs test/report/report-arms.R on a by-arm data set: R survival's survdiff, coxph (Efron ties) and
// survfit per arm, binom.test, and Newcombe's interval from prop.test limits, for the report tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFixture } from '../r/fixtures.ts';

const REPOSITORY_ROOT = join(import.meta.dirname, '..', '..');

export const hasRscript = (() => {
  const probe = spawnSync('Rscript', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
})();

export interface ArmRow {
  time: number;
  event: number;
  arm: string;
  /** The randomisation stratum, for the stratified tests. */
  stratum: string;
}

/** Counts of one adverse-event category: x1/n1 in the arm compared, x2/n2 in the reference arm. */
export interface AeCounts {
  category: string;
  x1: number;
  n1: number;
  x2: number;
  n2: number;
}

export interface RTests {
  survdiff: { n: number[]; obs: number[]; exp: number[]; chisq: number; pValue: number };
  cox: {
    coef: number[];
    se: number[];
    hr: number[];
    lower: number[];
    upper: number[];
    pValue: number[];
    lrPValue: number;
    scorePValue: number;
  };
}

export interface RArms extends RTests {
  levels: string[];
  stratified: RTests;
  km: Record<
    string,
    {
      n: number;
      events: number;
      time: number[];
      surv: number[];
      lower: (number | null)[];
      upper: (number | null)[];
      median: number | null;
      medianLower: number | null;
      medianUpper: number | null;
    }
  >;
  differences: Array<{
    category: string;
    difference: number;
    lower: number;
    upper: number;
    clopperPearson1: number[];
    clopperPearson2: number[];
  }>;
}

/** R's results on the rows and counts; throws with R's message when the script fails. */
export function armsInR(rows: readonly ArmRow[], counts: readonly AeCounts[]): RArms {
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-arms-r-'));
  try {
    const ttci = join(folder, 'ttci.csv');
    const ae = join(folder, 'ae.csv');
    const output = join(folder, 'arms.json');
    writeFileSync(
      ttci,
      [
        'time,event,arm,stratum',
        ...rows.map((row) => `${row.time},${row.event},${row.arm},${row.stratum}`),
      ].join('\n'),
    );
    writeFileSync(
      ae,
      ['category,x1,n1,x2,n2', ...counts.map((c) => [c.category, c.x1, c.n1, c.x2, c.n2].join(','))].join(
        '\n',
      ),
    );
    const run = spawnSync('Rscript', [join('test', 'report', 'report-arms.R'), ttci, ae, output], {
      cwd: REPOSITORY_ROOT,
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`report-arms.R failed: ${run.stderr}`);
    return parseFixture(readFileSync(output, 'utf8')) as RArms;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
