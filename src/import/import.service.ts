import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import { metaDataVersionOids } from '../exchange/odm/odm-metadata.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import type { Protocol } from '../protocol/schema.ts';
import { siteProtocols } from '../protocol/site-version.ts';
import { type ImportFormat, type ImportResult, LISTED } from './import.schema.ts';
import { ImportPlan } from './import-plan.ts';
import type { ImportRow, RowProblem } from './import-row.ts';
import { type WriteContext, type WriteOutcome, writePlannedRecords } from './import-write.ts';

export interface ImportSource {
  format: ImportFormat;
  fileName: string;
  sha256: string;
  /** The file's rows, read with the protocol (a table's columns are items of it). */
  rows: (protocol: Protocol) => AsyncIterable<ImportRow>;
}

export interface ImportProgress {
  phase: 'reading' | 'writing';
  rows: number;
  values: number;
  recordsDone: number;
  recordsTotal: number;
}

export interface ImportOptions {
  /** Check and report, write nothing. */
  dryRun?: boolean;
  /** Import the good lines of a file with bad lines (otherwise such a file imports nothing). */
  skipBadRows?: boolean;
  /** Why locked or signed records may change; without it they are refused. */
  overrideLocked?: string;
  /** Dates are checked against today at each participant's site by this clock. */
  clock?: Date;
  onProgress?: (progress: ImportProgress) => void;
}

/** Thrown inside the transaction to roll a pass back and carry out what it found. */
class RolledBack extends Error {
  constructor(readonly outcome: WriteOutcome) {
    super('rolled back');
  }
}

/** Study number and screening number → participant id. */
async function participantNumbers(db: Db, studyId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('participant')
    .select(['participant_id', 'screening_number', 'study_number'])
    .where('study_id', '=', studyId)
    .execute();
  const numbers = new Map<string, string>();
  for (const row of rows) {
    numbers.set(row.screening_number, row.participant_id);
    if (row.study_number) numbers.set(row.study_number, row.participant_id);
  }
  return numbers;
}

async function readPlan(database: Database, studyId: string, source: ImportSource, options: ImportOptions) {
  const { protocol, versions, numbers } = await database.read(async (db) => {
    const protocols = await siteProtocols(db, studyId);
    const oids = metaDataVersionOids(protocols.all);
    // An ODM file names the version each value was entered under by the MetaDataVersion OID the
    // export gives it: such values are read, and new records written, under that version.
    const versions = new Map(
      protocols.all.map((version) => [oids.get(version.versionNo) ?? '', version] as const),
    );
    return {
      protocol: protocols.current.protocol,
      versions,
      numbers: await participantNumbers(db, studyId),
    };
  });
  const plan = new ImportPlan(protocol, numbers, versions);
  for await (const row of source.rows(protocol)) {
    plan.add(row);
    if (plan.rows % 1_000 === 0) {
      options.onProgress?.({
        phase: 'reading',
        rows: plan.rows,
        values: plan.values,
        recordsDone: 0,
        recordsTotal: 0,
      });
    }
  }
  if (plan.rows === 0) {
    throw validationFailed(
      [{ field: 'file', message: `${source.fileName} holds no rows of data under its header.` }],
      `${source.fileName} holds no data to import.`,
    );
  }
  return plan;
}

/** Edit-check queries ever raised in the study: each failing check inserts a new one, closing keeps the row. */
const editCheckQueries = async (trx: Tx, studyId: string) =>
  Number(
    (
      await trx
        .selectFrom('data_query')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('study_id', '=', studyId)
        .where('origin', '=', 'edit_check')
        .executeTakeFirstOrThrow()
    ).count,
  );

/**
 * Imports form data from a file, all or nothing, in one transaction:
 * 1. every row is read and placed in the records it fills (participant by study or screening number,
 *    visit, form, item), each value read as the form reads it;
 * 2. the records are written through the one form writer, each with the checks of data entry; a
 *    record refused is a problem of its lines and the pass goes on, so every problem is listed.
 * A file with problems writes nothing (the transaction rolls back) and is refused with its problems;
 * with `skipBadRows` the pass is run again without the bad lines until none is left, then committed.
 * A dry run makes the same pass and always rolls back: its answer is what the import would do.
 * Values equal to those saved are no change, so the same file imported twice changes nothing.
 */
