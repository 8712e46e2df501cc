import type { RawValue } from './read-value.ts';

/** One value of a source, named as the source names it. */
export interface RowCell {
  /** The column (CSV, XLSX) or item (ODM) as the source writes it, for messages. */
  column: string;
  /** The form, when the source names it (`vitals.temperature`, ODM); otherwise found from the visit. */
  formId?: string;
  itemId: string;
  raw: RawValue;
}

/**
 * One row of a source: a participant's values at one visit. A wide CSV line is one row; a long CSV
 * line is a row of one cell; an ODM file gives a row for each form it holds.
 */
export interface ImportRow {
  /** Where in the file: the line (CSV), the sheet row (XLSX), the n-th FormData (ODM). */
  line: number;
  /** The study number, or the screening number. */
  participant: string;
  /** The visit key: `screening`, `day-1/post-30min`. */
  visit: string;
  /** The day of a repeating visit, or the entry of a log form; 1 otherwise. */
  instance: number;
  cells: RowCell[];
  /**
   * The metadata version the source says the values were entered under (ODM: the MetaDataVersionOID
   * of the ClinicalData holding the row); none for tables.
   */
  metaDataVersion?: string;
}

/** A problem of one row, by line. */
export interface RowProblem {
  line: number;
  participant?: string;
  visit?: string;
  /** The column or item concerned, when one is. */
  column?: string;
  /** In English (the CLI's language), and in both languages for the web app. */
  message: string;
  messages: { en: string; zh: string };
}

/** A file that cannot be read as its format at all (no header, not XML): nothing is imported. */
export class UnreadableSource extends Error {
  override name = 'UnreadableSource';
}
