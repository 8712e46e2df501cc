import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Database } from '../db/connection.ts';
import { csvLines } from '../exchange/csv.ts';
import { DomainError } from '../kernel/errors.ts';
import { formatOf, splitHl7Messages } from '../lab-interface/drop-folder.ts';
import { receiveLabMessage } from '../lab-interface/lab-message.service.ts';
import { decodeMessage } from '../lab-interface/message-text.ts';
import { importRanges, listRanges } from '../labs/range.service.ts';
import { RANGE_COLUMNS } from '../labs/range-csv.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import { readTextInput } from './cli-files.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

type SiteOptions = DatabaseOptions & { site: string };

async function siteIdOf(database: Database, studyId: string, site: string): Promise<string> {
  const row = await database.read((db) =>
    db
      .selectFrom('site')
      .select('site_id')
      .where('study_id', '=', studyId)
      .where((eb) => eb.or([eb('site_id', '=', site), eb('code', '=', site)]))
      .executeTakeFirst(),
  );
  if (!row) throw new CliUserError(`There is no site ${site}: give a site's code or id.`);
  return row.site_id;
}

/** The bad lines of a file the import refused whole, one per line of output. */
function refusal(error: unknown): string | null {
  if (!(error instanceof DomainError) || error.code !== 'validation_failed') return null;
  const badRows = (error.details as { badRows?: Array<{ line: number; message: string }> } | undefined)
    ?.badRows;
  if (!badRows) return null;
  return [
    `${error.message.split('. Line')[0]}.`,
    ...badRows.map((row) => `  line ${row.line}: ${row.message}`),
  ].join('\n');
}

/** `exotrial labs ranges import FILE --site S`: the site's ranges replaced by the file's, or nothing changed. */
export const importLabRanges = async (file: string, options: SiteOptions) => {
  const csv = readTextInput(file, 'a CSV file of reference ranges');
  const result = await withStudyDatabase(options, async (database, studyId) => {
    const siteId = await siteIdOf(database, studyId, options.site);
    try {
      return await importRanges(database, studyId, cliCaller('labs ranges import'), siteId, {
        csv,
        fileName: basename(file),
      });
    } catch (error) {
      const message = refusal(error);
      throw message ? new CliUserError(message) : error;
    }
  });
  process.stdout.write(
    `Imported ${result.ranges.length} reference ranges for site ${result.siteId} (replacing ${result.replaced}).\n`,
  );
};

/** `exotrial labs ranges list --site S`: the site's ranges as the CSV the import reads. */
export const listLabRanges = async (options: SiteOptions) => {
  const list = await withStudyDatabase(options, async (database, studyId) => {
    const siteId = await siteIdOf(database, studyId, options.site);
    return database.read((db) => listRanges(db, studyId, cliCaller('labs ranges list'), siteId));
  });
  const rows = list.ranges.map((range) => [
    range.itemKey,
    range.sex ?? '',
    range.ageLow ?? '',
    range.ageHigh ?? '',
    range.low ?? '',
    range.high ?? '',
    range.unit,
  ]);
  process.stdout.write(csvLines([[...RANGE_COLUMNS], ...rows], 'raw'));
};

/**
 * `exotrial labs receive FILE`: each message of the file received as if dropped in the folder, one
 * line per message with its acknowledgement; a message not taken makes the command fail.
 */
export const receiveLabFile = async (file: string, options: DatabaseOptions) => {
  readTextInput(file, 'a laboratory message file (HL7 v2 or a FHIR bundle)');
  const decoded = decodeMessage(readFileSync(file));
  if (!decoded.ok) throw new CliUserError(`${file}: ${decoded.problem} Nothing was received.`);
  const text = decoded.text;
  const format = formatOf(file);
  const messages = format === 'fhir' ? [text] : splitHl7Messages(text);
  if (messages.length === 0) throw new CliUserError(`${file} holds no message.`);
  const receipts = await withStudyDatabase(options, async (database, studyId) => {
    const done = [];
    for (const raw of messages) {
      done.push(
        await receiveLabMessage(database, studyId, cliCaller('labs receive'), {
          format,
          source: 'file',
          raw,
        }),
      );
    }
    return done;
  });
  const lines = receipts.map(
    (receipt) => `${receipt.ackCode} ${receipt.controlId ?? '(no control id)'}: ${receipt.text}`,
  );
  const refused = receipts.filter((receipt) => receipt.ackCode !== 'AA').length;
  if (refused > 0) {
    throw new CliUserError(
      `${file}: ${refused} of ${receipts.length} messages not taken: ${lines.join('; ')}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
};
