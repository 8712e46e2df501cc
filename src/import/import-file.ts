import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import type { Database } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError } from '../kernel/errors.ts';
import type { ColumnMapping } from './column-mapping.ts';
import type { ImportFormat, ImportResult } from './import.schema.ts';
import { type ImportOptions, importFormData } from './import.service.ts';
import { UnreadableSource } from './import-row.ts';
import { odmFileRows } from './odm-rows.ts';
import { redcapRows } from './redcap-rows.ts';
import { csvLines, tableRows } from './table-rows.ts';
import { xlsxLines } from './xlsx-lines.ts';

/** The SHA-256 of a file, read as a stream. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The format a file's name says (`.xlsx`, `.xml`/`.odm`), CSV otherwise. */
export function formatOfName(fileName: string): ImportFormat {
  const extension = extname(fileName).toLowerCase();
  if (extension === '.xlsx') return 'xlsx';
  if (extension === '.xml' || extension === '.odm') return 'odm';
  return 'csv';
}

const formatNames: Record<ImportFormat, string> = {
  csv: 'CSV',
  xlsx: 'an XLSX workbook',
  odm: 'CDISC ODM 1.3.2 XML',
  redcap: 'a REDCap records export (flat CSV)',
};

export interface FileImport extends ImportOptions {
  /** The name the file is known by (the upload's, the path's base name): audit events give it. */
  fileName: string;
  format?: ImportFormat;
  mapping?: ColumnMapping;
}

/**
 * Imports the form data of a file on disk (the CLI's, or an upload kept in a temporary file): its
 * SHA-256 first, then its rows in its format, streamed. A file that is not readable as its format is
 * refused whole (400) with what to fix.
 */
export async function importFormDataFile(
  database: Database,
  studyId: string,
  caller: Caller,
  path: string,
  options: FileImport,
): Promise<ImportResult> {
  const format = options.format ?? formatOfName(options.fileName);
  const sha256 = await fileSha256(path);
  try {
    return await importFormData(
      database,
      studyId,
      caller,
      {
        format,
        fileName: options.fileName,
        sha256,
        rows: (protocol) => {
          if (format === 'odm') return odmFileRows(path);
          if (format === 'redcap') return redcapRows(csvLines(path), protocol);
          return tableRows(format === 'xlsx' ? xlsxLines(path) : csvLines(path), protocol, options.mapping);
        },
      },
      options,
    );
  } catch (error) {
    if (!(error instanceof UnreadableSource)) throw error;
    throw new DomainError(
      'validation_failed',
      `${options.fileName} cannot be imported as ${formatNames[format]}: ${error.message}`,
      { fields: [{ field: 'file', message: error.message }] },
    );
  }
}
