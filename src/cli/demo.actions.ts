import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { sql } from 'kysely';
import pino from 'pino';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/connection.ts';
import { bootstrap } from '../study/bootstrap.ts';
import { readProtocolFile } from '../study/protocol-source.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { generateSyntheticTrial } from '../synth/trial.ts';
import { CliUserError } from './cli-errors.ts';
import { checkDataFolder, configFor, type DatabaseOptions } from './database-options.ts';

interface DemoOptions extends DatabaseOptions {
  subjects: string;
  sites: string;
  seed: string;
  protocol?: string;
  force?: boolean;
}

/**
 * The protocol the demo runs: the file given, read and validated before any database is opened (a bad
 * file writes nothing), or the configured one. A database that already holds a study keeps it, so the
 * file must be that study's.
 */
async function demoConfig(options: DemoOptions): Promise<Config> {
  const config = configFor(options);
  if (options.protocol === undefined) return config;
  const protocolFile = resolve(options.protocol);
  await readProtocolFile(protocolFile);
  return { ...config, protocolFile };
}

async function checkSameStudy(database: Database, config: Config, studyId: string): Promise<void> {
  const { protocol } = await database.read((db) => currentProtocol(db, studyId));
  const { identity } = await readProtocolFile(config.protocolFile);
  if (identity.studyId !== protocol.study.id) {
    throw new CliUserError(
      `This database holds study ${protocol.study.id}, but --protocol is study ${identity.studyId}: ` +
        'give an empty data folder (--data DIR) for a demo of another protocol.',
    );
  }
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
  const config = await demoConfig(options);
  checkDataFolder(config, 'create');
  const database = await openDatabase(config.database);
  try {
    const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
    if (options.protocol !== undefined) await checkSameStudy(database, config, studyId);
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
    const { counts, written, randomisation } = result;
    const { protocol } = await database.read((db) => currentProtocol(db, studyId));
    const statusLine = Object.entries(counts.byStatus)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status} ${count}`)
      .join(', ');
    const where = config.database.kind === 'pglite' ? config.database.dataDir : 'PostgreSQL (DATABASE_URL)';
    process.stdout.write(
      [
        `Synthetic ${protocol.study.shortTitle} trial written to ${where} (seed ${seed}); every participant is marked synthetic.`,
        `  sites: ${result.sites.map((site) => `${site.code} (${site.siteId})`).join(', ')}`,
        `  screened ${counts.screened}: ${statusLine}`,
        `  consented ${counts.consented}, forms saved ${counts.forms}`,
        `  queries: open ${counts.queries.open}, answered ${counts.queries.answered}, closed ${counts.queries.closed}; deviations: confirmed ${counts.deviations.confirmed}, proposed ${counts.deviations.proposed}`,
        `  product: ${written.product.lots} lots released (${written.product.vialsMade} vials), ${written.product.shipments} shipments, ${written.product.readings} temperature readings, ${written.product.excursions} excursion (${written.product.vialsQuarantined} vials quarantined, ${written.product.vialsDestroyed} destroyed)`,
        `  doses: completed ${written.doses.completed}, interrupted ${written.doses.interrupted}, not given ${written.doses.notGiven}`,
        ...(randomisation
          ? [
              `  randomisation: list of ${randomisation.entries} entries sealed (hash ${randomisation.listHash.slice(0, 12)}…); ${randomisation.allocated} participants allocated`,
            ]
          : []),
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
