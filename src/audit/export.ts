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

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet (CSV injection): prefix a quote.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The whole trail of a study in seq order, as CSV (one event a line, JSON values in cells) or as a
 * JSON array, yielded in chunks a page at a time so that any length streams. Hashes are included,
 * so a reader can verify the chain independently (see README: audit chain).
 */
export async function* exportAuditTrail(
  database: Database,
  studyId: string,
  format: ExportFormat,
): AsyncGenerator<string> {
  let first = true;
  if (format === 'csv') yield `${columns.join(',')}\r\n`;
  else yield '[';
  for await (const rows of auditEventPages(database, studyId)) {
    const lines = rows.map((row) => {
      const record: Record<(typeof columns)[number], unknown> = {
        ...toEventView(row),
        prevHash: row.prev_hash,
        hash: row.hash,
      };
      if (format === 'csv') return `${columns.map((column) => csvField(record[column])).join(',')}\r\n`;
      const json = `${first ? '\n' : ',\n'}${JSON.stringify(record)}`;
      first = false;
      return json;
    });
    yield lines.join('');
  }
  if (format === 'json') yield first ? ']\n' : '\n]\n';
}
