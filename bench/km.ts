// Kaplan–Meier on 1,000,000 rows: exotrial's kaplanMeier beside R survival's survfit on the same CSV
// file, in the same run. Prints JSON figures. Each side times its fit alone (the file is read first)
// and also reports reading. Target: the fit in under 1 second.
// Then the whole command, as a user runs it: `exotrial stats km --csv` (start-up, streamed reading,
// fit, JSON) beside `Rscript` with read.csv + survfit, wall time and peak memory of each process
// (peak memory through GNU time, /usr/bin/time, where it is installed). Target: faster and lighter.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kaplanMeier } from '../src/analysis/kaplan-meier.ts';
import { seededRandom } from '../src/synth/random.ts';

const GNU_TIME = '/usr/bin/time';

/** Wall time (best of 3) and peak resident memory of a whole process. */
function timeCommand(command: string, args: string[]): Record<string, number | string> {
  const walls: number[] = [];
  let peakKb: number | undefined;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    const run = existsSync(GNU_TIME)
      ? spawnSync(GNU_TIME, ['-f', '%M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
      : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    walls.push(performance.now() - started);
    if (run.status !== 0) return { failed: (run.stderr || String(run.error)).trim().slice(-500) };
    const lastLine = run.stderr.trim().split('\n').at(-1) ?? '';
    if (existsSync(GNU_TIME)) peakKb = Math.max(peakKb ?? 0, Number(lastLine));
  }
  return {
    wall_ms_best_of_3: Math.round(Math.min(...walls)),
    peak_rss_mb: peakKb === undefined ? 'not measured (no /usr/bin/time)' : Math.round(peakKb / 1024),
  };
}

const ROWS = Number(process.env.BENCH_KM_ROWS ?? 1_000_000);
const folder = mkdtempSync(join(tmpdir(), 'bench-km-'));
try {
  const random = seededRandom(42);
  const lines = ['time,event'];
  for (let index = 0; index < ROWS; index++) {
    // Follow-up in days with one decimal: many ties, as real data has.
    lines.push(`${(Math.floor(random.next() * 3650) / 10).toFixed(1)},${random.next() < 0.7 ? 1 : 0}`);
  }
  const csv = join(folder, 'km.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);

  let started = performance.now();
  const text = readFileSync(csv, 'utf8');
  const data: { time: number; event: 0 | 1 }[] = [];
  let position = text.indexOf('\n') + 1;
  while (position < text.length) {
    const comma = text.indexOf(',', position);
    const end = text.indexOf('\n', comma);
    data.push({
      time: Number(text.slice(position, comma)),
      event: text.charCodeAt(comma + 1) === 49 ? 1 : 0,
    });
    position = end + 1;
  }
  const readMs = performance.now() - started;
  const fits: number[] = [];
  let fit = kaplanMeier(data);
  for (let round = 0; round < 3; round++) {
    started = performance.now();
    fit = kaplanMeier(data);
    fits.push(performance.now() - started);
  }
  const exotrial = {
    read_ms: Math.round(readMs),
    fit_ms_best_of_3: Math.round(Math.min(...fits)),
    fit_ms_first: Math.round(fits[0] ?? 0),
    distinct_times: fit.rows.length,
    median: fit.median,
  };

  const script = [
    'suppressPackageStartupMessages(library(survival))',
    `t0 <- proc.time()[["elapsed"]]; d <- read.csv("${csv}"); t1 <- proc.time()[["elapsed"]]`,
    'best <- Inf; for (i in 1:3) { s <- proc.time()[["elapsed"]]; fit <- survfit(Surv(time, event) ~ 1, data = d); best <- min(best, proc.time()[["elapsed"]] - s) }',
    'm <- survival:::survmean(fit, rmean = "none")$matrix',
    'cat(sprintf(\'{"read_ms": %.0f, "fit_ms_best_of_3": %.0f, "distinct_times": %d, "median": %.17g, "last_surv": %.17g}\', (t1 - t0) * 1000, best * 1000, length(fit$time), m[["median"]], fit$surv[length(fit$surv)]))',
  ].join('\n');
  const r = spawnSync('Rscript', ['-e', script], { encoding: 'utf8' });
  const rFigures =
    r.status === 0
      ? JSON.parse(r.stdout)
      : { skipped: r.error ? 'Rscript is not installed' : r.stderr.trim() };
  const agree =
    r.status === 0
      ? {
          same_median: rFigures.median === fit.median.median,
          last_surv_relative_difference:
            Math.abs((fit.rows[fit.rows.length - 1]?.surv ?? 0) - rFigures.last_surv) / rFigures.last_surv,
        }
      : null;
  const wholeCommand = {
    exotrial_stats_km: timeCommand(process.execPath, [
      join(import.meta.dirname, '..', 'bin', 'exotrial.js'),
      ...['stats', 'km', '--csv', csv, '--time', 'time', '--event', 'event'],
    ]),
    r_read_csv_survfit: timeCommand('Rscript', [
      '-e',
      `suppressPackageStartupMessages(library(survival)); d <- read.csv("${csv}"); fit <- survfit(Surv(time, event) ~ 1, data = d); print(fit)`,
    ]),
  };
  process.stdout.write(
    `${JSON.stringify({ rows: ROWS, exotrial_kaplan_meier: exotrial, r_survfit: rFigures, agreement: agree, whole_command: wholeCommand }, null, 2)}\n`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
