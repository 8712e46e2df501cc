import { SingleBar } from 'cli-progress';
import { writeBackup } from '../backup/backup.service.ts';
import { BackupFileError, type BackupProgress, RestoreRefusedError } from '../backup/backup-format.ts';
import { readAppliedMigrations } from '../backup/catalog.ts';
import { restoreBackup } from '../backup/restore.service.ts';
import { CliUserError } from './cli-errors.ts';
import { checkInputFile, checkOutputFile } from './cli-files.ts';
import { type DatabaseOptions, openCommandDatabase } from './database-options.ts';

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

const labels: Record<BackupProgress['phase'], string> = {
  backup: 'Backup',
  check: 'Checking file',
  restore: 'Restore',
};

/** A progress bar on standard error (only where it is a terminal: logs stay clean). */
function progressBar(): { update: (progress: BackupProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: '{phase} [{bar}] {value}/{total} rows · {table}',
    stream: process.stderr,
    hideCursor: true,
  });
  let phase: BackupProgress['phase'] | undefined;
  return {
    update: (progress) => {
      if (progress.phase !== phase) {
        if (phase) bar.stop();
        phase = progress.phase;
        bar.start(progress.totalRows, 0, { phase: labels[phase], table: '' });
      }
      bar.update(progress.rows, { table: progress.table });
    },
    stop: () => {
      if (phase) bar.stop();
    },
  };
}

/** The backup's own refusals are the user's to fix: exit code 1 with the message. */
async function asUserErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupFileError || error instanceof RestoreRefusedError) {
      throw new CliUserError(error.message);
    }
    throw error;
  }
}

export const backup = async (options: DatabaseOptions & { out: string }) => {
  checkOutputFile(options.out, 'the backup');
  const { database } = await openCommandDatabase(options, 'read');
  const bar = progressBar();
  try {
    const migrations = await database.read(readAppliedMigrations);
    if (migrations.length === 0) {
      throw new CliUserError(
        'The database holds no exotrial data (it was never migrated): nothing to back up.',
      );
    }
    const started = performance.now();
    const summary = await writeBackup(database, options.out, { onProgress: bar.update }).finally(bar.stop);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `Backed up ${summary.rows} rows of ${summary.tables} tables (${summary.auditEvents} audit events) ` +
        `to ${summary.file}: ${megabytes(summary.bytes)} in ${seconds.toFixed(1)} s, SHA-256 ${summary.sha256}\n`,
    );
  } finally {
    await database.close();
  }
};

export const restore = async (
  file: string,
  options: DatabaseOptions & { force?: boolean; allowBrokenAudit?: boolean },
) => {
  // A file that is not even gzip is refused before a database is created for it.
  checkInputFile(file, 'a backup written by `exotrial backup`', 'gzip');
  const { database, config } = await openCommandDatabase(options, 'create');
  const bar = progressBar();
  try {
    const started = performance.now();
    const summary = await asUserErrors(() =>
      restoreBackup(database, file, {
        force: options.force === true,
        allowBrokenAudit: options.allowBrokenAudit === true,
        onProgress: bar.update,
      }),
    ).finally(bar.stop);
    const seconds = (performance.now() - started) / 1000;
    const where = config.database.kind === 'pglite' ? config.database.dataDir : 'PostgreSQL (DATABASE_URL)';
    const lines = [
      `Restored ${summary.rows} rows of ${summary.tables} tables from ${file} into ${where} in ${seconds.toFixed(1)} s` +
        (summary.replacedRows > 0 ? `, replacing ${summary.replacedRows} rows it held` : '') +
        ` (SHA-256 ${summary.sha256}).`,
      ...summary.studies.map(({ studyId, audit }) =>
        audit.intact
          ? `  study ${studyId}: audit trail intact, ${audit.events} events, head ${audit.lastHash}`
          : `  study ${studyId}: audit trail BROKEN at seq ${audit.firstBreak?.seq} (${audit.firstBreak?.message}), restored as it was`,
      ),
      ...(summary.migratedAfter.length > 0
        ? [
            `  then applied ${summary.migratedAfter.length} newer migration(s): ${summary.migratedAfter.join(', ')}`,
          ]
        : []),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await database.close();
  }
};
