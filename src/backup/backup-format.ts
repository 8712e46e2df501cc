import { z } from 'zod';

/**
 * The backup file: gzip of newline-delimited JSON, readable with `zcat | head`.
 *
 *   line 1       header: format and version, the exotrial version that wrote it, the applied
 *                migrations, every table (columns with their exact types, primary key, row count)
 *                in foreign-key order, and the sequences' values
 *   per table    {"table": name}, then one JSON array per row in primary-key order: each value is
 *                the column's PostgreSQL text form (under UTC, ISO dates, hex bytea) or null
 *   last line    trailer: row total and the SHA-256 of every byte before it (uncompressed)
 *
 * Text forms are what PostgreSQL itself reads back, so every type survives exactly (microsecond
 * timestamps, numeric digits, jsonb, bytea, arrays, NULL apart from the empty string) whatever the
 * engine on either side.
 */
export const BACKUP_FORMAT = 'exotrial-backup';
export const BACKUP_FORMAT_VERSION = 1;

const columnSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  nullable: z.boolean(),
  identityAlways: z.boolean(),
});

const tableSchema = z.object({
  name: z.string().min(1),
  columns: z.array(columnSchema).min(1),
  primaryKey: z.array(z.string()),
  rows: z.number().int().min(0),
});

export const backupHeaderSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int().min(1),
  exotrialVersion: z.string(),
  createdAt: z.string(),
  source: z.object({ kind: z.enum(['pglite', 'postgres']), server: z.string() }),
  migrations: z.array(z.string()),
  tables: z.array(tableSchema),
  sequences: z.array(z.object({ name: z.string(), lastValue: z.string(), isCalled: z.boolean() })),
});
export type BackupHeader = z.infer<typeof backupHeaderSchema>;
export type BackupTable = z.infer<typeof tableSchema>;

export const tableMarkerSchema = z.object({ table: z.string() }).strict();

export const trailerSchema = z
  .object({
    end: z.literal(BACKUP_FORMAT),
    rows: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type BackupTrailer = z.infer<typeof trailerSchema>;

export type RowValues = Array<string | null>;

/** A problem with the backup file itself: nothing has been written to any database. */
export class BackupFileError extends Error {
  override name = 'BackupFileError';
}

/** The target database cannot take this backup (not empty, other migrations, other tables). */
export class RestoreRefusedError extends Error {
  override name = 'RestoreRefusedError';
}

export interface BackupProgress {
  phase: 'backup' | 'check' | 'restore';
  table: string;
  /** Rows done and expected over the whole file (all tables). */
  rows: number;
  totalRows: number;
}
