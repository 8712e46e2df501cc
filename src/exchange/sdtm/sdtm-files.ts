import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../db/connection.ts';
import type { CsvCells } from '../csv.ts';
import type { PrivacyOptions } from '../privacy.ts';
import { writeFolderWhole } from '../publish.ts';
import { type FileSink, fileSink, OWNER_ONLY_FILE } from '../stream-file.ts';
import { defineXml } from './define-xml.ts';
import {
  type ChunkSink,
  loadSdtmStudy,
  type SdtmFormat,
  type SdtmProgress,
  type SdtmReader,
  writeSdtm,
} from './sdtm-export.ts';
import { planSdtm } from './sdtm-plan.ts';
import type { SdtmDatasetCode } from './variables.ts';

export interface SdtmDirectoryResult {
  directory: string;
  files: Array<{ domain: SdtmDatasetCode; file: string; rows: number; bytes: number }>;
  define: string;
  subjects: number;
}

/** The files an SDTM export writes, so a new export into the same folder removes an earlier one's. */
const sdtmFileNames = /^((supp)?[a-z]{2}\.(xpt|csv)|define\.xml)$/;

/**
 * Writes every SDTM domain (dm.xpt … tv.xpt, or .csv), the SUPP-- data sets the data needs and
 * define.xml into `directory`. Every value is checked before a file is made, and the files are
 * written beside `directory` and moved into it only when all are complete: a failed export leaves
 * nothing behind.
 */
export async function exportSdtmDirectory(
  database: Database,
  studyId: string,
  directory: string,
  options: {
    format: SdtmFormat;
    privacy: PrivacyOptions;
    /** Who the export is for: a randomised study's arms are written only if they may see them. */
    reader?: SdtmReader;
    /** CSV text cells: neutralised for spreadsheets (default) or exact. */
    csvCells?: CsvCells;
    created?: Date;
    onProgress?: (progress: SdtmProgress) => void;
    batchSize?: number;
    /** The option the folder was given by, for messages about it (e.g. "--out"). */
    option?: string;
    /** Runs when every file is complete, before they move into `directory` (to record the export). */
    beforePublish?: (rows: Map<SdtmDatasetCode, number>) => Promise<void>;
  },
): Promise<SdtmDirectoryResult> {
  const created = options.created ?? new Date();
  const study = await loadSdtmStudy(database, studyId, options.privacy, options.reader);
  const plan = await planSdtm(database, studyId, study, {
    format: options.format,
    datasets: 'all',
    onProgress: options.onProgress,
    batchSize: options.batchSize,
  });
  const fileName = (code: SdtmDatasetCode) => `${code.toLowerCase()}.${options.format}`;
  const bytes = await writeFolderWhole(
    directory,
    async (folder) => {
      const files = new Map<SdtmDatasetCode, FileSink>();
      const sinks = new Map<SdtmDatasetCode, ChunkSink>();
      for (const code of plan.datasets) {
        const file = fileSink(join(folder, fileName(code)));
        files.set(code, file);
        sinks.set(code, (chunk) => file.write(chunk));
      }
      try {
        await writeSdtm(database, studyId, study, plan, sinks, {
          created,
          csvCells: options.csvCells,
          onProgress: options.onProgress,
          batchSize: options.batchSize,
        });
      } finally {
        for (const file of files.values()) await file.close();
      }
      writeFileSync(
        join(folder, 'define.xml'),
        defineXml(study, plan, { created, fileExtension: options.format }),
        { mode: OWNER_ONLY_FILE },
      );
      await options.beforePublish?.(plan.rows);
      return new Map([...files].map(([code, file]) => [code, file.bytes]));
    },
    { option: options.option, stale: sdtmFileNames },
  );
  return {
    directory,
    define: join(directory, 'define.xml'),
    subjects: study.subjects,
    files: plan.datasets.map((code) => ({
      domain: code,
      file: join(directory, fileName(code)),
      rows: plan.rows.get(code) ?? 0,
      bytes: bytes.get(code) ?? 0,
    })),
  };
}
