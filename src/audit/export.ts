import { stringify } from 'csv-stringify/sync';
import type { Database } from '../db/connection.ts';
import { auditEventPages, toEventView } from './audit.query.ts';

export type ExportFormat = 'csv' | 'json';

const columns = [
  'seq',
  'eventId',
  'occurredAt',
  'actorType',
  'actorId',
  'actorLabel',
  'action',
  'entityType',
  'entityId',
  'field',
  'oldValue',
  'newValue',
  'reason',
  'context',
  'prevHash',
  'hash',
] as const;

/**
 * One CSV line (csv-stringify, RFC 4180). Values that are not text are written as JSON. A text
 * starting with =, +, -, @, tab or CR is prefixed with a quote, so a spreadsheet does not run it
 * as a formula (CSV injection); the JSON export keeps every value exactly, for verification.
 */
function csvLine(values: readonly unknown[]): string {
  return stringify(
    [
      values.map((value) =>
        value === null || value === undefined || typeof value === 'string' || typeof value === 'number'
          ? value
          : JSON.stringify(value),
      ),
    ],
    {
      record_delimiter: 'windows',
      quoted_match: /[\r\n]/,
      escape_formulas: true,
    },
  );
}

/**
 * The whole trail of a study in seq order, as CSV (one event a line, JSON values in cells) or as a
 * JSON array, yielded in chunks a page at a time so that any length streams. Hashes are included,
 * so a reader can verify the chain independently (see docs/architecture.md, design notes: audit chain).
 */
export async function* exportAuditTrail(
  database: Database,
  studyId: string,
  format: ExportFormat,
): AsyncGenerator<string> {
  let first = true;
  if (format === 'csv') yield csvLine(columns);
  else yield '[';
  for await (const rows of auditEventPages(database, studyId)) {
    const lines = rows.map((row) => {
      // The export is the stored event, as its hash covers it: names are read at display time only.
      const { actorName: _display, ...stored } = toEventView(row);
      const record: Record<(typeof columns)[number], unknown> = {
        ...stored,
        prevHash: row.prev_hash,
        hash: row.hash,
      };
      if (format === 'csv') return csvLine(columns.map((column) => record[column]));
      const json = `${first ? '\n' : ',\n'}${JSON.stringify(record)}`;
      first = false;
      return json;
    });
    yield lines.join('');
  }
  if (format === 'json') yield first ? ']\n' : '\n]\n';
}
