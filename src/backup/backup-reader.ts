import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupFileError,
  type BackupHeader,
  type BackupProgress,
  type BackupTable,
  type BackupTrailer,
  backupHeaderSchema,
  type RowValues,
  tableMarkerSchema,
  trailerSchema,
} from './backup-format.ts';

export type BackupItem =
  | { kind: 'header'; header: BackupHeader }
  | { kind: 'table'; table: BackupTable }
  | { kind: 'row'; table: BackupTable; values: RowValues }
  | { kind: 'end'; trailer: BackupTrailer };

/** The uncompressed lines of a gzip file, streamed; read and gzip errors become BackupFileError. */
async function* gzipLines(file: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const input = createReadStream(file);
  const gunzip = createGunzip();
  // pipe() does not pass on a read error (a missing file): hand it to the stream being iterated.
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      pending += decoder.write(chunk);
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        yield pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    }
  } catch (error) {
    if (error instanceof BackupFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'Z_BUF_ERROR'
          ? 'the file ends early (truncated)'
          : code === 'Z_DATA_ERROR'
            ? `it is not gzip data, or it is damaged (${(error as Error).message})`
            : (error as Error).message;
    throw new BackupFileError(`${file} cannot be read as an exotrial backup: ${reason}.`);
  }
  pending += decoder.end();
  if (pending.length > 0) yield pending;
}

function parseLine(file: string, line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new BackupFileError(`${file} is damaged: line ${lineNumber} is not JSON.`);
  }
}

/** Checks the header's own claims before anything else is trusted, newer formats first. */
function parseHeader(file: string, value: unknown): BackupHeader {
  const loose = value as { format?: unknown; formatVersion?: unknown } | null;
  if (!loose || typeof loose !== 'object' || loose.format !== BACKUP_FORMAT) {
    throw new BackupFileError(
      `${file} is not an exotrial backup (its first line has no "format": "${BACKUP_FORMAT}").`,
    );
  }
  if (typeof loose.formatVersion === 'number' && loose.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new BackupFileError(
      `${file} was written by a newer exotrial (backup format ${loose.formatVersion}; this version reads format ${BACKUP_FORMAT_VERSION}). Upgrade exotrial to restore it.`,
    );
  }
  const parsed = backupHeaderSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupFileError(
      `${file} has a damaged header: ${issue?.path.join('.') || 'header'}: ${issue?.message ?? 'invalid'}.`,
    );
  }
  return parsed.data;
}

/**
 * Reads a backup file item by item, checking as it goes: the header, tables in the header's order
 * with the header's row counts, rows of the right width holding only text or null, the trailer's
 * row total and SHA-256 over every byte before it, and nothing after the trailer. A truncated,
 * corrupted or edited file throws BackupFileError; the caller decides what it had done meanwhile.
 */
export async function* readBackup(
  file: string,
  onProgress?: (progress: BackupProgress) => void,
  phase: BackupProgress['phase'] = 'check',
): AsyncGenerator<BackupItem> {
  const hash = createHash('sha256');
  let header: BackupHeader | undefined;
  let tableIndex = -1;
  let table: BackupTable | undefined;
  let rowsOfTable = 0;
  let rows = 0;
  let totalRows = 0;
  let trailer: BackupTrailer | undefined;
  let lineNumber = 0;
  const closeTable = () => {
    if (table && rowsOfTable !== table.rows) {
      throw new BackupFileError(
        `${file} is damaged: table ${table.name} holds ${rowsOfTable} rows, its header says ${table.rows}.`,
      );
    }
  };
  for await (const line of gzipLines(file)) {
    lineNumber += 1;
    if (trailer)
      throw new BackupFileError(`${file} is damaged: data follows the end marker (line ${lineNumber}).`);
    const value = parseLine(file, line, lineNumber);
    if (!header) {
      header = parseHeader(file, value);
      totalRows = header.tables.reduce((sum, t) => sum + t.rows, 0);
      hash.update(`${line}\n`, 'utf8');
      yield { kind: 'header', header };
      continue;
    }
    if (Array.isArray(value)) {
      if (!table)
        throw new BackupFileError(`${file} is damaged: line ${lineNumber} is a row outside any table.`);
      if (value.length !== table.columns.length || !value.every((v) => v === null || typeof v === 'string')) {
        throw new BackupFileError(
          `${file} is damaged: line ${lineNumber} is not a row of ${table.columns.length} text values of table ${table.name}.`,
        );
      }
      hash.update(`${line}\n`, 'utf8');
      rowsOfTable += 1;
      rows += 1;
      if (rowsOfTable > table.rows) closeTable();
      yield { kind: 'row', table, values: value as RowValues };
      if (onProgress && rows % 1000 === 0) onProgress({ phase, table: table.name, rows, totalRows });
      continue;
    }
    const marker = tableMarkerSchema.safeParse(value);
    if (marker.success) {
      closeTable();
      tableIndex += 1;
      const expected = header.tables[tableIndex];
      if (expected?.name !== marker.data.table) {
        throw new BackupFileError(
          `${file} is damaged: table ${marker.data.table} found where the header lists ${expected?.name ?? 'no more tables'}.`,
        );
      }
      table = expected;
      rowsOfTable = 0;
      hash.update(`${line}\n`, 'utf8');
      yield { kind: 'table', table };
      continue;
    }
    const end = trailerSchema.safeParse(value);
    if (!end.success)
      throw new BackupFileError(`${file} is damaged: line ${lineNumber} is not part of the format.`);
    closeTable();
    if (tableIndex !== header.tables.length - 1) {
      throw new BackupFileError(
        `${file} is damaged: it ends after ${tableIndex + 1} of the ${header.tables.length} tables its header lists.`,
      );
    }
    const digest = hash.digest('hex');
    if (end.data.sha256 !== digest || end.data.rows !== rows) {
      throw new BackupFileError(
        `${file} is damaged or was edited: its checksum does not match its content (SHA-256 ${digest}, the file says ${end.data.sha256}).`,
      );
    }
    trailer = end.data;
  }
  if (!header) throw new BackupFileError(`${file} is empty: it holds no backup.`);
  if (!trailer) {
    throw new BackupFileError(
      `${file} is incomplete: it ends without its end marker (truncated, or the backup did not finish).`,
    );
  }
  onProgress?.({ phase, table: table?.name ?? '', rows, totalRows });
  yield { kind: 'end', trailer };
}

/** Reads the whole file once and returns its header if every check passes. */
export async function checkBackupFile(
  file: string,
  onProgress?: (progress: BackupProgress) => void,
): Promise<{ header: BackupHeader; trailer: BackupTrailer }> {
  let header: BackupHeader | undefined;
  for await (const item of readBackup(file, onProgress)) {
    if (item.kind === 'header') header = item.header;
    if (item.kind === 'end' && header) return { header, trailer: item.trailer };
  }
  throw new BackupFileError(`${file} is incomplete.`);
}
