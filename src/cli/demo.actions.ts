import { SingleBar } from 'cli-progress';
import { sql } from 'kysely';
import pino from 'pino';
import { bootstrap } from '../study/bootstrap.ts';
import { generateSyntheticTrial } from '../synth/trial.ts';
import { CliUserError } from './cli-errors.ts';
import { type DatabaseOptions, openCommandDatabase } from './database-options.ts';

interface DemoOptions extends DatabaseOptions {
  subjects: string;
  sites: string;
  seed: string;
  force?: boolean;
}

function wholeNumber(name: string, text: string, low: number, high: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < low || value > high) {
    throw new CliUserError(`--${name} must be a whole number from ${low} to ${high}, not "${text}".`);
  }
  return value;
}

export const demo = async (options: DemoOptions) => {
  const subjects = wholeNumber('subjects', options.subjects, 1, 10_000);
  const sites = wholeNumber('sites', options.sites, 1, 50);
  const seed = wholeNumber('seed', options.seed, 0, 4_294_967_295);
  const { database, config } = await openCommandDatabase(options, 'create');
  try {
    const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
    // Synthetic data need not wait for each commit's WAL flush (a crash loses at most the last few
    // transactions, never consistency): on the embedded database this is most of a write's time.
    if (database.kind === 'pglite') {
      await database.transaction((trx) => sql`set synchronous_commit = off`.execute(trx));
    }
    const bar = new SingleBar({
      format:
        'Synthetic trial [{bar}] {value}/{total} participants, {rate} per second, {duration_formatted} elapsed, ETA {eta_formatted}',
      stream: process.stderr,
      // Without a terminal (a log file, CI), a line every ten seconds instead of a redrawn bar.
      noTTYOutput: true,
      notTTYSchedule: 10_000,
      hideCursor: true,
    });
    bar.start(subjects, 0, { rate: '0.0' });
    const started = performance.now();
    const result = await generateSyntheticTrial(database, studyId, {
      subjects,
      sites,
      seed,
      force: options.force === true,
      onProgress: (done) =>
        bar.update(done, { rate: (done / ((performance.now() - started) / 1000)).toFixed(1) }),
    }).finally(() => bar.stop());
    const { counts, written } = result;
    const statusLine = Object.entries(counts.byStatus)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status} ${count}`)
      .join(', ');
    const where = config.database.kind === 'pglite' ? config.database.dataDir : 'PostgreSQL (DATABASE_URL)';
    process.stdout.write(
      [
        `Synthetic MEXCOVID trial written to ${where} (seed ${seed}); every participant is marked synthetic.`,
        `  sites: ${result.sites.map((site) => `${site.code} (${site.siteId})`).join(', ')}`,
        `  screened ${counts.screened}: ${statusLine}`,
        `  consented ${counts.consented}, forms saved ${counts.forms}`,
        `  queries: open ${counts.queries.open}, answered ${counts.queries.answered}, closed ${counts.queries.closed}; deviations: confirmed ${counts.deviations.confirmed}, proposed ${counts.deviations.proposed}`,
        `  product: ${written.product.lots} lots released (${written.product.vialsMade} vials), ${written.product.shipments} shipments, ${written.product.readings} temperature readings, ${written.product.excursions} excursion (${written.product.vialsQuarantined} vials quarantined, ${written.product.vialsDestroyed} destroyed)`,
        `  doses: completed ${written.doses.completed}, interrupted ${written.doses.interrupted}, not given ${written.doses.notGiven}`,
        `  adverse events ${written.adverseEvents} (serious ${written.serious}, related ${written.related}, fatal ${written.fatal}); site reports on time ${written.siteReports.onTime}, late ${written.siteReports.late}; sponsor reports ${written.sponsorReports}`,
        'Sign in with any of these accounts; the password is shown only now:',
        ...result.staff.map((user) => `  ${user.email.padEnd(40)} ${user.roles.join(', ')}`),
        `  password: ${result.password}`,
        '',
      ].join('\n'),
    );
  } finally {
    await database.close();
  }
};