export async function importFormData(
  database: Database,
  studyId: string,
  caller: Caller,
  source: ImportSource,
  options: ImportOptions = {},
): Promise<ImportResult> {
  authorize(caller.user, 'crf.import');
  const plan = await readPlan(database, studyId, source, options);
  const context: WriteContext = {
    studyId,
    caller,
    auditReason: `imported from ${source.fileName} (sha-256 ${source.sha256})`,
    overrideLocked: options.overrideLocked,
    clock: options.clock ?? new Date(),
    listed: LISTED,
  };
  const excluded = new Set(plan.badLines);
  for (;;) {
    const pass = await writePass(database, { ...context, source, plan, options }, excluded);
    const retry = options.skipBadRows === true && pass.outcome.badLines.size > 0;
    for (const line of pass.outcome.badLines) excluded.add(line);
    if (retry) continue;
    const result = resultOf(source, plan, pass.outcome, excluded, {
      dryRun: options.dryRun === true,
      commit: pass.committed,
      queriesOpened: pass.queriesOpened,
    });
    if (!pass.committed && !options.dryRun) {
      throw new DomainError(
        'validation_failed',
        `${excluded.size} line${excluded.size === 1 ? '' : 's'} of ${source.fileName} cannot be imported; nothing was imported. Correct them, or import with skipBadRows to leave them out.`,
        result,
      );
    }
    return result;
  }
}

type PassContext = WriteContext & { source: ImportSource; plan: ImportPlan; options: ImportOptions };

/**
 * One pass in one transaction: every planned record without the excluded lines, through the writer.
 * It commits only when clean (no new problem, and no bad line unless they are skipped) and not a dry
 * run; otherwise it rolls back and says what it found.
 */
async function writePass(database: Database, pass: PassContext, excluded: ReadonlySet<number>) {
  const { source, plan, options, studyId, caller } = pass;
  const records = [...plan.records.values()];
  let queriesOpened = 0;
  let committed = false;
  const outcome = await database
    .transaction(async (trx) => {
      const queriesBefore = await editCheckQueries(trx, studyId);
      const written = await writePlannedRecords(trx, pass, records, excluded, (done) => {
        if (done % 100 !== 0 && done !== records.length) return;
        options.onProgress?.({
          phase: 'writing',
          rows: plan.rows,
          values: plan.values,
          recordsDone: done,
          recordsTotal: records.length,
        });
      });
      queriesOpened = (await editCheckQueries(trx, studyId)) - queriesBefore;
      const clean = written.badLines.size === 0 && (excluded.size === 0 || options.skipBadRows === true);
      if (!clean || options.dryRun) throw new RolledBack(written);
      // A file that changes nothing (imported before) leaves no trace: nothing was written.
      if (written.changeCount > 0) {
        await recordAudit(trx, studyId, caller.actor, {
          action: 'crf.import',
          entityType: 'data_import',
          entityId: source.sha256,
          reason: pass.auditReason,
          newValue: importSummary(source, plan, written, excluded),
        });
      }
      committed = true;
      return written;
    })
    .catch((error: unknown) => {
      if (error instanceof RolledBack) return error.outcome;
      throw error;
    });
  return { outcome, committed, queriesOpened };
}

function importSummary(
  source: ImportSource,
  plan: ImportPlan,
  written: WriteOutcome,
  excluded: ReadonlySet<number>,
) {
  return {
    fileName: source.fileName,
    sha256: source.sha256,
    format: source.format,
    rows: plan.rows,
    recordsCreated: written.recordsCreated,
    recordsChanged: written.recordsChanged,
    valuesEntered: written.valuesEntered,
    valuesChanged: written.valuesChanged,
    skippedLines: [...excluded].sort((a, b) => a - b).slice(0, LISTED),
  };
}

function resultOf(
  source: ImportSource,
  plan: ImportPlan,
  outcome: WriteOutcome,
  excluded: Set<number>,
  how: { dryRun: boolean; commit: boolean; queriesOpened: number },
): ImportResult {
  const problems: RowProblem[] = [...plan.problems, ...outcome.problems].sort((a, b) => a.line - b.line);
  return {
    fileName: source.fileName,
    sha256: source.sha256,
    format: source.format,
    dryRun: how.dryRun,
    imported: how.commit,
    rows: plan.rows,
    values: plan.values,
    recordsCreated: outcome.recordsCreated,
    recordsChanged: outcome.recordsChanged,
    valuesEntered: outcome.valuesEntered,
    valuesChanged: outcome.valuesChanged,
    valuesUnchanged: outcome.valuesUnchanged,
    queriesOpened: how.queriesOpened,
    problems: problems.slice(0, LISTED),
    problemCount: problems.length,
    badLines: [...excluded].sort((a, b) => a - b).slice(0, LISTED),
    changes: outcome.changes,
    changeCount: outcome.changeCount,
  };
}
